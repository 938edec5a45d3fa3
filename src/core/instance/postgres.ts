import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { LaminSyncError } from '../errors';
import type { StatementCounter } from './types';

export interface PostgresConnection {
  db: Kysely<any>;
  /** The pool under `db` (read snapshots and the write lock take their own connections from it). */
  pool: pg.Pool;
  close(): Promise<void>;
}

// Values travel between dialects as text where JavaScript would lose precision or meaning:
// timestamps keep their microseconds, JSON keeps its exact text, dates stay dates.
const KEEP_AS_TEXT = new Set([
  1082, // date
  1114, // timestamp
  1184, // timestamptz
  114, // json
  3802, // jsonb
]);
const INT8 = 20;

const typeParsers = {
  getTypeParser(oid: number, format?: string): (value: string) => unknown {
    if (KEEP_AS_TEXT.has(oid)) return (v: string) => v;
    if (oid === INT8) return (v: string) => Number(v);
    return (pg.types.getTypeParser as (oid: number, format?: string) => (v: string) => unknown)(
      oid,
      format,
    );
  },
};

function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  try {
    const u = new URL(url);
    u.password = encodeURIComponent(password);
    return u.toString();
  } catch {
    return url;
  }
}

/** A URL fit to print: the password replaced. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:\/\/([^:/@]+):[^@]*@/, '://$1:***@');
  }
}

/**
 * Connects to Postgres. A source session is read-only at the server
 * (`default_transaction_read_only`), so no statement can change it. Sessions run in UTC.
 */
export async function connectPostgres(
  url: string,
  readOnly: boolean,
  counter: StatementCounter,
  password?: string,
): Promise<PostgresConnection> {
  const options = ['-c TimeZone=UTC'];
  if (readOnly) options.push('-c default_transaction_read_only=on');
  const pool = new pg.Pool({
    // pg lets the URL's (empty) password win over a `password` option: put a given one into the URL.
    connectionString: withPassword(url, password),
    options: options.join(' '),
    types: typeParsers,
    max: 4,
    connectionTimeoutMillis: 10_000,
  });
  pool.on('error', () => {
    /* idle client errors surface on the next query */
  });
  try {
    const client = await pool.connect();
    client.release();
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw connectionError(url, e);
  }
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool }),
    log: () => {
      counter.statements++;
    },
  });
  return { db, pool, close: () => db.destroy() };
}

function connectionError(url: string, e: unknown): LaminSyncError {
  const err = e as { code?: string; message?: string };
  const where = redactUrl(url);
  switch (err.code) {
    case '28P01':
    case '28000':
      return new LaminSyncError(
        'CONNECTION',
        `Postgres refused the credentials for ${where}: ${err.message}. Check the user name and password.`,
        { cause: e },
      );
    case '3D000':
      return new LaminSyncError(
        'NOT_FOUND',
        `No such Postgres database at ${where}: ${err.message}.`,
        { cause: e },
      );
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'ETIMEDOUT':
      return new LaminSyncError(
        'CONNECTION',
        `Cannot reach Postgres at ${where} (${err.code}). Is the server running and the host and port right?`,
        { cause: e },
      );
    default:
      return new LaminSyncError(
        'CONNECTION',
        `Cannot connect to Postgres at ${where}: ${err.message ?? String(e)}`,
        { cause: e },
      );
  }
}
