// The read snapshot of a Postgres source (postgres-session.ts) with a real pool: whatever the plan
// does, every connection it took goes back to the pool outside a transaction.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { connectPostgres } from '../../src/core/instance/postgres';
import { postgresSnapshot, postgresWriteLock } from '../../src/core/instance/postgres-session';
import { testPostgres } from '../support/postgres';

/** Sessions of the database of `url` other than the asking one, with their state. */
async function sessions(url: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ state: string }>(
      'SELECT state FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows.map((r) => r.state);
  } finally {
    await c.end();
  }
}

describe('postgresSnapshot', () => {
  it('a plan failing while further connections still open: the error arrives, every connection is back idle, the pool ends', async () => {
    const url = await (await testPostgres()).createDatabase();
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    const base = pool.connect.bind(pool) as () => Promise<pg.PoolClient>;
    let asked = 0;
    let allAsked!: () => void;
    const three = new Promise<void>((r) => (allAsked = r));
    // Every connection after the first is slow to open (a server far away, or busy).
    (pool as unknown as { connect: () => Promise<pg.PoolClient> }).connect = async () => {
      const n = ++asked;
      if (n === 3) allAsked();
      const c = await base();
      if (n > 1) await new Promise((r) => setTimeout(r, 50));
      return c;
    };
    await assert.rejects(
      postgresSnapshot(pool, { statements: 0 }, 4, async (db) => {
        // Three reads at once, as the planner's prefetch: the first takes the lead connection, two open new ones.
        for (let i = 0; i < 3; i++) void sql`SELECT 1`.execute(db).catch(() => undefined);
        await three;
        throw new Error('the plan failed');
      }),
      /the plan failed/,
    );
    assert.equal(pool.totalCount, pool.idleCount, `checked out: ${pool.totalCount - pool.idleCount}`);
    assert.deepEqual((await sessions(url)).filter((s) => s !== 'idle'), []);
    await pool.end();
  });
});

describe('postgresWriteLock', () => {
  for (const how of ['the lock wait times out (LOCKED)', 'the sync is cancelled while it waits (CANCELLED)'] as const) {
    it(`${how}: the connection goes back to the pool outside a transaction`, async () => {
      const url = await (await testPostgres()).createDatabase();
      // One connection: the statement after the failed lock runs on the very connection it used.
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      const holder = new pg.Client({ connectionString: url });
      await holder.connect();
      const saved = process.env.LAMIN_SYNC_LOCK_TIMEOUT;
      try {
        // Another sync holds the target's lock (lamin-sync's advisory key).
        await holder.query('SELECT pg_advisory_lock($1, $2)', [0x4c53594e, 1]);
        const ac = new AbortController();
        if (how.startsWith('the lock wait times out')) process.env.LAMIN_SYNC_LOCK_TIMEOUT = '0';
        else ac.abort();
        await assert.rejects(
          postgresWriteLock(pool, { statements: 0 }, 'the target', async () => assert.fail('ran without the lock'), { signal: ac.signal }),
          how.includes('LOCKED') ? { code: 'LOCKED' } : { code: 'CANCELLED' },
        );
        const { rows } = await pool.query<{ outside: boolean }>('SELECT now() = statement_timestamp() AS outside');
        assert.equal(rows[0]?.outside, true, 'the pooled connection is still inside the failed sync\'s transaction');
      } finally {
        if (saved === undefined) delete process.env.LAMIN_SYNC_LOCK_TIMEOUT;
        else process.env.LAMIN_SYNC_LOCK_TIMEOUT = saved;
        await holder.end();
        await pool.end();
      }
    });
  }
});

describe('a Postgres session the server ends by a timeout', () => {
  it('idle_in_transaction_session_timeout: the next statement says which setting ended it and what to do', async () => {
    const url = await (await testPostgres()).createDatabase();
    const conn = await connectPostgres(url, false, { statements: 0 });
    try {
      const client = await conn.pool.connect();
      const ended = new Promise<void>((r) => client.once('error', () => r()));
      await client.query("SET idle_in_transaction_session_timeout = '50ms'");
      await client.query('BEGIN');
      await ended; // the server's FATAL 25P03, sent while the transaction sat idle
      await assert.rejects(client.query('SELECT 1'), (e: Error) => {
        assert.match(e.message, /was lost .*nothing was written\. The server's idle_in_transaction_session_timeout ended the session/);
        assert.match(e.message, /ALTER ROLE \S+ SET idle_in_transaction_session_timeout = 0/);
        return true;
      });
      client.release(true as never);
    } finally {
      await conn.close();
    }
  });
});

describe('a Postgres connection opened during a sync that the server refuses', () => {
  it('too many connections (53300): the error names the location, not only the driver', async () => {
    const url = await (await testPostgres()).createDatabase();
    const role = `limited_${process.pid}_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${admin.escapeIdentifier(role)} LOGIN PASSWORD 'pw' CONNECTION LIMIT 1`);
    } finally {
      await admin.end();
    }
    const u = new URL(url);
    u.username = role;
    u.password = 'pw';
    const conn = await connectPostgres(u.toString(), true, { statements: 0 });
    try {
      const held = await conn.pool.connect(); // the one connection the role may have
      try {
        await assert.rejects(conn.pool.connect(), (e: Error) => {
          assert.match(e.message, /^The Postgres server of postgresql:\/\/limited_\S+:\*\*\*@127\.0\.0\.1:\d+\/\w+ is out of resources \(too many connections for role .*\): nothing was written/);
          assert.doesNotMatch(e.message, /:pw@/);
          return true;
        });
      } finally {
        held.release();
      }
    } finally {
      await conn.close();
    }
  });
});

describe('read snapshots on one pool, one after another', () => {
  it('add no error listener to the pooled connections (no MaxListenersExceededWarning after many syncs)', async () => {
    const url = await (await testPostgres()).createDatabase();
    const conn = await connectPostgres(url, true, { statements: 0 });
    const listeners = async () => {
      const c = await conn.pool.connect();
      try {
        return c.listenerCount('error');
      } finally {
        c.release();
      }
    };
    try {
      const before = await listeners();
      for (let i = 0; i < 3; i++) await postgresSnapshot(conn.pool, { statements: 0 }, 1, (db) => sql`SELECT 1`.execute(db));
      assert.equal(await listeners(), before);
    } finally {
      await conn.close();
    }
  });
});

describe('a password kept apart (SecretStorage) for a URL new URL cannot parse', () => {
  it('an empty host with ?host= (pg parses it): the password is used, not dropped', async () => {
    const url = new URL(await (await testPostgres()).createDatabase());
    const password = decodeURIComponent(url.password);
    const odd = `postgresql://${url.username}@/${url.pathname.slice(1)}?host=${url.hostname}&port=${url.port}`;
    assert.throws(() => new URL(odd));
    const conn = await connectPostgres(odd, true, { statements: 0 }, password);
    try {
      const { rows } = await conn.pool.query<{ db: string }>('SELECT current_database() AS db');
      assert.equal(rows[0]?.db, url.pathname.slice(1));
    } finally {
      await conn.close();
    }
  });
});
