// A sync never commits a row whose foreign key points at a missing row. SQLite targets are written
// with the row-by-row checks off and the inserted rows checked before the commit (both ways of
// checking: a pass of PRAGMA foreign_key_check over a table the sync mostly wrote, a query over the
// new ids of a large table); Postgres checks at the commit. Rows that were broken before are not
// the sync's concern.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { GUIDE_ARTIFACT, GUIDE_SOURCE, GUIDE_STORAGE, seedGuideExample } from '../../src/core/example/guide';
import { insertRecords } from '../../src/core/example/insert';
import type { Instance } from '../../src/core/instance/types';
import { LaminSyncError } from '../../src/core/errors';
import { CLI_TRACKING } from '../../src/core/sync/context';
import { executeSync } from '../../src/core/sync/execute';
import { sync } from '../../src/core/sync/index';
import { planSync } from '../../src/core/sync/plan';
import { DIALECTS, makeInstance, tableCounts, withInstances } from '../support/instances';

const SECOND = 'Second000000000A0000';

/** The guide's source plus a second artifact on the same storage. */
async function source(): Promise<string> {
  const loc = await makeInstance('sqlite', { name: GUIDE_SOURCE.name, owner: GUIDE_SOURCE.owner, instanceUid: GUIDE_SOURCE.instanceUid });
  await withInstances([[loc, false]], async (s) => {
    await seedGuideExample(s);
    const storage = await s.db.selectFrom('lamindb_storage').select('id').where('uid', '=', GUIDE_STORAGE.uid).executeTakeFirstOrThrow();
    await insertRecords(s, 'lamindb_artifact', [
      { uid: SECOND, key: 'second.csv', suffix: '.csv', storage_id: storage.id, _key_is_virtual: true },
    ]);
  });
  return loc;
}

/** `n` artifacts of the target's own storage, so that a sync writes a small share of the table. */
async function fillArtifacts(target: Instance, n: number): Promise<void> {
  const storage = await target.db.selectFrom('lamindb_storage').select('id').orderBy('id').limit(1).executeTakeFirstOrThrow();
  await insertRecords(
    target,
    'lamindb_artifact',
    Array.from({ length: n }, (_, i) => ({
      uid: `Local${String(i).padStart(11, '0')}0000`,
      key: `local/${i}.csv`,
      suffix: '.csv',
      storage_id: storage.id,
      _key_is_virtual: true,
    })),
  );
}

async function artifactUids(target: Instance): Promise<string[]> {
  const rows = await target.db.selectFrom('lamindb_artifact').select('uid').orderBy('uid').execute();
  return rows.map((r) => String(r.uid));
}

for (const to of DIALECTS) {
  for (const localArtifacts of to === 'sqlite' ? [0, 40] : [0]) {
    const how = to === 'postgres' ? 'at the commit' : localArtifacts === 0 ? 'by PRAGMA foreign_key_check' : 'by a query over the new ids';
    describe(`sync into ${to}: foreign keys checked ${how}`, () => {
      it('fails with CONFLICT and writes nothing when a row the plan maps left the target before the write', async () => {
        const src = await source();
        const tgt = await makeInstance(to, { name: 'target', via: 'init' });
        await withInstances([[src, true], [tgt, false]], async (s, target) => {
          await fillArtifacts(target, localArtifacts);
          // The guide artifact brings the storage; the second artifact then maps it.
          await sync(s, target, { keys: [GUIDE_ARTIFACT.key] }, { tracking: CLI_TRACKING });
          const plan = await planSync(s, target, { uids: [SECOND] });
          const storage = [...plan.rows.values()].find((r) => r.table === 'lamindb_storage');
          assert.equal(storage?.action, 'map', 'the plan maps the storage the first sync brought');
          // Another session deletes the storage (and the artifact on it) between plan and write.
          await target.db.deleteFrom('lamindb_artifact').where('uid', '=', GUIDE_ARTIFACT.uid).execute();
          await target.db.deleteFrom('lamindb_storage').where('id', '=', storage!.targetId!).execute();
          const counts = await tableCounts(target);
          const uids = await artifactUids(target);
          await assert.rejects(
            executeSync(s, target, plan, { tracking: CLI_TRACKING }),
            (e: unknown) =>
              e instanceof LaminSyncError && e.code === 'CONFLICT' && /Nothing was written/.test(e.message) && /lamindb_storage/.test(e.message),
          );
          assert.deepEqual(await tableCounts(target), counts, 'no table gained or lost a row');
          assert.deepEqual(await artifactUids(target), uids);
          // Planned again, the storage is transferred anew and the sync goes through.
          const again = await sync(s, target, { uids: [SECOND] }, { tracking: CLI_TRACKING });
          assert.ok(again.result.transferred.some((e) => e.registry === 'Storage'));
          assert.ok((await artifactUids(target)).includes(SECOND));
        });
      });
    });
  }
}

describe('sync into sqlite: rows broken before the sync', () => {
  for (const localArtifacts of [0, 40]) {
    it(`are left to their owner, not failed on (${localArtifacts === 0 ? 'PRAGMA foreign_key_check' : 'query over the new ids'})`, async () => {
      const src = await source();
      const tgt = await makeInstance('sqlite', { name: 'target', via: 'init' });
      await withInstances([[src, true], [tgt, false]], async (s, target) => {
        await fillArtifacts(target, localArtifacts);
        // An artifact on a storage id the target does not have, written with the checks off
        // (the instance has one SQLite connection).
        await sql`PRAGMA foreign_keys = OFF`.execute(target.db);
        await insertRecords(target, 'lamindb_artifact', [
          { uid: 'Broken00000000000000', key: 'broken.csv', suffix: '.csv', storage_id: 999, _key_is_virtual: true },
        ]);
        await sql`PRAGMA foreign_keys = ON`.execute(target.db);
        const { rows: broken } = await sql`PRAGMA foreign_key_check(lamindb_artifact)`.execute(target.db);
        assert.equal(broken.length, 1, 'the target starts with one broken artifact');
        const r = await sync(s, target, { keys: [GUIDE_ARTIFACT.key] }, { tracking: CLI_TRACKING });
        assert.equal(r.result.transferred[0]?.uid, GUIDE_ARTIFACT.uid);
        assert.ok((await artifactUids(target)).includes(GUIDE_ARTIFACT.uid));
        // Mended, so the suite's own whole-file check passes.
        await target.db.deleteFrom('lamindb_artifact').where('uid', '=', 'Broken00000000000000').execute();
      });
    });
  }
});
