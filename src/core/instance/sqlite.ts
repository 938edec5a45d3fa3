import { existsSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { LaminSyncError } from '../errors';
import type { StatementCounter } from './types';

export interface SqliteConnection {
  db: Kysely<any>;
  close(): Promise<void>;
}

/**
 * Opens a SQLite file. A source is opened with SQLite's own read-only flag, so no statement
 * can change it; a target gets foreign keys on, as Django sets them.
 */
export function connectSqlite(
  file: string,
  readOnly: boolean,
  counter: StatementCounter,
): SqliteConnection {
  if (!existsSync(file)) {
    throw new LaminSyncError(
      'NOT_FOUND',
      `No SQLite file at ${file}. Pass a lamin.db file, a storage root that holds .lamindb/lamin.db, ` +
        'a postgresql:// URL or an owner/name slug.',
    );
  }
  if (!statSync(file).isFile()) {
    throw new LaminSyncError('NOT_FOUND', `${file} is a folder, not a SQLite file.`);
  }
  let raw: Database.Database;
  try {
    raw = new Database(file, { readonly: readOnly, fileMustExist: true });
    // The first read fails here when the file is not a database at all.
    raw.pragma('schema_version');
    if (!readOnly) {
      raw.pragma('foreign_keys = ON');
      raw.pragma('busy_timeout = 5000');
    }
  } catch (e) {
    throw new LaminSyncError(
      'CORRUPT',
      `${file} is not a readable SQLite database (${(e as Error).message}). ` +
        'Check that the path points at a LaminDB instance file (.lamindb/lamin.db) and that it is not damaged.',
      { cause: e },
    );
  }
  const db = new Kysely<any>({
    dialect: new SqliteDialect({ database: raw }),
    log: () => {
      counter.statements++;
    },
  });
  return {
    db,
    close: () => db.destroy(),
  };
}
