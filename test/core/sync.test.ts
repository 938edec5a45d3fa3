// Sync without annotations, on every pair of dialects, with sources built on LaminDB's own schema.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GUIDE_ARTIFACT, GUIDE_SOURCE, GUIDE_STORAGE, seedGuideExample } from '../../src/core/example/guide';
import { insertRecords } from '../../src/core/example/insert';
import { openInstance } from '../../src/core/instance/open';
import type { Instance } from '../../src/core/instance/types';
import { CLI_TRACKING } from '../../src/core/sync/context';
import { sync } from '../../src/core/sync/index';
import { formatReport, plannedReport } from '../../src/core/sync/report';
import { planSync } from '../../src/core/sync/plan';
import { sql } from 'kysely';
import { LaminSyncError } from '../../src/core/errors';
import { PAIRS, fileHash, makeInstance, tableCounts, truthy, withInstances, type DialectName } from '../support/instances';

async function guideSource(dialect: DialectName): Promise<string> {
  const loc = await makeInstance(dialect, { name: GUIDE_SOURCE.name, owner: GUIDE_SOURCE.owner, instanceUid: GUIDE_SOURCE.instanceUid });
  await withInstances([[loc, false]], (i) => seedGuideExample(i));
  return loc;
}

async function one(i: Instance, table: string, where: Record<string, unknown>): Promise<Record<string, any>> {
  let q = i.db.selectFrom(table).selectAll();
  for (const [k, v] of Object.entries(where)) q = q.where(k, '=', v);
  const rows = await q.execute();
  assert.equal(rows.length, 1, `exactly one ${table} row with ${JSON.stringify(where)}, found ${rows.length}`);
  return rows[0]!;
}

for (const [from, to] of PAIRS) {
  describe(`sync ${from} → ${to}`, () => {
    it('transfers the artifact with its foreign keys, then maps it on re-sync without changing any row', async () => {
      const src = await guideSource(from);
      const tgt = await makeInstance(to, { name: 'test-sync', via: 'init' });
      const srcFile = from === 'sqlite' ? src : null;
      const before = srcFile ? fileHash(srcFile) : null;
      await withInstances([[src, true], [tgt, false]], async (source, target) => {
        const first = await sync(source, target, { keys: [GUIDE_ARTIFACT.key] }, { tracking: CLI_TRACKING });
        assert.deepEqual(formatReport(first.result), [
          `→ transferred: Artifact(uid='${GUIDE_ARTIFACT.uid}'), Storage(uid='${GUIDE_STORAGE.uid}'), Schema(uid='0000000000000002')`,
        ]);
        // The artifact and its foreign keys, re-pointed to target ids.
        const art = await one(target, 'lamindb_artifact', { uid: GUIDE_ARTIFACT.uid });
        const storage = await one(target, 'lamindb_storage', { uid: GUIDE_STORAGE.uid });
        const schema = await one(target, 'lamindb_schema', { uid: '0000000000000002' });
        assert.equal(Number(art.storage_id), Number(storage.id));
        assert.equal(Number(art.schema_id), Number(schema.id));
        // Zero-copy: the storage root is the source's; the path resolves there.
        assert.equal(storage.root, GUIDE_STORAGE.root);
        assert.equal(storage.instance_uid, GUIDE_SOURCE.instanceUid);
        assert.equal(`${storage.root}/.lamindb/${art.uid}${art.suffix}`, 's3://lamindata/.lamindb/9K1dteZ6Qx0EXK8g0000.h5ad');
        // Values copied as they are.
        assert.equal(art.key, GUIDE_ARTIFACT.key);
        assert.equal(art.hash, 'FB3CeMjmg1ivN6HDy6wsSg');
        assert.equal(Number(art.size), 31672);
        assert.ok(truthy(art.is_latest));
        assert.match(String(art.created_at), /^2025-07-29 12:27:25/);
        assert.equal(Number(art.branch_id), 1);
        assert.equal(Number(art.space_id), 1);
        // Transfer transform and run, exactly as LaminDB records them.
        const transform = await one(target, 'lamindb_transform', { uid: `${GUIDE_SOURCE.instanceUid}0000` });
        assert.equal(transform.key, `__lamindb_transfer__/${GUIDE_SOURCE.instanceUid}`);
        assert.equal(transform.description, 'Transfer from `laminlabs/lamindata`');
        assert.equal(transform.kind, 'function');
        assert.ok(truthy(transform.is_latest));
        const run = await one(target, 'lamindb_run', { id: Number(art.run_id) });
        assert.equal(run.uid, first.result.run!.uid);
        assert.equal(Number(run.transform_id), Number(transform.id));
        assert.equal(Number(run._status_code), 0);
        assert.ok(run.finished_at);
        // initiated_by_run: the CLI's own run, of its own transform (like ln.track()).
        const initiator = await one(target, 'lamindb_run', { id: Number(run.initiated_by_run_id) });
        const tool = await one(target, 'lamindb_transform', { id: Number(initiator.transform_id) });
        assert.equal(tool.key, CLI_TRACKING.key);
        assert.equal(Number(initiator._status_code), 0);
        // created_by: the target's user; the storage row and the schema point at the transfer run too.
        const user = await one(target, 'lamindb_user', { uid: '00000000' });
        for (const row of [art, storage, schema]) {
          assert.equal(Number(row.created_by_id), Number(user.id));
          assert.equal(Number(row.run_id), Number(run.id));
        }
        // Re-sync: everything mapped, not one row added.
        const counts = await tableCounts(target);
        const second = await sync(source, target, { keys: [GUIDE_ARTIFACT.key] }, { tracking: CLI_TRACKING });
        assert.deepEqual(formatReport(second.result), [`→ mapped: Artifact(uid='${GUIDE_ARTIFACT.uid}')`]);
        assert.equal(second.result.run, null);
        assert.deepEqual(await tableCounts(target), counts);
      });
      if (srcFile) assert.equal(fileHash(srcFile), before, 'the source file is byte-for-byte unchanged');
    });

    it('leaves the target unchanged when a failure or a cancel interrupts the write', async () => {
      const src = await guideSource(from);
      const tgt = await makeInstance(to, { name: 'target', via: 'init' });
      await withInstances([[src, true], [tgt, false]], async (source, target) => {
        const counts = await tableCounts(target);
        let batches = 0;
        await assert.rejects(
          sync(source, target, { keys: [GUIDE_ARTIFACT.key] }, {
            tracking: CLI_TRACKING,
            onProgress: (p) => {
              if (p.stage === 'write' && ++batches === 2) throw new Error('injected failure');
            },
          }),
          /injected failure/,
        );
        assert.ok(batches >= 2, 'the failure happened after rows were written');
        assert.deepEqual(await tableCounts(target), counts);
        const ctl = new AbortController();
        let writes = 0;
        await assert.rejects(
          sync(source, target, { keys: [GUIDE_ARTIFACT.key] }, {
            tracking: CLI_TRACKING,
            signal: ctl.signal,
            onProgress: (p) => {
              if (p.stage === 'write' && ++writes === 2) ctl.abort();
            },
          }),
          (e: unknown) => e instanceof LaminSyncError && e.code === 'CANCELLED',
        );
        assert.deepEqual(await tableCounts(target), counts);
        // And the same sync then goes through.
        const ok = await sync(source, target, { keys: [GUIDE_ARTIFACT.key] }, { tracking: CLI_TRACKING });
        assert.equal(ok.result.transferred.length, 3);
      });
    });
  });
}

describe('initiated_by_run', () => {
  it('points the transfer run at the named run and reuses one run per initiating run', async () => {
    const src = await guideSource('sqlite');
    const tgt = await makeInstance('sqlite', { name: 'target', via: 'dump' });
    await withInstances([[src, false], [tgt, false]], async (source, target) => {
      const [nbTransform] = await insertRecords(target, 'lamindb_transform', [
        { uid: 'WT7rFTNM9XOl0000', key: 'sync.ipynb', description: 'Sync data across databases', kind: 'notebook' },
      ]);
      const [nbRun] = await insertRecords(target, 'lamindb_run', [{ uid: 'p4kBzalCspryiqQg', transform_id: nbTransform }]);
      // A second artifact in the source to sync in a later call.
      const storage = await one(source, 'lamindb_storage', { uid: GUIDE_STORAGE.uid });
      await insertRecords(source, 'lamindb_artifact', [
        { uid: 'Second000000000A0000', key: 'second.csv', suffix: '.csv', storage_id: storage.id, _key_is_virtual: true },
      ]);
      const a = await sync(source, target, { keys: [GUIDE_ARTIFACT.key] }, { initiatedByRun: 'p4kBzalCspryiqQg' });
      const b = await sync(source, target, { uids: ['Second000000000A0000'] }, { initiatedByRun: 'p4kBzalCspryiqQg' });
      assert.equal(a.result.run!.uid, b.result.run!.uid, 'one transfer run per (transform, initiated_by_run)');
      const run = await one(target, 'lamindb_run', { uid: a.result.run!.uid });
      assert.equal(Number(run.initiated_by_run_id), nbRun);
      const runs = await target.db.selectFrom('lamindb_run').select('id').execute();
      assert.equal(runs.length, 2, 'the notebook run and one transfer run');
      const transferTransform = await one(target, 'lamindb_transform', { id: Number(run.transform_id) });
      assert.equal(Number(transferTransform.run_id), nbRun, 'the transform is created by the tracked run');
      await assert.rejects(
        sync(source, target, { keys: ['second.csv'] }, { initiatedByRun: 'NoSuchRun0000000' }),
        (e: unknown) => e instanceof LaminSyncError && e.code === 'NOT_FOUND' && /NoSuchRun0000000/.test(e.message),
      );
    });
  });
});

describe('foreign-key closure', () => {
  it('brings a collection with its member artifacts and their link rows', async () => {
    const src = await guideSource('sqlite');
    const tgt = await makeInstance('postgres', { name: 'target', via: 'init' });
    await withInstances([[src, false], [tgt, false]], async (source, target) => {
      const storage = await one(source, 'lamindb_storage', { uid: GUIDE_STORAGE.uid });
      const guide = await one(source, 'lamindb_artifact', { uid: GUIDE_ARTIFACT.uid });
      const [extra] = await insertRecords(source, 'lamindb_artifact', [
        { uid: 'Member00000000000000', key: 'member.parquet', suffix: '.parquet', storage_id: storage.id },
      ]);
      const [col] = await insertRecords(source, 'lamindb_collection', [{ uid: 'Coll000000000000' + '0000', key: 'my-collection' }]);
      await insertRecords(source, 'lamindb_collectionartifact', [
        { collection_id: col, artifact_id: guide.id },
        { collection_id: col, artifact_id: extra },
      ]);
      const { result } = await sync(source, target, { registry: 'Collection', uids: ['Coll0000000000000000'] }, { tracking: CLI_TRACKING });
      assert.deepEqual(
        result.transferred.map((e) => e.registry).sort(),
        ['Artifact', 'Artifact', 'Collection', 'Schema', 'Storage'],
      );
      // As LaminDB: the member artifacts first, each reported apart, then the collection.
      assert.deepEqual(result.groups!.map((g) => g.transferred[0]!.registry), ['Artifact', 'Artifact', 'Collection']);
      const tc = await one(target, 'lamindb_collection', { uid: 'Coll0000000000000000' });
      const links = await target.db.selectFrom('lamindb_collectionartifact').selectAll().where('collection_id', '=', tc.id).execute();
      const members = await target.db.selectFrom('lamindb_artifact').select(['id', 'uid']).where('id', 'in', links.map((l) => l.artifact_id)).execute();
      assert.deepEqual(members.map((m) => m.uid).sort(), [GUIDE_ARTIFACT.uid, 'Member00000000000000'].sort());
    });
  });
});

describe('natural keys and provenance', () => {
  it('matches a storage by root (not reported), and keeps a synced run\'s own transform', async () => {
    const src = await guideSource('sqlite');
    const tgt = await makeInstance('postgres', { name: 'target', via: 'init' });
    await withInstances([[src, true], [tgt, false]], async (source, target) => {
      const [localStorage] = await insertRecords(target, 'lamindb_storage', [
        { uid: 'OtherUid1234', root: GUIDE_STORAGE.root, type: 's3', instance_uid: 'SomeOtherIns' },
      ]);
      const { result } = await sync(source, target, { keys: [GUIDE_ARTIFACT.key] }, { tracking: CLI_TRACKING });
      assert.ok(!result.transferred.some((e) => e.registry === 'Storage'), 'the storage with the same root is used, not copied');
      assert.ok(!result.mapped.some((e) => e.registry === 'Storage'), 'and, as in LaminDB, not listed');
      const art = await one(target, 'lamindb_artifact', { uid: GUIDE_ARTIFACT.uid });
      assert.equal(Number(art.storage_id), localStorage);
      // A run synced by uid keeps the transform that ran it (LaminDB would overwrite it).
      const sourceRun = await one(source, 'lamindb_run', { uid: 'wNXyiNV2DrUmjTGZ' });
      const sourceTransform = await one(source, 'lamindb_transform', { id: Number(sourceRun.transform_id) });
      const runSync = await sync(source, target, { registry: 'Run', uids: ['wNXyiNV2DrUmjTGZ'] }, { tracking: CLI_TRACKING });
      assert.deepEqual(runSync.result.transferred.map((e) => e.registry), ['Run', 'Transform']);
      const run = await one(target, 'lamindb_run', { uid: 'wNXyiNV2DrUmjTGZ' });
      const transform = await one(target, 'lamindb_transform', { id: Number(run.transform_id) });
      assert.equal(transform.uid, sourceTransform.uid);
      assert.equal(Number(run._status_code), 0);
    });
  });
});

describe('branches and cycles', () => {
  it('keeps built-in branch ids, brings a custom branch by uid, and refuses rows that reference each other', async () => {
    const src = await guideSource('sqlite');
    const tgt = await makeInstance('sqlite', { name: 'target', via: 'init' });
    await withInstances([[src, false], [tgt, false]], async (source, target) => {
      const [dev] = await insertRecords(source, 'lamindb_branch', [{ uid: 'devbranch012', name: 'dev' }]);
      await insertRecords(source, 'lamindb_ulabel', [{ uid: 'DevLabel', name: 'on dev', branch_id: dev }]);
      const { result } = await sync(source, target, { registry: 'ULabel', uids: ['DevLabel'] }, { tracking: CLI_TRACKING });
      assert.deepEqual(result.transferred, [
        { registry: 'ULabel', uid: 'DevLabel' },
        { registry: 'Branch', uid: 'devbranch012' },
      ]);
      const targetDev = await one(target, 'lamindb_branch', { uid: 'devbranch012' });
      const copied = await one(target, 'lamindb_ulabel', { uid: 'DevLabel' });
      assert.equal(Number(copied.branch_id), Number(targetDev.id));
      assert.equal(Number(copied.created_on_id), 1, 'main, by uid');
      // Two records that are each other's type (SQLite has no trigger against it): refused, nothing written.
      const [a] = await insertRecords(source, 'lamindb_record', [{ uid: 'CycleRecordA0000', name: 'A', is_type: true }]);
      const [b] = await insertRecords(source, 'lamindb_record', [{ uid: 'CycleRecordB0000', name: 'B', is_type: true, type_id: a }]);
      await source.db.updateTable('lamindb_record').set({ type_id: b }).where('id', '=', a).execute();
      const counts = await tableCounts(target);
      await assert.rejects(
        sync(source, target, { registry: 'Record', uids: ['CycleRecordA0000'] }, { tracking: CLI_TRACKING }),
        (e: unknown) => e instanceof LaminSyncError && e.code === 'UNSUPPORTED' && /cycle/.test(e.message),
      );
      assert.deepEqual(await tableCounts(target), counts);
    });
  });
});

describe('versions', () => {
  it('brings the latest version with a non-latest one and keeps one is_latest per family', async () => {
    const src = await guideSource('sqlite');
    const tgt = await makeInstance('sqlite', { name: 'target', via: 'init' });
    await withInstances([[src, false], [tgt, false]], async (source, target) => {
      const storage = await one(source, 'lamindb_storage', { uid: GUIDE_STORAGE.uid });
      await insertRecords(source, 'lamindb_artifact', [
        { uid: 'Fam0000000000000' + '0000', key: 'fam.csv', suffix: '.csv', storage_id: storage.id, is_latest: true },
      ]);
      // Sync v1 while it is the latest.
      await sync(source, target, { uids: ['Fam00000000000000000'] }, { tracking: CLI_TRACKING });
      // The source makes v2 and v3; v1 and v2 are no longer latest.
      await source.db.updateTable('lamindb_artifact').set({ is_latest: 0 }).where('uid', '=', 'Fam00000000000000000').execute();
      await insertRecords(source, 'lamindb_artifact', [
        { uid: 'Fam0000000000000' + '0001', key: 'fam.csv', suffix: '.csv', storage_id: storage.id, is_latest: false },
        { uid: 'Fam0000000000000' + '0002', key: 'fam.csv', suffix: '.csv', storage_id: storage.id, is_latest: true },
      ]);
      const { result } = await sync(source, target, { uids: ['Fam00000000000000001'] }, { tracking: CLI_TRACKING });
      assert.deepEqual(result.transferred.map((e) => e.uid).sort(), ['Fam00000000000000001', 'Fam00000000000000002']);
      const fam = await target.db.selectFrom('lamindb_artifact').select(['uid', 'is_latest']).where('key', '=', 'fam.csv').orderBy('uid').execute();
      assert.deepEqual(fam.map((r) => [r.uid, Number(r.is_latest)]), [
        ['Fam00000000000000000', 0],
        ['Fam00000000000000001', 0],
        ['Fam00000000000000002', 1],
      ]);
    });
  });
});

describe('many objects', () => {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    it(`syncs thousands of artifacts in batches on ${dialect} (statements do not grow per row)`, async () => {
      const src = await guideSource('sqlite');
      const tgt = await makeInstance(dialect, { name: 'target', via: 'init' });
      const n = 2500;
      await withInstances([[src, false], [tgt, false]], async (source, target) => {
        const storage = await one(source, 'lamindb_storage', { uid: GUIDE_STORAGE.uid });
        const rows = Array.from({ length: n }, (_, i) => ({
          uid: `Bulk${String(i).padStart(12, '0')}0000`,
          key: `bulk/file-${i}.csv`,
          suffix: '.csv',
          storage_id: storage.id,
          size: i,
        }));
        const raw = (source.db as any);
        await raw.insertInto('lamindb_artifact').values(rows.map((r) => ({ ...r, is_latest: 1, _key_is_virtual: 1, _overwrite_versions: 0, created_by_id: 1 }))).execute().catch(async () => {
          for (let i = 0; i < rows.length; i += 500) await insertRecords(source, 'lamindb_artifact', rows.slice(i, i + 500));
        });
        const { result } = await sync(source, target, { registry: 'Artifact', all: true, filter: 'bulk/' }, { tracking: CLI_TRACKING });
        assert.equal(result.transferred.filter((e) => e.registry === 'Artifact').length, n);
        const count = await target.db.selectFrom('lamindb_artifact').select((eb) => eb.fn.countAll().as('n')).where('key', 'like', 'bulk/%').executeTakeFirstOrThrow();
        assert.equal(Number(count.n), n);
        assert.ok(result.statements.target < 40, `target statements ${result.statements.target} stay in batches`);
        assert.ok(result.statements.source < 20, `source statements ${result.statements.source} stay in batches`);
        const sizes = await target.db.selectFrom('lamindb_artifact').select(['uid', 'size']).where('uid', 'in', ['Bulk0000000000000000', 'Bulk0000000024990000']).orderBy('uid').execute();
        assert.deepEqual(sizes.map((s) => Number(s.size)), [0, 2499]);
      });
    });
  }
});

describe('large selections', () => {
  it('plans 150,000 records in one sync (no argument-count limits on the way)', async () => {
    const src = await guideSource('sqlite');
    const tgt = await makeInstance('sqlite', { name: 'target', via: 'init' });
    const n = 150_000;
    await withInstances([[src, false]], async (source) => {
      await sql`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${n})
        INSERT INTO lamindb_ulabel (uid, name, is_type, is_locked, created_by_id, branch_id, created_on_id, space_id)
        SELECT printf('L%07d', i), printf('label %d', i), 0, 0, 1, 1, 1, 1 FROM seq`.execute(source.db);
    });
    await withInstances([[src, true], [tgt, true]], async (source, target) => {
      const plan = await planSync(source, target, { registry: 'ULabel', all: true, filter: 'label ' });
      assert.equal(plan.requested.length, n);
      assert.equal(plannedReport(plan).transferred.length, n);
    });
  });
});

describe('opening', () => {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    it(`opens a ${dialect} source read-only: a write through it fails`, async () => {
      const src = await guideSource(dialect);
      const source = await openInstance(src, { readOnly: true });
      try {
        await assert.rejects(source.db.deleteFrom('lamindb_artifact').execute(), /readonly|read-only/i);
      } finally {
        await source.close();
      }
      const check = await openInstance(src, { readOnly: true });
      try {
        assert.equal(await check.db.selectFrom('lamindb_artifact').select('id').execute().then((r) => r.length), 1);
      } finally {
        await check.close();
      }
    });
  }
});
