// Parity on Postgres: lamindb's empty Postgres target (`pg_dump` of `anonymous/pgtgt`) loaded into a
// test database, lamin-sync runs the guide's untracked steps from the SQLite source into it, and
// the result is compared with what lamindb left there (its dump, loaded into another database)
// by the same comparer and the same allowed differences as on SQLite.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { postgresChecksums } from '../faults/support';
import { testPostgres } from '../support/postgres';
import { assertReportsEqual, compareWithLamindb } from './allowed';
import { copyInstances, logSections, open, REFERENCE, runSteps, UNTRACKED_STEPS } from './support';

/** Loads a plain-SQL `pg_dump` as the reference README says: without psql meta-commands and the empty search_path, in one transaction. */
async function loadDump(url: string, file: string): Promise<void> {
  const text = gunzipSync(readFileSync(join(REFERENCE, 'postgres', file)))
    .toString('utf8')
    .split('\n')
    .filter((l) => !/^\\(un)?restrict\b/.test(l) && !/^SELECT pg_catalog\.set_config\('search_path', '', false\);$/.test(l))
    .join('\n');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`BEGIN;\n${text}\nCOMMIT;`);
  } finally {
    await client.end();
  }
}

describe('parity with lamindb 2.9.1 on Postgres', () => {
  it('the untracked steps from the SQLite source into pgtgt_empty equal pgtgt-after-lamindb, and the reports its log', async () => {
    const server = await testPostgres();
    const ours = await server.createDatabase();
    const theirs = await server.createDatabase();
    const empty = await server.createDatabase();
    await loadDump(ours, 'pgtgt_empty.schema.sql.gz');
    await loadDump(ours, 'pgtgt_empty.data.sql.gz');
    await loadDump(theirs, 'pgtgt_empty.schema.sql.gz');
    await loadDump(theirs, 'pgtgt-after-lamindb.data.sql.gz');
    await loadDump(empty, 'pgtgt_empty.schema.sql.gz');
    await loadDump(empty, 'pgtgt_empty.data.sql.gz');
    const c = copyInstances('tgt-empty.db.gz');
    // The target's settings file, pointing at the test database.
    const env = readFileSync(join(REFERENCE, 'settings', 'instance--anonymous--pgtgt.env'), 'utf8');
    writeFileSync(join(c.settingsDir, 'instance--anonymous--pgtgt.env'), env.replace(/^lamindb_instance_db=.*$/m, `lamindb_instance_db=${ours}`));
    const source = await open(c.file('src'), c.settingsDir, true);
    const target = await open(ours, c.settingsDir, false);
    assert.equal(target.identity.slug, 'anonymous/pgtgt');
    const lines = await runSteps(source, target, UNTRACKED_STEPS);
    const reference = await open(theirs, c.settingsDir, true);
    const start = await open(empty, c.settingsDir, true);
    const { unexplained, extras } = await compareWithLamindb(target, reference, [source, start]);
    assert.deepEqual(unexplained, []);
    assert.ok(extras.some((d) => d.table === 'lamindb_jsonvalue') && extras.some((d) => d.identity === 'ogi0BoTsMsSEtGYa0000'));
    assertReportsEqual(UNTRACKED_STEPS, lines, logSections(join('postgres', 'pgtgt-after-lamindb.log')), extras);
  });

  it('re-syncs every step into the target lamindb made: only the listed extras are written, a second run writes nothing', async () => {
    const server = await testPostgres();
    const made = await server.createDatabase();
    const theirs = await server.createDatabase();
    for (const url of [made, theirs]) {
      await loadDump(url, 'pgtgt_empty.schema.sql.gz');
      await loadDump(url, 'pgtgt-after-lamindb.data.sql.gz');
    }
    const c = copyInstances('tgt-empty.db.gz');
    const source = await open(c.file('src'), c.settingsDir, true);
    const target = await open(made, c.settingsDir, false);
    const reference = await open(theirs, c.settingsDir, true);
    await runSteps(source, target, UNTRACKED_STEPS);
    const { unexplained, extras } = await compareWithLamindb(target, reference, [source, reference]);
    assert.deepEqual(unexplained, []);
    assert.ok(extras.length > 0);
    const before = await postgresChecksums(made);
    const again = await runSteps(source, target, UNTRACKED_STEPS);
    assert.deepEqual(await postgresChecksums(made), before, 'the second run changes no row');
    assert.ok([...again.values()].flat().every((l) => l.startsWith('→ mapped:')));
  });
});
