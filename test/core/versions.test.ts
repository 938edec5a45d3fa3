// The newest version stays latest (LaminDB's rule: within a family, the newest `created_at`, ties to
// the row saved last): an older version synced from a stale source does not demote the target's
// newer latest, and the report says so; a newer version does take over.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { insertRecords } from '../../src/core/example/insert';
import { instantKey } from '../../src/core/instance/values';
import { runCli } from '../support/cli';
import { DIALECTS, makeInstance, truthy, withInstances } from '../support/instances';

const STORAGE = { uid: 'VersStr1', root: 's3://versions-bucket', type: 's3', region: 'us-east-1', instance_uid: 'VersionsSrc0' };
const STEM = 'VersFamily000000';
const V = (n: number) => `${STEM}000${n}`;
const AT = (n: number) => `2025-0${n}-01 10:00:00.000000`;

async function withArtifacts(loc: string, versions: Array<{ n: number; latest: boolean; branch?: number }>): Promise<void> {
  await withInstances([[loc, false]], async (i) => {
    const [storageId] = await insertRecords(i, 'lamindb_storage', [STORAGE]);
    for (const v of versions) {
      await insertRecords(i, 'lamindb_artifact', [
        { uid: V(v.n), key: 'versions/data.h5ad', suffix: '.h5ad', size: v.n, hash: `vhash${v.n}`, storage_id: storageId, is_latest: v.latest, branch_id: v.branch ?? 1, created_at: AT(v.n), updated_at: AT(v.n) },
      ]);
    }
  });
}

async function latestOf(loc: string): Promise<Record<string, boolean>> {
  return withInstances([[loc, true]], async (i) => {
    const rows = await i.db.selectFrom('lamindb_artifact').select(['uid', 'is_latest']).where('uid', 'like', `${STEM}%`).orderBy('uid').execute();
    return Object.fromEntries(rows.map((r) => [String(r.uid), truthy(r.is_latest)]));
  });
}

for (const dialect of DIALECTS) {
  describe(`versions ${dialect} → ${dialect}`, () => {
    it('an older version from a stale source is written as not latest; the target keeps its newer latest and the report says so', async () => {
      const stale = await makeInstance(dialect, { name: 'stale-source', via: 'init' });
      await withArtifacts(stale, [{ n: 1, latest: true }]);
      const target = await makeInstance(dialect, { name: 'versions-target', via: 'init' });
      await withArtifacts(target, [{ n: 2, latest: true }]);
      const dry = await runCli(['sync', stale, target, '--uid', V(1), '--dry-run']);
      assert.equal(dry.code, 0, dry.err);
      assert.match(dry.out, new RegExp(`→ the target's Artifact\\(uid='${V(2)}'\\) stays latest: it is newer than Artifact\\(uid='${V(1)}'\\), written as not latest`));
      const r = await runCli(['sync', stale, target, '--uid', V(1)]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, new RegExp(`^→ transferred: Artifact\\(uid='${V(1)}'\\)`, 'm'));
      assert.match(r.out, new RegExp(`^→ the target's Artifact\\(uid='${V(2)}'\\) stays latest: it is newer than Artifact\\(uid='${V(1)}'\\), written as not latest$`, 'm'));
      assert.deepEqual(await latestOf(target), { [V(1)]: false, [V(2)]: true });
    });

    it('a newer version takes over: the older latest in the target is demoted and reported', async () => {
      const fresh = await makeInstance(dialect, { name: 'fresh-source', via: 'init' });
      await withArtifacts(fresh, [{ n: 3, latest: true }]);
      const target = await makeInstance(dialect, { name: 'versions-target', via: 'init' });
      await withArtifacts(target, [{ n: 2, latest: true }]);
      const r = await runCli(['sync', fresh, target, '--uid', V(3)]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /is_latest cleared on 1 older Artifact version/);
      assert.deepEqual(await latestOf(target), { [V(2)]: false, [V(3)]: true });
    });

    it('latest is per branch, as in LaminDB: a newer version on the archive branch leaves the latest on main', async () => {
      const archived = await makeInstance(dialect, { name: 'archive-source', via: 'init' });
      await withArtifacts(archived, [{ n: 3, latest: true, branch: 0 }]);
      const target = await makeInstance(dialect, { name: 'versions-target', via: 'init' });
      await withArtifacts(target, [{ n: 2, latest: true }]);
      const r = await runCli(['sync', archived, target, '--uid', V(3)]);
      assert.equal(r.code, 0, r.err);
      assert.doesNotMatch(r.out, /is_latest cleared|stays latest/);
      assert.deepEqual(await latestOf(target), { [V(2)]: true, [V(3)]: true });
    });
  });
}

describe('instantKey: timestamps of both dialects compare as one UTC instant', () => {
  it('reads SQLite text, Postgres text with offsets and fractions, and Dates', () => {
    const k = '2025-02-01 10:00:00.120000';
    assert.equal(instantKey('2025-02-01 10:00:00.12'), k);
    assert.equal(instantKey('2025-02-01 10:00:00.12+00'), k);
    assert.equal(instantKey('2025-02-01T12:00:00.12+02:00'), k);
    assert.equal(instantKey('2025-02-01 05:30:00.120000-04:30'), k);
    assert.equal(instantKey(new Date('2025-02-01T10:00:00.120Z')), k);
    assert.equal(instantKey('2025-02-01 10:00:00'), '2025-02-01 10:00:00.000000');
    assert.ok(instantKey('2025-02-01 10:00:00.000001')! > instantKey('2025-02-01 10:00:00+00')!);
    assert.equal(instantKey('yesterday'), null);
    assert.equal(instantKey(null), null);
  });
});
