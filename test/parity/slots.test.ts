// Slot schemas as lamindb builds them, checked on lamindb's own files: its hash recomputed from the
// members, a lamindb-made target whose slot holds another schema re-synced (the slot re-pointed,
// as lamindb does), and the `_aux` of the rows lamin-sync creates for itself.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Instance } from '../../src/core/instance/types';
import { annotationPlanner } from '../../src/core/sync/annotations';
import { sync } from '../../src/core/sync/index';
import { lamindbSchemaHash } from '../../src/core/sync/slot-schemas';
import { assertNoStackTrace, spawnCli } from '../faults/support';
import { fileHash } from '../support/instances';
import { close, copyInstances, DATASET1, open, referenceFile } from './support';

/** Each schema with members: its stored hash, itype, dtype and member uids. */
async function schemasWithMembers(i: Instance) {
  const { rows } = await sql<{ uid: string; hash: string; itype: string; dtype: string | null; member: string }>`
    SELECT s.uid, s.hash, s.itype, s._dtype_str AS dtype, f.uid AS member FROM lamindb_schema s
      JOIN lamindb_schemafeature l ON l.schema_id = s.id JOIN lamindb_feature f ON f.id = l.feature_id
    UNION ALL
    SELECT s.uid, s.hash, s.itype, s._dtype_str AS dtype, g.uid AS member FROM lamindb_schema s
      JOIN bionty_schemagene l ON l.schema_id = s.id JOIN bionty_gene g ON g.id = l.gene_id`.execute(i.db);
  const out = new Map<string, { hash: string; itype: string; dtype: string | null; members: string[] }>();
  for (const r of rows) {
    const s = out.get(r.uid) ?? { hash: r.hash, itype: r.itype, dtype: r.dtype, members: [] };
    s.members.push(r.member);
    out.set(r.uid, s);
  }
  return out;
}

/** A lamindb-made target whose artifact holds var.T with another schema, as an earlier lamin-sync left it. */
async function slotHeldByAnotherSchema() {
  const c = copyInstances('lamindb-untracked.db.gz');
  // var.T pointing at a copy of the source's schema.
  const tgt = await open(c.file('tgt'), c.settingsDir, false);
  const [old] = (
    await sql<{ id: number }>`INSERT INTO lamindb_schema (uid, n_members, itype, _dtype_str, hash, minimal_set, ordered_set, maximal_set, is_type, is_locked, flexible, branch_id, created_on_id, space_id, created_by_id)
      VALUES ('FBHrb3efrhwc1XcL', 3, 'bionty.Gene.ensembl_gene_id', 'num', 'P5KzXILi0TzYDHB82Pvt-w', 1, 0, 0, 0, 0, 0, 1, 1, 1, 1) RETURNING id`.execute(tgt.db)
  ).rows;
  await sql`UPDATE lamindb_artifactschema SET schema_id = ${old!.id} WHERE slot = 'var.T'`.execute(tgt.db);
  await close(tgt);
  return c;
}

describe('slot schemas as lamindb builds them', () => {
  it("computes lamindb's hash of every schema with members in lamindb's files (source and targets)", async () => {
    let checked = 0;
    for (const gz of ['src.db.gz', 'lamindb-untracked.db.gz', 'lamindb-tracked.db.gz']) {
      const i = await open(referenceFile(gz), '/nonexistent', true);
      for (const [uid, s] of await schemasWithMembers(i)) {
        assert.equal(lamindbSchemaHash(s.itype, s.dtype, s.members), s.hash, `${gz}: schema ${uid}`);
        checked++;
      }
    }
    // src: obs and var.T (itype bionty.Gene.ensembl_gene_id); each target: the rebuilt obs and var.T.
    assert.equal(checked, 6);
  });

  it('re-syncs a lamindb-made target whose artifact holds var.T with another schema: the slot is re-pointed, and said so', async () => {
    const c = await slotHeldByAnotherSchema();
    const env = { LAMIN_SETTINGS_DIR: c.settingsDir.replace(/\/\.lamin$/, '') };
    const run = await spawnCli(['sync', c.file('src'), c.file('tgt'), '--key', DATASET1, '--annotations'], { env });
    assert.equal(run.code, 0, run.err);
    assertNoStackTrace(run.out + run.err);
    assert.match(run.out, /^! updating annotation of artifact qMg9kQIytwfT1ZHs0000 with feature set for slot: var\.T$/m);
    // The re-pointed slot is an updated row, not a written link row (LaminDB's report lines stay as they are).
    const written = /^→ written: .*$/m.exec(run.out)?.[0] ?? '';
    assert.match(written, /, 5 link rows \([^)]*\), 1 slot re-pointed \(Artifact–Schema links\)$/);
    assert.doesNotMatch(written, /Artifact–Schema links ×/);
    const after = await open(c.file('tgt'), c.settingsDir, true);
    const slots = await sql<{ slot: string; hash: string; uid: string }>`
      SELECT l.slot, s.hash, s.uid FROM lamindb_artifactschema l JOIN lamindb_schema s ON s.id = l.schema_id ORDER BY l.slot`.execute(after.db);
    // lamindb's own rebuilt schemas, found by hash: no new schema.
    assert.deepEqual(slots.rows, [
      { slot: 'obs', hash: 'ykazcMMHtnYq_EckHpRgdg', uid: 'uDeC91SMyAn9e7SP' },
      { slot: 'var.T', hash: 'gVTn0VGrfYr5h6l7NSjiYA', uid: 'ycmBNaTtPbQN0aRL' },
    ]);
    // The rows lamin-sync created for itself (the CLI's transform and run, the transfer's) have SQL NULL `_aux`.
    for (const table of ['lamindb_transform', 'lamindb_run']) {
      const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM ${sql.table(table)} WHERE _aux IS NOT NULL`.execute(after.db);
      assert.equal(Number(rows[0]!.n), 0, `${table}._aux`);
    }
    const { rows: tracked } = await sql<{ n: number }>`SELECT count(*) AS n FROM lamindb_transform WHERE uid = 'LaminSyncCLI0000'`.execute(after.db);
    assert.equal(Number(tracked[0]!.n), 1);
    await close(after);

    // Again: nothing to re-point, nothing written.
    const before = fileHash(c.file('tgt'));
    const again = await spawnCli(['sync', c.file('src'), c.file('tgt'), '--key', DATASET1, '--annotations'], { env });
    assert.equal(again.code, 0, again.err);
    assert.doesNotMatch(again.out, /updating annotation/);
    assert.equal(fileHash(c.file('tgt')), before);
  });

  it('--json counts the re-pointed slot in `updated`, apart from the rows `written`', async () => {
    const c = await slotHeldByAnotherSchema();
    const env = { LAMIN_SETTINGS_DIR: c.settingsDir.replace(/\/\.lamin$/, '') };
    const run = await spawnCli(['sync', c.file('src'), c.file('tgt'), '--key', DATASET1, '--annotations', '--json'], { env });
    assert.equal(run.code, 0, run.err);
    const report = JSON.parse(run.out) as { written: Record<string, number>; updated: Record<string, number> };
    assert.equal(report.written.lamindb_artifactschema, undefined);
    assert.equal(report.written.lamindb_run, 2);
    assert.deepEqual(report.updated, { lamindb_artifactschema: 1 });
  });

  it("finds a slot's rebuilt schema among the rows the same sync transfers (the artifact's own schema), as lamindb finds it by hash", async () => {
    const c = copyInstances('tgt-empty.db.gz');
    // The artifact's schema is its obs schema (a DataFrame validated with the schema of its columns).
    const src = await open(c.file('src'), c.settingsDir, false);
    await sql`UPDATE lamindb_artifact SET schema_id = (SELECT id FROM lamindb_schema WHERE uid = 'uDeC91SMyAn9e7SP') WHERE key = ${DATASET1}`.execute(src.db);
    await close(src);
    const source = await open(c.file('src'), c.settingsDir, true);
    const target = await open(c.file('tgt'), c.settingsDir, false);
    const { result } = await sync(source, target, { keys: [DATASET1] }, { annotations: true, annotationPlanner });
    assert.ok(result.transferred.some((e) => e.uid === 'uDeC91SMyAn9e7SP'), 'the artifact schema is transferred and listed');
    const { rows } = await sql<{ slot: string; uid: string; own: number }>`
      SELECT l.slot, s.uid, CASE WHEN a.schema_id = s.id THEN 1 ELSE 0 END AS own FROM lamindb_artifactschema l
        JOIN lamindb_schema s ON s.id = l.schema_id JOIN lamindb_artifact a ON a.id = l.artifact_id ORDER BY l.slot`.execute(target.db);
    assert.deepEqual(rows.map((r) => [r.slot, r.uid, Number(r.own)]), [['obs', 'uDeC91SMyAn9e7SP', 1], ['var.T', rows[1]!.uid, 0]]);
    const { rows: n } = await sql<{ n: number }>`SELECT count(*) AS n FROM lamindb_schema WHERE uid = 'uDeC91SMyAn9e7SP'`.execute(target.db);
    assert.equal(Number(n[0]!.n), 1);
  });

  it("brings an artifact's schema of features with its features (lamindb's transfer_schema_with_members), a schema of genes alone", async () => {
    const c = copyInstances('tgt-empty.db.gz');
    const src = await open(c.file('src'), c.settingsDir, false);
    await sql`UPDATE lamindb_artifact SET schema_id = (SELECT id FROM lamindb_schema WHERE uid = 'uDeC91SMyAn9e7SP') WHERE key = ${DATASET1}`.execute(src.db);
    await sql`UPDATE lamindb_artifact SET schema_id = (SELECT id FROM lamindb_schema WHERE uid = 'FBHrb3efrhwc1XcL') WHERE key = 'example_datasets/small.csv'`.execute(src.db);
    await close(src);
    const source = await open(c.file('src'), c.settingsDir, true);
    const target = await open(c.file('tgt'), c.settingsDir, false);
    const first = await sync(source, target, { keys: [DATASET1] }, {});
    assert.deepEqual(first.result.transferred.slice(0, 4).map((e) => e.uid), ['qMg9kQIytwfT1ZHs0000', 'wyAkcB3iFSjR', 'uDeC91SMyAn9e7SP', 'gzm2yWLmnoxy']);
    assert.equal(first.result.transferred.filter((e) => e.registry === 'Feature').length, 8);
    await sync(source, target, { keys: ['example_datasets/small.csv'] }, {});
    const { rows } = await sql<{ uid: string; features: number; genes: number }>`
      SELECT s.uid, (SELECT count(*) FROM lamindb_schemafeature l WHERE l.schema_id = s.id) AS features,
        (SELECT count(*) FROM bionty_schemagene l WHERE l.schema_id = s.id) AS genes FROM lamindb_schema s ORDER BY s.uid`.execute(target.db);
    assert.deepEqual(rows.map((r) => [r.uid, Number(r.features), Number(r.genes)]), [['FBHrb3efrhwc1XcL', 0, 0], ['uDeC91SMyAn9e7SP', 8, 0]]);
  });
});
