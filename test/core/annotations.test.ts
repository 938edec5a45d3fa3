// Sync with annotations and describe, on every pair of dialects.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GUIDE_ARTIFACT, GUIDE_SOURCE, seedGuideExample } from '../../src/core/example/guide';
import { insertRecords } from '../../src/core/example/insert';
import type { Instance } from '../../src/core/instance/types';
import { describeArtifact, withoutProvenance } from '../../src/core/query/describe';
import { annotationPlanner } from '../../src/core/sync/annotations';
import { CLI_TRACKING } from '../../src/core/sync/context';
import { sync, type SyncOptions } from '../../src/core/sync/index';
import { planSync } from '../../src/core/sync/plan';
import { PAIRS, makeInstance, tableCounts, withInstances, type DialectName } from '../support/instances';

const WITH_ANNOTATIONS: SyncOptions = { tracking: CLI_TRACKING, annotations: true, annotationPlanner };
const ARTIFACT = { keys: [GUIDE_ARTIFACT.key] };

async function guideSource(dialect: DialectName): Promise<string> {
  const loc = await makeInstance(dialect, { name: GUIDE_SOURCE.name, owner: GUIDE_SOURCE.owner, instanceUid: GUIDE_SOURCE.instanceUid });
  await withInstances([[loc, false]], (i) => seedGuideExample(i));
  return loc;
}

async function count(i: Instance, table: string, where: Record<string, unknown> = {}): Promise<number> {
  let q = i.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n'));
  for (const [k, v] of Object.entries(where)) q = q.where(k, '=', v);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

function withoutRuns(counts: Record<string, number>): Record<string, number> {
  const { lamindb_run: _r, ...rest } = counts;
  void _r;
  return rest;
}

for (const [from, to] of PAIRS) {
  describe(`annotations ${from} → ${to}`, () => {
    it('makes describe of the target equal describe of the source, then maps everything on re-sync', async () => {
      const src = await guideSource(from);
      const tgt = await makeInstance(to, { name: 'test-sync', via: 'init' });
      await withInstances([[src, true], [tgt, false]], async (source, target) => {
        const { result } = await sync(source, target, ARTIFACT, WITH_ANNOTATIONS);
        const registries = new Set(result.transferred.map((e) => e.registry));
        for (const r of ['Artifact', 'Storage', 'Schema', 'Feature', 'ULabel', 'Record', 'Project', 'CellType', 'ExperimentalFactor', 'Gene', 'Organism', 'Source']) {
          assert.ok(registries.has(r), `${r} transferred`);
        }
        const before = await describeArtifact(source, { key: GUIDE_ARTIFACT.key });
        const after = await describeArtifact(target, { key: GUIDE_ARTIFACT.key });
        assert.deepEqual(withoutProvenance(after), withoutProvenance(before));
        assert.equal(after.run!.transformKey, `__lamindb_transfer__/${GUIDE_SOURCE.instanceUid}`);
        // The describe holds every annotation kind.
        assert.deepEqual(after.datasetFeatures.map((s) => [s.slot, s.members, s.itype]), [['obs', 8, null], ['var.T', 3, 'bionty.Gene']]);
        assert.deepEqual(after.labels.map((l) => l.relatedName), ['.ulabels', '.records', '.projects', '.cell_types', '.experimental_factors']);
        assert.deepEqual(after.externalFeatures.find((f) => f.name === 'temperature')?.values, ['21.5']);
        assert.deepEqual(after.externalFeatures.find((f) => f.name === 'study_note')?.values, ['pilot study']);
        assert.deepEqual(after.datasetFeatures[0]!.features.find((f) => f.name === 'cell_type_by_model')?.values, ['B cell', 'T cell']);
        // Link rows keep their feature.
        const link = await target.db
          .selectFrom('bionty_artifactcelltype as l')
          .innerJoin('bionty_celltype as c', 'c.id', 'l.celltype_id')
          .innerJoin('lamindb_feature as f', 'f.id', 'l.feature_id')
          .select(['c.uid as label', 'f.uid as feature'])
          .where('c.uid', '=', '6IC9NGJEv2Y4TD')
          .execute();
        assert.deepEqual(link, [{ label: '6IC9NGJEv2Y4TD', feature: 'fJnNc4pzxe9c' }]);
        // Re-sync with annotations: all mapped, not one row added.
        const counts = await tableCounts(target);
        const again = await sync(source, target, ARTIFACT, WITH_ANNOTATIONS);
        assert.deepEqual(again.result.transferred, []);
        assert.equal(again.result.mapped[0]!.registry, 'Artifact');
        assert.ok(again.result.mapped.some((e) => e.registry === 'CellType'));
        assert.deepEqual(await tableCounts(target), counts);
      });
    });
  });
}

describe('annotations on a target that holds some of them', () => {
  it('maps labels and features that exist by uid, and keeps a same-named feature with another uid apart', async () => {
    const src = await guideSource('sqlite');
    const tgt = await makeInstance('postgres', { name: 'target', via: 'init' });
    await withInstances([[src, true], [tgt, false]], async (source, target) => {
      // The target already has a cell type and a feature (same uids), and its own 'perturbation'.
      await sync(source, target, { registry: 'CellType', uids: ['ryEtgi1yGtAcX2'] }, { tracking: CLI_TRACKING });
      await sync(source, target, { registry: 'Feature', uids: ['Q8edF7CSgjG2'] }, { tracking: CLI_TRACKING });
      await insertRecords(target, 'lamindb_feature', [{ uid: 'LocalPerturb', name: 'perturbation', _dtype_str: 'cat[ULabel]' }]);
      const { result } = await sync(source, target, ARTIFACT, WITH_ANNOTATIONS);
      assert.ok(result.mapped.some((e) => e.uid === 'ryEtgi1yGtAcX2'), 'the existing cell type is listed mapped');
      assert.ok(!result.transferred.some((e) => e.uid === 'ryEtgi1yGtAcX2' || e.uid === 'Q8edF7CSgjG2'));
      assert.equal(await count(target, 'bionty_celltype', { uid: 'ryEtgi1yGtAcX2' }), 1);
      assert.equal(await count(target, 'lamindb_feature', { uid: 'Q8edF7CSgjG2' }), 1);
      // Two features named 'perturbation': the target's own and the source's, which the schema uses.
      assert.equal(await count(target, 'lamindb_feature', { name: 'perturbation' }), 2);
      const members = await target.db
        .selectFrom('lamindb_schemafeature as sf')
        .innerJoin('lamindb_schema as s', 's.id', 'sf.schema_id')
        .innerJoin('lamindb_feature as f', 'f.id', 'sf.feature_id')
        .select('f.uid')
        .innerJoin('lamindb_artifactschema as sl', 'sl.schema_id', 's.id')
        .where('sl.slot', '=', 'obs')
        .where('f.name', '=', 'perturbation')
        .execute();
      assert.deepEqual(members, [{ uid: 'LIrjN9FbaLR1' }]);
    });
  });

  it('adds exactly the annotation rows after a plain sync', async () => {
    const src = await guideSource('sqlite');
    const direct = await makeInstance('sqlite', { name: 'direct', via: 'init' });
    const stepwise = await makeInstance('sqlite', { name: 'stepwise', via: 'init' });
    await withInstances([[src, true], [direct, false], [stepwise, false]], async (source, d, s) => {
      await sync(source, d, ARTIFACT, WITH_ANNOTATIONS);
      await sync(source, s, ARTIFACT, { tracking: CLI_TRACKING });
      const plain = await tableCounts(s);
      const { result } = await sync(source, s, ARTIFACT, WITH_ANNOTATIONS);
      assert.deepEqual(result.mapped[0], { registry: 'Artifact', uid: GUIDE_ARTIFACT.uid });
      // Only annotation tables grew (runs aside: each CLI invocation records its own run).
      const grown = Object.entries(await tableCounts(s)).filter(([t, n]) => n !== plain[t] && t !== 'lamindb_run').map(([t]) => t);
      assert.ok(!grown.includes('lamindb_artifact') && !grown.includes('lamindb_storage'));
      assert.deepEqual(withoutRuns(await tableCounts(s)), withoutRuns(await tableCounts(d)));
    });
  });

  it('leaves the target unchanged when writing link rows fails', async () => {
    for (const to of ['sqlite', 'postgres'] as const) {
      const src = await guideSource('sqlite');
      const tgt = await makeInstance(to, { name: 'target', via: 'init' });
      await withInstances([[src, true], [tgt, false]], async (source, target) => {
        const counts = await tableCounts(target);
        let sawLinks = false;
        await assert.rejects(
          sync(source, target, ARTIFACT, {
            ...WITH_ANNOTATIONS,
            onProgress: (p) => {
              if (p.stage === 'write' && /Artifact–bionty\.CellType links/.test(p.message)) {
                sawLinks = true;
                throw new Error('injected failure while writing links');
              }
            },
          }),
          /injected failure/,
        );
        assert.ok(sawLinks);
        assert.deepEqual(await tableCounts(target), counts);
      });
    }
  });
});

describe('why each row is in the plan', () => {
  it("names a link row's owner and the key that brought a row, as --dry-run tells them", async () => {
    const src = await guideSource('sqlite');
    const tgt = await makeInstance('sqlite', { name: 'target', via: 'init' });
    await withInstances([[src, true], [tgt, false]], async (source, target) => {
      const plan = await planSync(source, target, ARTIFACT, WITH_ANNOTATIONS);
      const rows = [...plan.rows.values()];
      const owner = `Artifact(uid='${GUIDE_ARTIFACT.uid}')`;
      const cellTypeLinks = rows.filter((r) => r.table === 'bionty_artifactcelltype');
      assert.ok(cellTypeLinks.length > 0);
      for (const r of cellTypeLinks) assert.equal(r.reason, `celltype of ${owner}`);
      const valueLinks = rows.filter((r) => r.table === 'lamindb_artifactjsonvalue');
      assert.ok(valueLinks.length > 0);
      for (const r of valueLinks) assert.equal(r.reason, 'feature value link');
      assert.equal(rows.find((r) => r.table === 'lamindb_storage')?.reason, `storage_id of ${owner}`);
      // A label first met through a link row: the key of the (uid-less) link that pointed at it.
      const cellType = rows.find((r) => r.table === 'bionty_celltype');
      assert.equal(cellType?.reason, 'celltype_id of ArtifactCellType');
    });
  });
});
