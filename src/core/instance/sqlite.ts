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
 * Prepared statements kept per SQL text (least recently used dropped): the sync's batched
 * INSERTs (written as `INSERT INTO "…"` by execute) reuse theirs instead of re-preparing tens of
 * thousands of placeholders per batch. Other statements are prepared as before.
 */
const CACHED_PREFIX = 'INSERT INTO "';
const STATEMENT_CACHE_SIZE = 64;
/** Statements longer than this are prepared each time rather than kept. */
const STATEMENT_CACHE_MAX_SQL = 1 << 20;

function withStatementCache(raw: Database.Database): Pick<Database.Database, 'prepare' | 'close'> {
  const cache = new Map<string, Database.Statement>();
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
      const stmt = raw.prepare(source);
      if (!hit && source.length <= STATEMENT_CACHE_MAX_SQL && source.startsWith(CACHED_PREFIX)) {
        cache.set(source, stmt);
        if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    }) as Database.Database['prepare'],
  };
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
      // A sync writes in one transaction: a larger page cache keeps the indexes it updates in
      // memory (this connection only; nothing about the file changes).
      raw.pragma('cache_size = -32768');
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
    dialect: new SqliteDialect({ database: withStatementCache(raw) }),
    log: () => {
      counter.statements++;
    },
  });
  return {
    db,
    close: () => db.destroy(),
  };
}
