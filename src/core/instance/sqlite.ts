import { constants, existsSync, openSync, readFileSync, readSync, closeSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { LaminSyncError } from '../errors';
import { testPause, testPauseMs } from '../test-hooks';
import { lockWaitMessage } from './lock-messages';
import { canAccess, journalFile, translateSqliteError, unreadableError, type SqliteWhere } from './sqlite-errors';
import type { StatementCounter } from './types';

export interface SqliteConnection {
  db: Kysely<any>;
  /** Runs `fn` in one deferred read transaction: every read sees the file as it was at the first. */
  withSnapshot<T>(fn: (db: Kysely<any>) => Promise<T>): Promise<T>;
  /** Runs `fn` in one write transaction that holds SQLite's write lock from its start (BEGIN IMMEDIATE). */
  withWriteLock<T>(fn: (session: WriteSession) => Promise<T>, options?: WriteLockOptions): Promise<T>;
  /** Device and inode: the same file reached by another path (symlink, hard link) has the same. */
  physicalId: string;
  close(): Promise<void>;
}

/** The target's one write transaction, open. */
export interface WriteSession {
  db: Kysely<any>;
  /**
   * SQLite: the connection's row-by-row foreign-key checks are off for this transaction; the
   * writer checks the rows it inserted itself before the commit (see InsertedRows).
   */
  foreignKeysOff: boolean;
  /** Called (awaited) just before the COMMIT is sent; the test hook pauses here. */
  beforeCommit?: () => Promise<void>;
}

export interface WriteLockOptions {
  /** Told once when another process holds the lock and the sync starts to wait for it. */
  onWait?: (message: string) => void;
  /** SQLite: turn the row-by-row foreign-key checks off for the transaction. */
  foreignKeysOff?: boolean;
  signal?: AbortSignal;
}

/**
 * How long a sync waits for another writer's lock on its target before it gives up (ms):
 * `LAMIN_SYNC_LOCK_TIMEOUT` seconds, default 60.
 */
export function lockTimeoutMs(): number {
  const s = Number(process.env.LAMIN_SYNC_LOCK_TIMEOUT);
  return Number.isFinite(s) && s >= 0 && process.env.LAMIN_SYNC_LOCK_TIMEOUT !== '' ? s * 1000 : 60_000;
}

/**
 * SQLite's own wait for a lock held briefly (a reader, another commit) on each statement: 5 s,
 * or the lock timeout when that is shorter.
 */
function statementBusyMs(): number {
  return Math.min(5_000, lockTimeoutMs());
}
/** Each try for the write lock waits this long inside SQLite, then the event loop runs (signals, progress). */
const LOCK_POLL_MS = 200;

/**
 * Prepared statements kept per SQL text (least recently used dropped): the sync's batched
 * INSERTs (written as `INSERT INTO "…"` by execute) reuse theirs instead of re-preparing tens of
 * thousands of placeholders per batch. Other statements are prepared as before. Every error of
 * a statement (preparing or running it) is translated by sqlite-errors with the file's name.
 */
const CACHED_PREFIX = 'INSERT INTO "';
const STATEMENT_CACHE_SIZE = 64;
/** Statements longer than this are prepared each time rather than kept. */
const STATEMENT_CACHE_MAX_SQL = 1 << 20;

type Guard = <T>(run: () => T) => T;

/** A statement whose errors pass through `guard`; what Kysely's SQLite driver uses of one. */
class GuardedStatement {
  constructor(
    readonly stmt: Database.Statement,
    private readonly guard: Guard,
  ) {}
  get reader(): boolean {
    return this.stmt.reader;
  }
  get busy(): boolean {
    return this.stmt.busy;
  }
  all(params: unknown): unknown[] {
    return this.guard(() => this.stmt.all(params as never));
  }
  run(params: unknown): Database.RunResult {
    return this.guard(() => this.stmt.run(params as never));
  }
  *iterate(params: unknown): IterableIterator<unknown> {
    const it = this.guard(() => this.stmt.iterate(params as never));
    for (;;) {
      const next = this.guard(() => it.next());
      if (next.done) return;
      yield next.value;
    }
  }
}

function guardedDatabase(raw: Database.Database, guard: Guard): Pick<Database.Database, 'prepare' | 'close'> {
  const cache = new Map<string, GuardedStatement>();
  return {
    close: () => {
      cache.clear();
      return raw.close();
    },
    prepare: ((source: string) => {
      const hit = cache.get(source);
      if (hit && !hit.busy) {
        cache.delete(source);
        cache.set(source, hit);
        return hit;
      }
      const stmt = new GuardedStatement(guard(() => raw.prepare(source)), guard);
      if (!hit && source.length <= STATEMENT_CACHE_MAX_SQL && source.startsWith(CACHED_PREFIX)) {
        cache.set(source, stmt);
        if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    }) as unknown as Database.Database['prepare'],
  };
}

/** The file's header says WAL (bytes 18 and 19 are 2). */
function isWalFile(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(20);
    const n = readSync(fd, header, 0, 20, 0);
    return n === 20 && header.toString('latin1', 0, 15) === 'SQLite format 3' && header[18] === 2 && header[19] === 2;
  } finally {
    closeSync(fd);
  }
}

/** Files read into memory to open a WAL source without touching its folder (larger ones are opened in place). */
const WAL_IN_MEMORY_MAX = 1 << 30;

/**
 * Opens a file read-only. A WAL-mode file with no `-wal` beside it (checkpointed, no writer
 * connected) is read into memory and opened from there with the header's WAL flag cleared in that
 * copy, so SQLite creates no `-wal`/`-shm` files beside it and a read-only folder works. With a
 * `-wal` beside it (a writer connected, or crashed) SQLite must read that log through a `-shm`
 * index: it is opened in place, which needs the `-shm` file or a writable folder.
 */
function openReadOnly(file: string): Database.Database {
  if (isWalFile(file)) {
    const wal = `${file}-wal`;
    if (!existsSync(wal) && statSync(file).size <= WAL_IN_MEMORY_MAX) {
      const image = readFileSync(file);
      // A writer that connected meanwhile may have started a log: then read it in place.
      if (!existsSync(wal)) {
        image[18] = 1;
        image[19] = 1;
        return new Database(image, { readonly: true });
      }
    }
    if (existsSync(wal) && !existsSync(`${file}-shm`) && !canAccess(dirname(file), constants.W_OK)) {
      throw new LaminSyncError(
        'PERMISSION',
        `${file} is in WAL mode with a write-ahead log (${wal}) that SQLite can only read through a -shm index file, ` +
          `and its folder ${dirname(file)} is not writable to create one. Open it once with write access ` +
          `(\`lamin-sync recover ${file}\` checkpoints the log into the file), or copy it to a writable folder.`,
      );
    }
  }
  return new Database(file, { readonly: true, fileMustExist: true, timeout: statementBusyMs() });
}

/**
 * Opens a SQLite file. A source is opened with SQLite's own read-only flag, so no statement
 * can change it; a target gets foreign keys on, as Django sets them. Errors come back as
 * LaminSyncErrors that name the file (sqlite-errors).
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
  const st = statSync(file);
  if (!st.isFile()) {
    throw new LaminSyncError('NOT_FOUND', `${file} is a folder, not a SQLite file.`);
  }
  const where: SqliteWhere = { file, readOnly };
  const guard: Guard = (run) => {
    try {
      return run();
    } catch (e) {
      throw translateSqliteError(e, where);
    }
  };
  if (!canAccess(file, constants.R_OK)) throw unreadableError(file);
  let raw: Database.Database | undefined;
  try {
    raw = readOnly ? openReadOnly(file) : new Database(file, { fileMustExist: true, timeout: statementBusyMs() });
    // The first read fails here when the file is not a database at all (or cannot be read now).
    raw.pragma('schema_version');
    if (!readOnly) {
      raw.pragma('foreign_keys = ON');
      // A sync writes in one transaction: a larger page cache keeps the indexes it updates in
      // memory (this connection only; nothing about the file changes).
      raw.pragma(`cache_size = ${testPauseMs() > 0 ? 1 : -32768}`);
    }
  } catch (e) {
    raw?.close();
    const t = translateSqliteError(e, where);
    if (t instanceof LaminSyncError) throw t;
    throw new LaminSyncError(
      'CORRUPT',
      `${file} is not a readable SQLite database (${(e as Error).message}). ` +
        'Check that the path points at a LaminDB instance file (.lamindb/lamin.db) and that it is not damaged.',
      { cause: e },
    );
  }
  const db = new Kysely<any>({
    dialect: new SqliteDialect({ database: guardedDatabase(raw, guard) as never }),
    log: () => {
      counter.statements++;
    },
  });
  const connection = raw;
  return {
    db,
    physicalId: `file:${st.dev}:${st.ino}`,
    withSnapshot: (fn) =>
      db.connection().execute(async (c) => {
        // A file read from memory (a WAL source) is a snapshot already; BEGIN is harmless there too.
        await sql`BEGIN DEFERRED`.execute(c);
        try {
          return await fn(c);
        } finally {
          if (connection.inTransaction) await sql`COMMIT`.execute(c);
        }
      }),
    withWriteLock: (fn, options = {}) => sqliteWriteLock(db, connection, where, fn, options),
    close: () => db.destroy(),
  };
}

async function sqliteWriteLock<T>(
  db: Kysely<any>,
  raw: Database.Database,
  where: SqliteWhere,
  fn: (session: WriteSession) => Promise<T>,
  options: WriteLockOptions,
): Promise<T> {
  return db.connection().execute(async (c) => {
    const foreignKeysOff = options.foreignKeysOff ?? false;
    // The setting cannot change inside a transaction: set before BEGIN, restored after the end.
    if (foreignKeysOff) await sql`PRAGMA foreign_keys = OFF`.execute(c);
    try {
      await beginImmediate(c, where, options);
      try {
        const result = await fn({
          db: c,
          foreignKeysOff,
          beforeCommit: () => testPause('commit'),
        });
        await sql`COMMIT`.execute(c);
        return result;
      } catch (e) {
        // SQLite rolls back by itself on some errors (a full disk): then there is nothing left to roll back.
        if (raw.inTransaction) await sql`ROLLBACK`.execute(c).catch(() => undefined);
        throw e;
      }
    } finally {
      if (foreignKeysOff) await sql`PRAGMA foreign_keys = ON`.execute(c).catch(() => undefined);
    }
  });
}

/**
 * `BEGIN IMMEDIATE`: the write lock up front, so that a transaction never reads and then finds it
 * cannot write. While another process holds it, tries again every LOCK_POLL_MS (telling
 * `onWait` once) until `lockTimeoutMs()`, then fails as LOCKED.
 */
async function beginImmediate(c: Kysely<any>, where: SqliteWhere, options: WriteLockOptions): Promise<void> {
  const started = Date.now();
  const limit = lockTimeoutMs();
  let told = false;
  await sql.raw(`PRAGMA busy_timeout = ${LOCK_POLL_MS}`).execute(c);
  try {
    for (;;) {
      try {
        await sql`BEGIN IMMEDIATE`.execute(c);
        return;
      } catch (e) {
        if (!(e instanceof LaminSyncError && e.code === 'LOCKED')) throw e;
        const waited = Date.now() - started;
        if (waited >= limit || options.signal?.aborted) {
          if (options.signal?.aborted) throw new LaminSyncError('CANCELLED', 'Sync cancelled. Nothing was written.');
          throw translateSqliteError(e.cause, { ...where, waitedMs: waited });
        }
        if (!told) {
          told = true;
          options.onWait?.(lockWaitMessage(where.file, limit));
        }
        await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
      }
    }
  } finally {
    await sql.raw(`PRAGMA busy_timeout = ${statementBusyMs()}`).execute(c);
  }
}

/**
 * Rolls back a hot journal left by a killed or crashed writer (opening the file for writing does
 * it), and checkpoints a WAL file's log into it, then checks the file. Writes nothing else.
 */
export function recoverSqlite(file: string): { hadJournal: boolean; check: string } {
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new LaminSyncError('NOT_FOUND', `No SQLite file at ${file}.`);
  }
  const hadJournal = existsSync(journalFile(file)) || existsSync(`${file}-wal`);
  const where: SqliteWhere = { file, readOnly: false };
  let raw: Database.Database | undefined;
  try {
    raw = new Database(file, { fileMustExist: true, timeout: statementBusyMs() });
    raw.pragma('schema_version');
    if (raw.pragma('journal_mode', { simple: true }) === 'wal') raw.pragma('wal_checkpoint(TRUNCATE)');
    const check = (raw.pragma('quick_check') as Array<{ quick_check: string }>).map((r) => r.quick_check).join('; ');
    return { hadJournal, check };
  } catch (e) {
    throw translateSqliteError(e, where);
  } finally {
    raw?.close();
  }
}
