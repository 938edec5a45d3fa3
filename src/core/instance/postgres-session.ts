// Postgres sessions that span many statements: one read snapshot shared by several pooled
// connections (the planner's reads run in parallel), and the target's write transaction that
// holds a transaction-scoped advisory lock from its start. The pool is connectPostgres's: each of
// its clients listens for the 'error' pg emits on a broken connection, checked out or idle.
import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { LaminSyncError } from '../errors';
import { testPause } from '../test-hooks';
import { lockedError, lockWaitMessage } from './lock-messages';
import { lockTimeoutMs, type WriteLockOptions, type WriteSession } from './sqlite';
import type { StatementCounter } from './types';

/** What Kysely's PostgresDialect uses of a pool client. */
interface SessionClient {
  query: pg.PoolClient['query'];
  release(): void;
}

/** A pool over connections that each joined one exported snapshot, handed out again on release. */
class SnapshotPool {
  private idle: pg.PoolClient[] = [];
  private waiters: Array<{ resolve: (c: pg.PoolClient) => void; reject: (e: Error) => void }> = [];
  private opening = 0;
  private wrappers = new Map<pg.PoolClient, SessionClient>();

  constructor(
    private readonly base: pg.Pool,
    private readonly snapshotId: string,
    private readonly max: number,
    readonly clients: pg.PoolClient[],
  ) {
    this.idle.push(...clients);
  }

  /** The first read that failed: a connection's transaction is aborted after it, and the later reads on it say only that. */
  private firstError: unknown = undefined;

  private wrap(c: pg.PoolClient): SessionClient {
    let w = this.wrappers.get(c);
    if (!w) {
      const query = ((...args: unknown[]) => {
        const r = (c.query as (...a: unknown[]) => unknown)(...args);
        if (!(r instanceof Promise)) return r;
        return r.catch((e: unknown) => {
          if ((e as { code?: string }).code === '25P02' && this.firstError !== undefined) throw this.firstError;
          this.firstError ??= e;
          throw e;
        });
      }) as pg.PoolClient['query'];
      w = { query, release: () => this.back(c) };
      this.wrappers.set(c, w);
    }
    return w;
  }

  private back(c: pg.PoolClient): void {
    const next = this.waiters.shift();
    if (next) next.resolve(c);
    else this.idle.push(c);
  }

  /** Set once the snapshot ends: a connection that opens after it is released at once, a waiter fails. */
  private closed = false;
  private pending = new Set<Promise<unknown>>();

  async connect(): Promise<SessionClient> {
    if (this.closed) throw new Error('internal: the read snapshot has ended');
    const free = this.idle.pop();
    if (free) return this.wrap(free);
    if (this.clients.length + this.opening < this.max) {
      this.opening++;
      const opened = this.open();
      const tracked = opened.catch(() => undefined);
      this.pending.add(tracked);
      try {
        return this.wrap(await opened);
      } finally {
        this.pending.delete(tracked);
        this.opening--;
      }
    }
    return this.wrap(await new Promise<pg.PoolClient>((resolve, reject) => this.waiters.push({ resolve, reject })));
  }

  private async open(): Promise<pg.PoolClient> {
    const c = await this.base.connect();
    if (this.closed) {
      // The snapshot ended while this connection opened (a failed plan): back to the pool unused.
      c.release();
      throw new Error('internal: the read snapshot has ended');
    }
    this.clients.push(c);
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    // A utility statement takes no parameters; the id was checked to be pg_export_snapshot's form.
    await c.query(`SET TRANSACTION SNAPSHOT '${this.snapshotId}'`);
    return c;
  }

  /** Ends the handing out: waits for the connections still opening, so that every one is in `clients`, released by postgresSnapshot. */
  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error('internal: the read snapshot has ended'));
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  async end(): Promise<void> {
    /* the connections are ended by postgresSnapshot */
  }
}

/**
 * Runs `fn` with a Kysely whose every read sees one snapshot: a REPEATABLE READ READ ONLY
 * transaction exports it (`pg_export_snapshot()`), and each further connection (up to `max`)
 * joins it (`SET TRANSACTION SNAPSHOT`) before its first read.
 */
export async function postgresSnapshot<T>(
  pool: pg.Pool,
  counter: StatementCounter,
  max: number,
  fn: (db: Kysely<any>) => Promise<T>,
): Promise<T> {
  const lead = await pool.connect();
  const clients: pg.PoolClient[] = [lead];
  let snapshot: SnapshotPool | undefined;
  let failed: unknown = undefined;
  try {
    await lead.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows } = await lead.query<{ s: string }>('SELECT pg_export_snapshot() AS s');
    const id = String(rows[0]?.s);
    if (!/^[0-9A-F]+-[0-9A-F]+(-[0-9]+)?$/i.test(id)) throw new Error(`internal: unexpected snapshot id ${id}`);
    const db = new Kysely<any>({
      dialect: new PostgresDialect({ pool: (snapshot = new SnapshotPool(pool, id, max, clients)) as never }),
      log: () => {
        counter.statements++;
      },
    });
    try {
      return await fn(db);
    } finally {
      await db.destroy();
    }
  } catch (e) {
    failed = e;
    throw e;
  } finally {
    await snapshot?.close();
    for (const c of clients) {
      try {
        await c.query(failed === undefined ? 'COMMIT' : 'ROLLBACK');
        c.release();
      } catch (e) {
        c.release(e as Error);
      }
    }
  }
}

/** The advisory lock of lamin-sync's writes (advisory locks are per database: one key is one lock per target). */
const LOCK_CLASS = 0x4c53594e; // 'LSYN'
const LOCK_OBJECT = 1;
const LOCK_POLL_MS = 200;

/**
 * Runs `fn` in one transaction on one connection that first takes the target's advisory lock
 * (`pg_try_advisory_xact_lock`, tried every LOCK_POLL_MS until `lockTimeoutMs()`, telling
 * `onWait` once): two syncs into one database never write at the same time, and the second plans
 * after the first committed. The lock ends with the transaction.
 */
export async function postgresWriteLock<T>(
  pool: pg.Pool,
  counter: StatementCounter,
  where: string,
  fn: (session: WriteSession) => Promise<T>,
  options: WriteLockOptions = {},
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  let commitSent = false;
  const wrapper: SessionClient = { query: client.query.bind(client) as pg.PoolClient['query'], release: () => undefined };
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool: { connect: async () => wrapper, end: async () => undefined } as never }),
    log: () => {
      counter.statements++;
    },
  });
  try {
    await client.query('BEGIN');
    const started = Date.now();
    const limit = lockTimeoutMs();
    let told = false;
    for (;;) {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_xact_lock($1, $2) AS ok', [LOCK_CLASS, LOCK_OBJECT]);
      if (rows[0]?.ok) break;
      if (options.signal?.aborted) throw new LaminSyncError('CANCELLED', 'Sync cancelled. Nothing was written.');
      const waited = Date.now() - started;
      if (waited >= limit) {
        throw lockedError(where, waited);
      }
      if (!told) {
        told = true;
        options.onWait?.(lockWaitMessage(where, limit));
      }
      await new Promise((r) => setTimeout(r, LOCK_POLL_MS));
    }
    const result = await fn({ db, foreignKeysOff: false, beforeCommit: () => testPause('commit') });
    commitSent = true;
    const commit = client.query('COMMIT');
    commit.catch(() => undefined);
    await testPause('commit-sent');
    await commit;
    return result;
  } catch (e) {
    // Whatever failed before the COMMIT (the write, the lock's wait, a cancel): the connection
    // goes back to the pool outside a transaction, or is discarded.
    if (!commitSent) {
      await client.query('ROLLBACK').catch((err: Error) => {
        broken = err;
      });
    }
    broken ??= e instanceof LaminSyncError ? undefined : (e as Error);
    throw e;
  } finally {
    await db.destroy().catch(() => undefined);
    client.release(broken);
  }
}

/** The server and database: the same database reached as `localhost` or `127.0.0.1` has the same. */
export async function postgresPhysicalId(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    "SELECT concat_ws(':', (SELECT oid FROM pg_database WHERE datname = current_database()), " +
      "current_setting('port'), pg_postmaster_start_time()::text) AS id",
  );
  return `postgres:${rows[0]?.id ?? ''}`;
}
