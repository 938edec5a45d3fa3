// The command-line twin, run in-process through its entry function.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli as run } from './support/cli';
import { GUIDE_ARTIFACT } from '../src/core/example/guide';
import { openInstance } from '../src/core/instance/open';
import { tableCounts, tempDir } from './support/instances';

describe('lamin-sync CLI', () => {
  const dir = tempDir();
  const source = join(dir, 'lamindata');
  const target = join(dir, 'test-sync');

  it('demo: builds the guide instances, syncs, re-syncs, syncs annotations, describes', async () => {
    const r = await run(['demo', '--dir', dir]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /→ transferred: Artifact\(uid='9K1dteZ6Qx0EXK8g0000'\), Storage\(uid='D9BilDV2'\), Schema\(uid='0000000000000002'\)/);
    assert.match(r.out, /→ mapped: Artifact\(uid='9K1dteZ6Qx0EXK8g0000'\)\n→ nothing transferred/);
    assert.match(r.out, /├── storage\/path: s3:\/\/lamindata\/\.lamindb\/9K1dteZ6Qx0EXK8g0000\.h5ad/);
    assert.match(r.out, /\.cell_types\s+bionty\.CellType\s+B cell, T cell/);
    assert.match(r.out, /→ nothing transferred: everything is mapped/);
  });

  it('sync --dry-run prints the plan and writes nothing', async () => {
    const fresh = join(dir, 'fresh');
    assert.equal((await run(['init', '--storage', fresh, '--modules', 'bionty'])).code, 0);
    const t = await openInstance(fresh, { readOnly: true });
    const before = await tableCounts(t);
    await t.close();
    const r = await run(['sync', source, fresh, '--key', GUIDE_ARTIFACT.key, '--annotations', '--dry-run']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /nothing written \(dry run\)/);
    assert.match(r.out, /→ transferred: Artifact\(uid='9K1dteZ6Qx0EXK8g0000'\), Storage/);
    assert.match(r.out, /transfer Storage\(uid='D9BilDV2'\)\s+— storage_id of Artifact/);
    // The rebuilt slot schemas are not in the report (as in LaminDB's) but the plan shows them.
    assert.match(r.out, /transfer Schema\(uid='[0-9A-Za-z]{16}'\)\s+— slot schema \(rebuilt from its members\)/);
    const after = await openInstance(fresh, { readOnly: true });
    assert.deepEqual(await tableCounts(after), before);
    // --json: link_rows counts the rows without a uid (links, feature values) the sync will write.
    const plan = await run(['sync', source, fresh, '--key', GUIDE_ARTIFACT.key, '--annotations', '--dry-run', '--json']);
    assert.equal(plan.code, 0, plan.err);
    const planned = JSON.parse(plan.out);
    assert.equal(planned.dry_run, true);
    const done = await run(['sync', source, fresh, '--key', GUIDE_ARTIFACT.key, '--annotations', '--json']);
    assert.equal(done.code, 0, done.err);
    const written = JSON.parse(done.out).written as Record<string, number>;
    const withoutUid = Object.entries(written).filter(([table]) => !after.catalog.tables.get(table)!.columnByName.has('uid'));
    assert.ok(withoutUid.length > 0);
    assert.equal(planned.link_rows, withoutUid.reduce((n, [, k]) => n + k, 0));
    await after.close();
  });

  it('sync --json prints the report as JSON', async () => {
    const fresh = join(dir, 'json-target');
    await run(['init', '--storage', fresh]);
    const r = await run(['sync', source, fresh, '--key', GUIDE_ARTIFACT.key, '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.deepEqual(j.transferred, [
      { registry: 'Artifact', uid: GUIDE_ARTIFACT.uid },
      { registry: 'Storage', uid: 'D9BilDV2' },
      { registry: 'Schema', uid: '0000000000000002' },
    ]);
    assert.deepEqual(j.mapped, []);
    assert.deepEqual(j.transform, { uid: '4XIuR0tvaiXM0000', key: '__lamindb_transfer__/4XIuR0tvaiXM' });
    assert.match(j.run.uid, /^[0-9A-Za-z]{16}$/);
    // Where the time went: plan, write, commit, adding up to the duration.
    assert.deepEqual(Object.keys(j.phases_ms), ['plan', 'write', 'commit']);
    for (const v of Object.values(j.phases_ms)) assert.ok(typeof v === 'number' && v >= 0);
    assert.equal(j.phases_ms.plan + j.phases_ms.write + j.phases_ms.commit, j.duration_ms);
  });

  it('ls lists registries with counts, and records newest first', async () => {
    const regs = await run(['ls', target, '--json']);
    const j = JSON.parse(regs.out);
    assert.equal(j.instance.slug, 'anonymous/test-sync');
    assert.equal(j.registries.find((r: { registry: string }) => r.registry === 'Artifact').count, 1);
    const recs = await run(['ls', target, 'Feature', '--limit', '3', '--json']);
    const page = JSON.parse(recs.out);
    assert.equal(page.records.length, 3);
    assert.equal(page.total, 12);
    const filtered = await run(['ls', target, 'Feature', '--filter', 'CELL_TYPE', '--json']);
    assert.deepEqual(JSON.parse(filtered.out).records.map((r: { name: string }) => r.name).sort(), ['cell_type_by_expert', 'cell_type_by_model']);
  });

  it('show and describe find a record by key', async () => {
    const show = await run(['show', target, '--key', GUIDE_ARTIFACT.key]);
    assert.match(show.out, /^Artifact\(.*is_latest=True, is_locked=False.*uid='9K1dteZ6Qx0EXK8g0000'/);
    const d = await run(['describe', target, '--uid', GUIDE_ARTIFACT.uid, '--json']);
    assert.equal(JSON.parse(d.out).labels.length, 5);
  });

  it('errors: clear message, exit code 1 (2 for usage), nothing printed on stdout', async () => {
    const missing = await run(['sync', source, join(dir, 'nope'), '--key', 'x']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /^error: No file, folder or instance named/);
    const unknown = await run(['sync', source, target, '--uid', 'NoSuchUid0000000']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /No record with uid 'NoSuchUid0000000'/);
    const usage = await run(['sync', source, target, 'extra']);
    assert.equal(usage.code, 2);
    assert.equal((await run(['frobnicate'])).code, 2);
  });
});
