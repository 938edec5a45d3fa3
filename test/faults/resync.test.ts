// Re-syncs are idempotent and their report says what was written, always: a feature value without
// a feature is matched (null-safe) instead of written again; a link added to a synced artifact is
// written and reported. The CLI runs as a child process; SQLite → SQLite and Postgres → Postgres.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GUIDE_ARTIFACT, GUIDE_SOURCE, seedGuideExample } from '../../src/core/example/guide';
import { insertRecords } from '../../src/core/example/insert';
import type { Instance } from '../../src/core/instance/types';
import { makeInstance, withInstances, type DialectName } from '../support/instances';
import { assertNoStackTrace, changedTables, postgresChecksums, spawnCli, sqliteChecksums, type CliRun } from './support';

const NOTHING = '→ nothing to transfer: the target already holds everything (nothing written)';
const SPARE = { uid: 'SpareLbl', name: 'spare label' };

async function guideSource(dialect: DialectName, extra: (s: Instance, artifactId: number) => Promise<void>): Promise<string> {
  const loc = await makeInstance(dialect, { name: GUIDE_SOURCE.name, owner: GUIDE_SOURCE.owner, instanceUid: GUIDE_SOURCE.instanceUid });
  await withInstances([[loc, false]], async (s) => extra(s, await seedGuideExample(s)));
  return loc;
}

const checksums = (dialect: DialectName, loc: string) => (dialect === 'sqlite' ? Promise.resolve(sqliteChecksums(loc)) : postgresChecksums(loc));

async function count(loc: string, table: string): Promise<number> {
  return withInstances([[loc, true]], async (i) =>
    Number((await i.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n),
  );
}

async function syncOk(args: string[]): Promise<CliRun> {
  const r = await spawnCli(['sync', ...args]);
  assertNoStackTrace(r.out + r.err);
  assert.equal(r.code, 0, r.err);
  return r;
}

/**
 * The guide's artifact synced with annotations and a spare label synced on its own; then the
 * source gains a link of the artifact to that label. Returns the sync's arguments for a re-sync.
 */
async function linkAddedAfterSync(dialect: DialectName, tgt: string, extra: string[] = []): Promise<string[]> {
  let artifact = 0;
  const src = await guideSource(dialect, async (s, artifactId) => {
    artifact = artifactId;
    await insertRecords(s, 'lamindb_ulabel', [SPARE]);
  });
  const args = [src, tgt, '--key', GUIDE_ARTIFACT.key, '--annotations', ...extra];
  await syncOk(args);
  await syncOk([src, tgt, '--uid', SPARE.uid, ...extra]);
  await withInstances([[src, false]], async (s) => {
    const [label] = await s.db.selectFrom('lamindb_ulabel').select('id').where('uid', '=', SPARE.uid).execute();
    await insertRecords(s, 'lamindb_artifactulabel', [{ artifact_id: artifact, ulabel_id: Number(label!.id) }]);
  });
  return args;
}

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`re-sync ${dialect} → ${dialect}`, () => {
    it('a feature value without a feature is matched, not written again: counts and checksums stable, nothing written', async () => {
      const src = await guideSource(dialect, async (s, artifactId) => {
        const [v] = await insertRecords(s, 'lamindb_jsonvalue', [{ feature_id: null, value: '"no feature"', hash: 'bm8gZmVhdHVyZQAAAAAAAA' }]);
        await insertRecords(s, 'lamindb_artifactjsonvalue', [{ artifact_id: artifactId, jsonvalue_id: v }]);
      });
      const tgt = await makeInstance(dialect, { name: 'test-sync', via: 'init' });
      const args = [src, tgt, '--key', GUIDE_ARTIFACT.key, '--annotations'];
      await syncOk(args);
      const values = await count(tgt, 'lamindb_jsonvalue');
      const links = await count(tgt, 'lamindb_artifactjsonvalue');
      assert.equal(values, 3);
      assert.equal(links, 3);
      const before = await checksums(dialect, tgt);
      for (let i = 0; i < 2; i++) {
        const again = await syncOk(args);
        assert.ok(again.out.split('\n').includes(NOTHING), again.out);
        assert.equal(await count(tgt, 'lamindb_jsonvalue'), values);
        assert.equal(await count(tgt, 'lamindb_artifactjsonvalue'), links);
        assert.deepEqual(changedTables(before, await checksums(dialect, tgt)), []);
      }
    });

    it('a link added to a synced artifact: the re-sync writes it and says so', async () => {
      const tgt = await makeInstance(dialect, { name: 'test-sync', via: 'init' });
      const args = await linkAddedAfterSync(dialect, tgt);
      const linksBefore = await count(tgt, 'lamindb_artifactulabel');
      const runsBefore = await count(tgt, 'lamindb_run');
      const before = await checksums(dialect, tgt);
      const r = await syncOk(args);
      const lines = r.out.split('\n');
      assert.ok(!lines.includes(NOTHING), r.out);
      assert.match(r.out, /^→ mapped: Artifact\(uid='9K1dteZ6Qx0EXK8g0000'\), /m);
      assert.doesNotMatch(r.out, /^→ transferred:/m);
      // The CLI's run of this invocation and its transfer run (as `ln.track()` then a save would), and the link.
      assert.ok(lines.includes('→ written: 2 Run, 1 link row (Artifact–ULabel links)'), r.out);
      assert.equal(await count(tgt, 'lamindb_artifactulabel'), linksBefore + 1);
      assert.equal(await count(tgt, 'lamindb_run'), runsBefore + 2);
      assert.deepEqual(changedTables(before, await checksums(dialect, tgt)), ['lamindb_artifactulabel', 'lamindb_run']);
      // Again: nothing more.
      const after = await checksums(dialect, tgt);
      const again = await syncOk(args);
      assert.ok(again.out.split('\n').includes(NOTHING), again.out);
      assert.deepEqual(changedTables(after, await checksums(dialect, tgt)), []);
    });

    it('a link-only re-sync initiated by a named run reuses its transfer run: only the link is written', async () => {
      const tgt = await makeInstance(dialect, { name: 'test-sync', via: 'init' });
      const caller = 'CallerRun0000001';
      await withInstances([[tgt, false]], async (t) => {
        const [transform] = await insertRecords(t, 'lamindb_transform', [{ uid: 'CallerTrnsfm0000', key: 'caller.ipynb', kind: 'notebook' }]);
        await insertRecords(t, 'lamindb_run', [{ uid: caller, transform_id: transform, _status_code: -1 }]);
      });
      const args = await linkAddedAfterSync(dialect, tgt, ['--initiated-by-run', caller]);
      const runs = await count(tgt, 'lamindb_run');
      const r = await syncOk(args);
      assert.ok(r.out.split('\n').includes('→ written: 1 link row (Artifact–ULabel links)'), r.out);
      assert.equal(await count(tgt, 'lamindb_run'), runs);
    });
  });
}
