// A write that breaks a constraint of the target: one line saying which row, value or check, and
// what to do; the target as it was (but for what another writer did meanwhile).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { GUIDE_ARTIFACT, GUIDE_STORAGE } from '../../src/core/example/guide';
import { makeInstance, tempDir } from '../support/instances';
import { testPostgres, withPgClient } from '../support/postgres';
import { assertOneErrorLine, spawnCli } from './support';
import { assertExit, checksums, guideSource, outputWatcher } from './fixtures';

describe('write errors on a Postgres target', () => {
  it("a ULabel whose type is no type breaks LaminDB's is_valid_ulabel_type check: INVALID_DATA naming the check", async () => {
    const source = await guideSource('sqlite');
    // SQLite has no such check: the source's DMSO gets IFNG, which is no type, as its type.
    const db = new Database(source);
    db.prepare("UPDATE lamindb_ulabel SET type_id = (SELECT id FROM lamindb_ulabel WHERE uid = 'YAhFIvh5') WHERE uid = 'vmjLLqYy'").run();
    db.close();
    // A target made by `init`: on Postgres it has LaminDB's is_valid_<model>_type checks.
    const target = await (await testPostgres()).createDatabase();
    const env = { LAMIN_SETTINGS_DIR: tempDir('lamin-sync-settings-') };
    const init = await spawnCli(['init', '--storage', tempDir('lamin-sync-storage-'), '--db', target, '--name', 'checktgt'], { env });
    assertExit(init, 0);
    const before = await checksums(target);
    const r = await spawnCli(['sync', source, target, '--registry', 'ULabel', '--uid', 'vmjLLqYy'], { env });
    assertExit(r, 1);
    assertOneErrorLine(r, /^error: Nothing was written: a row of this sync breaks the check ulabel_type_is_valid_fk of postgresql:\/\/\S+\. Fix the source row and sync again\./m);
    assert.deepEqual(await checksums(target), before);
  });

  it('a unique value another writer (not lamin-sync) put in the target meanwhile: names the table and value, and when to sync again', async () => {
    const source = await guideSource('sqlite');
    const target = await makeInstance('postgres', { name: 'unique-target', owner: 'faults' });
    const writing = outputWatcher(/\[test-pause batch\]/);
    const run = spawnCli(['sync', source, target, '--uid', GUIDE_ARTIFACT.uid], {
      env: { LAMIN_SYNC_TEST_PAUSE_MS: '2000', LAMIN_SYNC_TEST_PAUSE_AT: 'batch' },
      onOutput: writing.onOutput,
      timeoutMs: 120_000,
    });
    await writing.seen;
    // The advisory lock keeps out other syncs only: this writer gives the target's storage the uid of the one the sync writes.
    await withPgClient(target, (c) => c.query('UPDATE lamindb_storage SET uid = $1 WHERE id = 1', [GUIDE_STORAGE.uid]));
    const before = await checksums(target);
    const r = await run;
    assertExit(r, 1);
    assertOneErrorLine(
      r,
      new RegExp(
        `^error: Nothing was written: \\S+ already holds a Storage row \\(lamindb_storage\\) with uid = '${GUIDE_STORAGE.uid}' that this sync writes .*` +
          'This is not expected: .* no other lamin-sync wrote it\\. If a program other than lamin-sync \\(lamindb, SQL\\) writes this target, sync again: it maps what is there; otherwise report it',
        'm',
      ),
    );
    assert.deepEqual(await checksums(target), before);
  });
});
