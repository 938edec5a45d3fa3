import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { LaminSyncError } from '../errors';
import { isConnectionLost, translatePostgresConnectError, translatePostgresError, type PostgresErrorContext } from './postgres-errors';
import { redactLocation } from './redact';
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

/**
 * The URL pg gets: a given password in it (pg lets the URL's, even an empty one, win over a
 * `password` option) and our session settings appended to the URL's own `options` (pg lets the
 * URL's `options` replace a config's, which would drop a source's read-only setting).
 */
function connectionString(url: string, password: string | undefined, options: string): { url: string; options?: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    // pg parses some URLs new URL cannot (an empty host with the host in ?host=): the given
    // password goes into the userinfo as text, never silently dropped.
    if (password === undefined) return { url, options };
    const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#@:]*)(?::[^/?#]*)?@/i.exec(url);
    if (!m) {
      throw new LaminSyncError(
        'INVALID_ARGUMENT',
        `Cannot apply the stored password to ${redactLocation(url)}: the URL names no user. Write it as postgresql://USER@HOST:PORT/DATABASE.`,
      );
    }
    return { url: `${m[1]}${m[2]}:${encodeURIComponent(password)}@${url.slice(m[0].length)}`, options };
  }
  if (password !== undefined) u.password = encodeURIComponent(password);
  const own = [...u.searchParams.keys()].find((k) => k.toLowerCase() === 'options');
  if (own === undefined) return { url: u.toString(), options };
  u.searchParams.set(own, `${u.searchParams.get(own)} ${options}`);
  return { url: u.toString() };
}

/** The role a URL names (pg's default: PGUSER, else the OS user). */
function urlUser(url: string): string {
  try {
    const user = decodeURIComponent(new URL(url).username);
    if (user) return user;
  } catch {
    /* unparseable: pg's defaults */
  }
  return process.env.PGUSER || (pg.defaults.user as string | undefined) || 'postgres';
}

/**
 * Connects to Postgres. A source session is read-only at the server
 * (`default_transaction_read_only`), so no statement can change it. Sessions run in UTC.
 *
 * Every error of a session goes through `translatePostgresError` (postgres-errors.ts) with the
 * redacted location, the role and the statement that failed; a session the server dropped (the
 * backend terminated, the network gone) fails every later statement of it with the first
 * translated error, so a failed rollback never hides a lost COMMIT, and nothing crashes: each
 * client listens for the 'error' pg emits on it, in use or idle.
 */
export async function connectPostgres(
  url: string,
  readOnly: boolean,
  counter: StatementCounter,
  password?: string,
): Promise<PostgresConnection> {
  const settings = ['-c TimeZone=UTC'];
  if (readOnly) settings.push('-c default_transaction_read_only=on');
  const ctx: PostgresErrorContext = { location: redactLocation(url), role: urlUser(url), readOnly };
  const conn = connectionString(url, password, settings.join(' '));
  const pool = new pg.Pool({
    connectionString: conn.url,
    ...(conn.options !== undefined ? { options: conn.options } : {}),
    types: typeParsers,
    // How an administrator finds the sessions in pg_stat_activity; a URL's application_name wins.
    application_name: 'lamin-sync',
    max: 4,
    connectionTimeoutMillis: 10_000,
    Client: translatingClient(ctx),
  });
  pool.on('error', () => {
    /* an idle client the server dropped: the pool discards it; its client remembers why */
  });
  try {
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ role: string }>('SELECT current_user AS role');
      if (rows[0]?.role) ctx.role = rows[0].role;
    } finally {
      client.release();
    }
  } catch (e) {
    await pool.end().catch(() => undefined);
    throw translatePostgresConnectError(e, ctx);
  }
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool }),
    log: () => {
      counter.statements++;
    },
  });
  return { db, pool, close: () => db.destroy() };
}

function translatingClient(ctx: PostgresErrorContext): typeof pg.Client {
  return class TranslatingClient extends pg.Client {
    /** Why the server dropped this session, translated once (every later statement fails with it). */
    private lost: LaminSyncError | null = null;
    private inFlight: string | undefined;

    constructor(config?: string | pg.ClientConfig) {
      super(config);
      // pg emits 'error' on a client whose connection broke, in use or idle: without a listener
      // that is an uncaught exception ("Unhandled 'error' event").
      this.on('error', (e: unknown) => {
        const translated = translatePostgresError(e, { ...ctx, ...(this.inFlight !== undefined ? { statement: this.inFlight } : {}) });
        if (translated) this.markLost(translated);
      });
    }

    /** Remembers why the session is gone; the pool then discards the client on release (pg-pool reads `_queryable`). */
    private markLost(error: LaminSyncError): void {
      this.lost ??= error;
      (this as unknown as { _queryable: boolean })._queryable = false;
    }

    // A failed handshake (a password the server asked for and none given) leaves pg's socket open
    // until the server's authentication_timeout (a minute): close it, so the process can exit.
    // Its error is translated here, so a connection the pool opens during a sync (refused, too
    // many clients) names the location too.
    override connect(...args: any[]): any {
      const close = () => (this as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream?.destroy?.();
      const [callback] = args;
      if (typeof callback === 'function') {
        return (super.connect as unknown as (cb: (e?: Error) => void) => void)((e?: Error) => {
          if (e) close();
          (callback as (e?: Error) => void)(e ? translatePostgresConnectError(e, ctx) : e);
        });
      }
      return (super.connect as unknown as () => Promise<void>)().catch((e: unknown) => {
        close();
        throw translatePostgresConnectError(e, ctx);
      });
    }

    /** The error a failed statement ends with: translated, or the first one of a lost session. */
    private failure(e: unknown, text: string): unknown {
      this.inFlight = undefined;
      if (this.lost) return this.lost;
      // Integrity errors stay the driver's: the engine explains them with the rows it wrote.
      if (/^23/.test((e as { code?: string })?.code ?? '')) return e;
      const translated = translatePostgresError(e, { ...ctx, statement: text });
      if (translated && isConnectionLost(e)) this.markLost(translated);
      return translated ?? e;
    }

    // Kysely calls query(text, values) and awaits it, pg-pool's pool.query passes a callback;
    // other forms (cursors and other submittables) pass through.
    override query(...args: any[]): any {
      const [text] = args;
      const run = super.query as (...a: any[]) => any;
      if (typeof text !== 'string') return run.apply(this, args);
      const last = args[args.length - 1];
      if (typeof last === 'function') {
        const callback = last as (e: unknown, r?: unknown) => void;
        if (this.lost) {
          const lost = this.lost;
          process.nextTick(() => callback(lost));
          return undefined;
        }
        this.inFlight = text;
        return run.apply(this, [
          ...args.slice(0, -1),
          (e: unknown, r: unknown) => {
            if (e) callback(this.failure(e, text));
            else {
              this.inFlight = undefined;
              callback(e, r);
            }
          },
        ]);
      }
      if (this.lost) return Promise.reject(this.lost);
      this.inFlight = text;
      return (run.apply(this, args) as Promise<unknown>).then(
        (result) => {
          this.inFlight = undefined;
          return result;
        },
        (e: unknown) => {
          throw this.failure(e, text);
        },
      );
    }
  } as unknown as typeof pg.Client;
}
