// Postgres under faults, restricted roles and bad input, through the CLI as a child process:
// each case exits 1 with one clear line (no stack trace, no password), the target unchanged
// (checksums of every table), the source unchanged.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { GUIDE_ARTIFACT, GUIDE_SOURCE, seedGuideExample } from '../../src/core/example/guide';
import { makeInstance, tempDir, withInstances } from '../support/instances';
import { testPostgres } from '../support/postgres';
import { assertNoStackTrace, assertOneErrorLine, changedTables, postgresChecksums, sqliteChecksums, spawnCli, type CliRun } from './support';

async function guideSource(dialect: 'sqlite' | 'postgres' = 'postgres'): Promise<string> {
  const loc = await makeInstance(dialect, { name: GUIDE_SOURCE.name, owner: GUIDE_SOURCE.owner, instanceUid: GUIDE_SOURCE.instanceUid });
  await withInstances([[loc, false]], (i) => seedGuideExample(i));
  return loc;
}

const emptyTarget = () => makeInstance('postgres', { name: 'test-sync' });

/** Runs statements as the test server's superuser on the database of `url`. */
async function admin(url: string, ...statements: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const s of statements) await c.query(s);
  } finally {
    await c.end();
  }
}

/** A role name of its own per test (roles are cluster-wide). */
const roleName = (prefix: string) => `${prefix}_${randomBytes(3).toString('hex')}`;

function asRole(url: string, user: string, password?: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password ?? '';
  return u.toString();
}

function withParam(url: string, key: string, value: string): string {
  const u = new URL(url);
  u.searchParams.set(key, value);
  return u.toString();
}

function withPath(url: string, path: string): string {
  const u = new URL(url);
  u.pathname = path;
  return u.toString();
}

/** Exit 1, one clear line matching `pattern`, no stack trace. */
function assertFails(run: CliRun, pattern: RegExp): void {
  assert.equal(run.code, 1, `exit ${run.code}\nstdout:\n${run.out}\nstderr:\n${run.err}`);
  assertOneErrorLine(run, pattern);
  assert.ok(run.err.trim().split('\n').length <= 2, `more than one error line:\n${run.err}`);
}

/**
 * Polls pg_stat_activity until a backend on the database of `url` (of `application_name` `app`,
 * when given) waits on a lock; fails if the sync ends first.
 */
async function waitForBlocked(
  baseUrl: string,
  app: string | null,
  url: string,
  running: Promise<CliRun>,
): Promise<{ pid: number; query: string }> {
  const db = decodeURIComponent(new URL(url).pathname.slice(1));
  let ended: CliRun | null = null;
  void running.then((r) => {
    ended = r;
  });
  const c = new pg.Client({ connectionString: baseUrl });
  await c.connect();
  try {
    for (;;) {
      const early = ended as CliRun | null;
      if (early) assert.fail(`the sync ended (exit ${early.code}) before it waited on the lock:\n${early.out}\n${early.err}`);
      const { rows } = await c.query<{ pid: number; query: string }>(
        "SELECT pid, query FROM pg_stat_activity WHERE ($1::text IS NULL OR application_name = $1) AND datname = $2 AND wait_event_type = 'Lock'",
        [app, db],
      );
      if (rows[0]) return rows[0];
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    await c.end();
  }
}

/** Runs `fn` while another session of `url` holds the lock `statement` takes (released after). */
async function holdingLock<T>(url: string, statement: string, fn: () => Promise<T>): Promise<T> {
  const locker = new pg.Client({ connectionString: url });
  await locker.connect();
  try {
    await locker.query('BEGIN');
    await locker.query(statement);
    return await fn();
  } finally {
    await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end();
  }
}

async function terminate(baseUrl: string, pid: number): Promise<void> {
  await admin(baseUrl, `SELECT pg_terminate_backend(${Number(pid)})`);
}

describe('fault: a Postgres source role that cannot read a LaminDB table', () => {
  it('refuses the sync, naming the table, the role and the GRANT; the target unchanged', async () => {
    const source = await guideSource();
    const target = await emptyTarget();
    const role = roleName('reader');
    await admin(source, `CREATE ROLE ${role} LOGIN PASSWORD 'pw'`, `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    const reader = asRole(source, role, 'pw');
    // With every LaminDB table readable (and a table of no LaminDB module not), the role reads the instance.
    await admin(source, 'CREATE TABLE notes_private (id integer, uid text)');
    const ls = await spawnCli(['ls', reader]);
    assert.equal(ls.code, 0, ls.err);
    await admin(source, `REVOKE SELECT ON lamindb_ulabel FROM ${role}`);
    const before = await postgresChecksums(target);
    const sourceBefore = await postgresChecksums(source);
    const run = await spawnCli(['sync', reader, target, '--uid', GUIDE_ARTIFACT.uid, '--annotations']);
    assertFails(run, new RegExp(`role ${role} may not read the table lamindb_ulabel`));
    assert.match(run.err, new RegExp(`GRANT SELECT ON lamindb_ulabel TO ${role}`));
    assert.deepEqual(changedTables(before, await postgresChecksums(target)), []);
    assert.deepEqual(changedTables(sourceBefore, await postgresChecksums(source)), []);
  });
});

describe('fault: passwords never printed', () => {
  it('ls, init --db, sync and every connection error show no password (userinfo, password= in any case, unparseable URLs)', async () => {
    const base = new URL((await testPostgres()).baseUrl);
    const secret = decodeURIComponent(base.password);
    const source = await guideSource();
    const noPassword = (url: string) => asRole(url, decodeURIComponent(new URL(url).username));
    const viaParam = withParam(noPassword(source), 'password', secret);
    const runs: Array<[string, CliRun]> = [];
    // Working commands with the password in the query.
    const ls = await spawnCli(['ls', viaParam]);
    assert.equal(ls.code, 0, ls.err);
    assert.match(ls.out, /laminlabs\/lamindata \(postgres/);
    runs.push(['ls', ls]);
    const freshDb = await (await testPostgres()).createDatabase();
    const init = await spawnCli(['init', '--storage', join(tempDir(), 'pw-init'), '--db', withParam(noPassword(freshDb), 'password', secret)]);
    assert.equal(init.code, 0, init.err);
    assert.match(init.out, /initialized lamindb/);
    runs.push(['init --db', init]);
    const target = await emptyTarget();
    const sync = await spawnCli(['sync', viaParam, target, '--uid', 'nosuchuid0000000']);
    assert.equal(sync.code, 1);
    assert.match(sync.err, /No record with uid 'nosuchuid0000000'/);
    runs.push(['sync (not found)', sync]);
    // Connection errors with a password in every form (the secret here is made up).
    const fake = 'S3cretPw-' + randomBytes(4).toString('hex');
    const failing = [
      `postgresql://postgres@127.0.0.1:1/db?password=${fake}`,
      `postgresql://postgres@127.0.0.1:1/db?sslmode=disable&PASSWORD=${fake}&x=1`,
      `postgresql://:${fake}@127.0.0.1:notaport/db`,
      `postgres://:${fake}@127.0.0.1:1/db`,
      asRole(source, 'postgres', fake), // wrong password
      withPath(source, `/no_such_db_${randomBytes(3).toString('hex')}`), // no such database
    ];
    for (const url of failing) {
      const run = await spawnCli(['ls', url]);
      assert.equal(run.code, 1, `${run.out}${run.err}`);
      assertOneErrorLine(run, /Postgres|postgres/);
      runs.push([`ls ${url.replace(fake, '…').replace(secret, '…')}`, run]);
      const synced = await spawnCli(['sync', url, target, '--uid', GUIDE_ARTIFACT.uid]);
      assert.equal(synced.code, 1);
      runs.push(['sync from it', synced]);
    }
    for (const [what, run] of runs) {
      for (const s of [secret, fake]) {
        assert.ok(!run.out.includes(s) && !run.err.includes(s), `${what} printed a password:\n${run.out}\n${run.err}`);
      }
      assertNoStackTrace(run.err, `${what} stderr`);
    }
  });
});

describe('fault: the sync\'s Postgres connection terminated', () => {
  for (const phase of ['write', 'commit'] as const) {
    it(`mid-${phase}: one line saying what happened${phase === 'commit' ? ' and that the commit may have completed' : ''}, exit 1, no crash; the target unchanged`, async () => {
      const baseUrl = (await testPostgres()).baseUrl;
      const source = await guideSource();
      const target = await emptyTarget();
      // Mid-write the session is named in the URL; mid-commit it has lamin-sync's own name.
      const app = phase === 'write' ? `lamin-sync-fault-${randomBytes(3).toString('hex')}` : 'lamin-sync';
      const before = await postgresChecksums(target);
      // A lock held by another session makes the sync wait at a known statement: an INSERT into
      // lamindb_artifact (SHARE lock on the table), or the COMMIT, whose deferred foreign-key
      // check must lock the space row the artifact points at (held FOR UPDATE).
      const lock = phase === 'write' ? 'LOCK TABLE lamindb_artifact IN SHARE MODE' : 'SELECT id FROM lamindb_space WHERE id = 1 FOR UPDATE';
      const run = await holdingLock(target, lock, async () => {
        const targetUrl = phase === 'write' ? withParam(target, 'application_name', app) : target;
        const running = spawnCli(['sync', source, targetUrl, '--uid', GUIDE_ARTIFACT.uid, '--annotations'], { timeoutMs: 120_000 });
        const blocked = await waitForBlocked(baseUrl, app, target, running);
        if (phase === 'write') assert.match(blocked.query, /^insert into "lamindb_artifact"/i);
        else assert.match(blocked.query, /^commit$/i);
        await terminate(baseUrl, blocked.pid);
        return running;
      });
      if (phase === 'write') assertFails(run, /connection to postgresql:\/\/.* was lost .*before anything was committed: nothing was written/);
      else assertFails(run, /connection to postgresql:\/\/.* was lost during COMMIT .*the commit may or may not have completed; run the sync again/);
      assert.deepEqual(changedTables(before, await postgresChecksums(target)), []);
      // Run again: it syncs.
      const again = await spawnCli(['sync', source, target, '--uid', GUIDE_ARTIFACT.uid]);
      assert.equal(again.code, 0, again.err);
    });
  }
});

describe('fault: the source\'s Postgres connection terminated while planning', () => {
  it('one line, exit 1, no crash; target and source unchanged', async () => {
    const baseUrl = (await testPostgres()).baseUrl;
    const source = await guideSource();
    const target = await emptyTarget();
    const before = await postgresChecksums(target);
    const sourceBefore = await postgresChecksums(source);
    // The planning's read of the features waits behind an exclusive lock on the source table.
    const run = await holdingLock(source, 'LOCK TABLE lamindb_feature IN ACCESS EXCLUSIVE MODE', async () => {
      const running = spawnCli(['sync', source, target, '--uid', GUIDE_ARTIFACT.uid, '--annotations'], { timeoutMs: 120_000 });
      // The only session of the source's database waiting on a lock is the sync's.
      const blocked = await waitForBlocked(baseUrl, null, source, running);
      assert.match(blocked.query, /lamindb_feature/i);
      await terminate(baseUrl, blocked.pid);
      return running;
    });
    assertFails(run, /connection to postgresql:\/\/.* was lost .*nothing was written/);
    assert.deepEqual(changedTables(before, await postgresChecksums(target)), []);
    assert.deepEqual(changedTables(sourceBefore, await postgresChecksums(source)), []);
  });
});

describe('fault: restricted roles, timeouts, missing passwords as one clear line', () => {
  it('a read-only role as target: names the table and what to grant; the target unchanged', async () => {
    const source = await guideSource();
    const target = await emptyTarget();
    const role = roleName('ro');
    await admin(target, `CREATE ROLE ${role} LOGIN PASSWORD 'pw'`, `GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
    const before = await postgresChecksums(target);
    const run = await spawnCli(['sync', source, asRole(target, role, 'pw'), '--uid', GUIDE_ARTIFACT.uid]);
    assertFails(run, new RegExp(`role ${role} may not write table lamindb_\\w+ in postgresql://${role}:\\*\\*\\*@.*GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO ${role}`));
    assert.deepEqual(changedTables(before, await postgresChecksums(target)), []);
  });

  it('a statement timeout (ALTER ROLE … SET statement_timeout): says so and how to raise it; the target unchanged', async () => {
    const source = await guideSource();
    const target = await emptyTarget();
    const role = roleName('hasty');
    await admin(
      target,
      `CREATE ROLE ${role} LOGIN PASSWORD 'pw'`,
      `GRANT ALL ON ALL TABLES IN SCHEMA public TO ${role}`,
      `GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${role}`,
      `ALTER ROLE ${role} SET statement_timeout = '1ms'`,
    );
    const before = await postgresChecksums(target);
    // The INSERT waits behind a lock, so some statement always outlasts the timeout.
    const run = await holdingLock(target, 'LOCK TABLE lamindb_artifact IN SHARE MODE', () =>
      spawnCli(['sync', source, asRole(target, role, 'pw'), '--uid', GUIDE_ARTIFACT.uid], { timeoutMs: 120_000 }),
    );
    assertFails(run, /was cancelled \(canceling statement due to statement timeout\): nothing was written.*statement_timeout/);
    assert.deepEqual(changedTables(before, await postgresChecksums(target)), []);
  });

  it('a missing password: says where to put it; PGPASSWORD works', async () => {
    const source = await guideSource();
    const url = new URL(source);
    const password = decodeURIComponent(url.password);
    url.password = '';
    const env = { HOME: tempDir(), PGPASSWORD: undefined, PGPASSFILE: undefined };
    const run = await spawnCli(['ls', url.toString()], { env });
    assertFails(run, /server asks for a password for user postgres at postgresql:\/\/postgres@.*: put it in the URL .*PGPASSWORD.*~\/\.pgpass/);
    assert.doesNotMatch(run.err, /SASL/);
    const ok = await spawnCli(['ls', url.toString()], { env: { ...env, PGPASSWORD: password } });
    assert.equal(ok.code, 0, ok.err);
  });
});

describe('bad input: SQL-looking values are values', () => {
  const values = ["' or 1=1; --", '%', '%%', '_x_', 'a"b;drop table lamindb_artifact;--', '\\', 'ünïcødé 😀', 'x'.repeat(100_000)];

  it('--uid, --key and --filter on a Postgres source and target: "not found", exit 1, nothing written', async () => {
    const source = await guideSource();
    const target = await emptyTarget();
    const before = await postgresChecksums(target);
    const sourceBefore = await postgresChecksums(source);
    const byUid = await spawnCli(['sync', source, target, ...values.flatMap((v) => ['--uid', v])]);
    assertFails(byUid, /No record with uid '' or 1=1; --', '%', '%%', '_x_', .* \(100000 characters\) in laminlabs\/lamindata\./);
    const byKey = await spawnCli(['sync', source, target, ...values.flatMap((v) => ['--key', v])]);
    assertFails(byKey, /No Artifact with key '' or 1=1; --'.* in laminlabs\/lamindata\./);
    for (const v of values) {
      const run = await spawnCli(['sync', source, target, '--registry', 'Artifact', '--all', '--filter', v]);
      assertFails(run, /No Artifact in laminlabs\/lamindata matches --filter '/);
      assert.ok(run.err.length < 1000, `the error line echoes the whole value (${run.err.length} characters)`);
    }
    assert.deepEqual(changedTables(before, await postgresChecksums(target)), []);
    assert.deepEqual(changedTables(sourceBefore, await postgresChecksums(source)), []);
  });

  it('a 100,000-character --filter on SQLite: one clear line (SQLite refuses LIKE patterns that long), ls lists none', async () => {
    const source = await guideSource('sqlite');
    const target = await emptyTarget();
    const before = await postgresChecksums(target);
    const sourceBefore = sqliteChecksums(source);
    const long = 'x'.repeat(100_000);
    const run = await spawnCli(['sync', source, target, '--registry', 'Artifact', '--all', '--filter', long]);
    assertFails(run, /No Artifact in laminlabs\/lamindata matches --filter 'x+…' \(100000 characters\)/);
    const ls = await spawnCli(['ls', source, 'Artifact', '--filter', long]);
    assert.equal(ls.code, 0, ls.err);
    assert.match(ls.out, /0 of 0 Artifact record/);
    // Still a substring match: '_' and '%' are characters, not wildcards.
    const underscore = await spawnCli(['ls', source, 'Artifact', '--filter', 'mini_immuno', '--json']);
    assert.equal(JSON.parse(underscore.out).records.length, 1);
    assert.deepEqual(changedTables(before, await postgresChecksums(target)), []);
    assert.deepEqual(changedTables(sourceBefore, sqliteChecksums(source)), []);
  });
});

describe('fault: a Postgres source row whose foreign key points nowhere (written with FK checks off)', () => {
  it('the plan fails with one line, exit 1, the target unchanged, and no lamin-sync session left on the source', async () => {
    const source = await guideSource();
    const target = await makeInstance('sqlite', { name: 'test-sync' });
    // As the superuser with triggers (and so FK checks) off: the constraint stays, the row breaks it.
    await admin(
      source,
      'SET session_replication_role = replica',
      `UPDATE lamindb_artifact SET storage_id = 999 WHERE key = '${GUIDE_ARTIFACT.key.replace(/'/g, "''")}'`,
    );
    const before = sqliteChecksums(target);
    const run = await spawnCli(['sync', source, target, '--key', GUIDE_ARTIFACT.key], { timeoutMs: 60_000 });
    assertFails(run, /^error: .*(storage|999)/im);
    assert.deepEqual(changedTables(before, sqliteChecksums(target)), []);
    const db = decodeURIComponent(new URL(source).pathname.slice(1));
    const { baseUrl } = await testPostgres();
    const c = new pg.Client({ connectionString: baseUrl });
    await c.connect();
    try {
      const { rows } = await c.query("SELECT state FROM pg_stat_activity WHERE datname = $1 AND application_name = 'lamin-sync'", [db]);
      assert.deepEqual(rows, []);
    } finally {
      await c.end();
    }
  });
});
