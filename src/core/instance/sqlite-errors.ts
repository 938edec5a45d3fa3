// The one place where better-sqlite3's errors become LaminSyncErrors: what happened, to which
// file, and what to do. Every statement of a SQLite connection passes its errors through here
// (see sqlite.ts), and the write path asks it about constraint errors.
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { LaminSyncError } from '../errors';
import { checkViolationError, nullValueError } from './constraint-errors';
import { lockedError } from './lock-messages';

/** Where a SQLite error happened. */
export interface SqliteWhere {
  file: string;
  /** Opened read-only (a source, or a command that only reads). */
  readOnly: boolean;
  /** The busy timeout that was spent waiting for a lock (ms), when known. */
  waitedMs?: number;
}

/** The primary or extended result code of a better-sqlite3 error (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_NOTNULL`, …). */
export function sqliteCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** The file's rollback journal: present with content after a writer died mid-commit. */
export function journalFile(file: string): string {
  return `${file}-journal`;
}

/** The message for a file whose last write was interrupted (a hot journal beside it). */
export function hotJournalError(file: string, cause?: unknown): LaminSyncError {
  return new LaminSyncError(
    'INTERRUPTED_WRITE',
    `${file} has an interrupted write: a process writing it was killed or crashed and left its rollback ` +
      `journal ${journalFile(file)}. The database is intact once that journal is rolled back, which needs write access: ` +
      `run \`lamin-sync recover ${file}\` (or sync into it as a target), then retry.`,
    cause === undefined ? undefined : { cause },
  );
}

/** Whether this process may access `path` as `mode` says (fs.constants.R_OK, W_OK). */
export function canAccess(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** The file exists but this user may not read it. */
export function unreadableError(file: string, cause?: unknown): LaminSyncError {
  return new LaminSyncError(
    'PERMISSION',
    `Cannot read ${file}: permission denied for this user. Ask its owner for read access (chmod/chown), or run as a user who has it.`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * A LaminSyncError for a better-sqlite3 error, or `e` itself when it is no SQLite error or one
 * this module does not know (then it is a bug, shown as one).
 */
export function translateSqliteError(e: unknown, where: SqliteWhere): unknown {
  if (e instanceof LaminSyncError) return e;
  const code = sqliteCode(e);
  if (!code) return e;
  const { file } = where;
  const msg = (e as Error).message;
  const cause = { cause: e };
  const primary = code.replace(/^(SQLITE_[A-Z]+)_.*$/, '$1');
  if (code === 'SQLITE_READONLY_ROLLBACK') return hotJournalError(file, e);
  switch (primary) {
    case 'SQLITE_BUSY':
    case 'SQLITE_LOCKED':
      return lockedError(file, where.waitedMs, e);
    case 'SQLITE_FULL':
      return new LaminSyncError(
        'DISK_FULL',
        `The disk holding ${file} is full (SQLite could not grow the database or its journal). ` +
          'Nothing was written: free some space there and retry.',
        cause,
      );
    case 'SQLITE_NOTADB':
      return new LaminSyncError(
        'CORRUPT',
        `${file} is not a readable SQLite database (${msg}). ` +
          'Check that the path points at a LaminDB instance file (.lamindb/lamin.db) and that it is not damaged.',
        cause,
      );
    case 'SQLITE_CORRUPT':
      return new LaminSyncError(
        'CORRUPT',
        `${file} is damaged (${msg}). Restore it from a backup; ` +
          `\`sqlite3 ${file} 'PRAGMA integrity_check'\` shows what is broken.`,
        cause,
      );
    case 'SQLITE_CANTOPEN':
    case 'SQLITE_PERM':
    case 'SQLITE_AUTH': {
      if (existsSync(file) && !canAccess(file, constants.R_OK)) return unreadableError(file, e);
      if (!where.readOnly && !canAccess(dirname(file), constants.W_OK)) {
        return new LaminSyncError(
          'PERMISSION',
          `Cannot write ${file}: its folder ${dirname(file)} is not writable for this user (SQLite writes its journal there). ` +
            'Grant write access to the folder, or choose another target.',
          cause,
        );
      }
      return new LaminSyncError(
        'PERMISSION',
        `Cannot open ${file} (${msg}). Check that the file and its folder are accessible to this user.`,
        cause,
      );
    }
    case 'SQLITE_READONLY':
      return new LaminSyncError(
        'READ_ONLY',
        where.readOnly
          ? `${file} was opened read-only and cannot be written (${msg}).`
          : `${file} cannot be written (${msg}): the file or its folder is read-only for this user. ` +
              'Grant write access, or choose another target.',
        cause,
      );
    case 'SQLITE_IOERR':
      return new LaminSyncError(
        'IO',
        `Reading or writing ${file} failed at the disk (${code}: ${msg}). Nothing was written; check the disk and retry.`,
        cause,
      );
    case 'SQLITE_CONSTRAINT':
      return constraintError(code, msg, file, e);
    default:
      return e;
  }
}

/**
 * A constraint a written row broke. Unique values and foreign keys are the write path's to tell
 * (the target changed under the sync); a NULL where the schema forbids one, or a failed CHECK,
 * is a source row that breaks LaminDB's schema.
 */
function constraintError(code: string, msg: string, file: string, e: unknown): unknown {
  const col = /constraint failed: (.+)$/.exec(msg)?.[1];
  if (code === 'SQLITE_CONSTRAINT_NOTNULL') return nullValueError(col, file, e);
  if (code === 'SQLITE_CONSTRAINT_CHECK') return checkViolationError(col, file, e);
  return e;
}
