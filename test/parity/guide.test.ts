// Parity with the real lamindb 2.9.1, proven on its own output (test/data/reference, written by
// lamindb itself from the same source): lamin-sync runs the same syncs into copies of the same
// starting targets, and the result is compared with lamindb's table by table, and its report
// lines with lamindb's log. The only differences allowed are ALLOWED below, each a deliberate
// choice explained by a line of the README.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileHash } from '../support/instances';
import { ALLOWED_DIFFERENCES, README, assertReportsEqual, compareWithLamindb, withoutExtras } from './allowed';
import { canonical, describeDifference, differences, snapshot, uidsOf } from './compare';
import {
  copyInstances,
  logReportLines,
  logSections,
  open,
  referenceFile,
  runSteps,
  TRACKED_RUN,
  TRACKED_STEPS,
  UNTRACKED_STEPS,
  V1,
} from './support';

describe('parity with lamindb 2.9.1 on the guide (SQLite)', () => {
  it('names every allowed difference in the README', () => {
    for (const a of ALLOWED_DIFFERENCES) assert.ok(README.includes(a.readme), `README explains "${a.name}" (${a.readme})`);
  });

  it('untracked: dataset1 with annotations, small, v1, v2, the Collection into tgt-empty equal lamindb-untracked, and the reports its log', async () => {
    const c = copyInstances('tgt-empty.db.gz');
    const source = await open(c.file('src'), c.settingsDir, true);
    const tgt = await open(c.file('tgt'), c.settingsDir, false);
    const lines = await runSteps(source, tgt, UNTRACKED_STEPS);
    const theirs = await open(referenceFile('lamindb-untracked.db.gz'), c.settingsDir, true);
    const start = await open(referenceFile('tgt-empty.db.gz'), c.settingsDir, true);
    const { unexplained, extras } = await compareWithLamindb(tgt, theirs, [source, start]);
    assert.deepEqual(unexplained, []);
    // The extras are there (so the allowed list is not stale): each kind at least once.
    assert.ok(extras.some((d) => d.table === 'lamindb_jsonvalue'));
    assert.ok(extras.some((d) => d.table === 'bionty_artifactcelltype'));
    assert.ok(extras.some((d) => d.identity === V1));
    assertReportsEqual(UNTRACKED_STEPS, lines, logSections('lamindb-untracked.log'), extras);
    // The reports file holds the same lines (in order, the refused step aside).
    const all = UNTRACKED_STEPS.flatMap((s) => (s.name === 'v1' ? [] : s.name === 'v2' ? logSections('lamindb-untracked.log').get('v2')! : withoutExtras(lines.get(s.name)!, extras)));
    assert.deepEqual(all, readFileSync(join(__dirname, '..', 'data', 'reference', 'lamindb-untracked.reports.txt'), 'utf8').trim().split('\n'));
  });

  it(`tracked: the same inside run ${TRACKED_RUN} (--initiated-by-run) into tgt-tracked-start equal lamindb-tracked`, async () => {
    const c = copyInstances('tgt-tracked-start.db.gz');
    const source = await open(c.file('src'), c.settingsDir, true);
    const tgt = await open(c.file('tgt'), c.settingsDir, false);
    const lines = await runSteps(source, tgt, TRACKED_STEPS, TRACKED_RUN);
    const theirs = await open(referenceFile('lamindb-tracked.db.gz'), c.settingsDir, true);
    const start = await open(referenceFile('tgt-tracked-start.db.gz'), c.settingsDir, true);
    const { unexplained, extras } = await compareWithLamindb(tgt, theirs, [source, start]);
    assert.deepEqual(unexplained, []);
    assert.deepEqual(TRACKED_STEPS.flatMap((s) => withoutExtras(lines.get(s.name)!, extras)), logReportLines('lamindb-tracked.log'));
    // The rebuilt slot schemas point at the tracked run (lamindb's context run), not the transfer run.
    const runs = await tgt.db
      .selectFrom('lamindb_schema as s')
      .innerJoin('lamindb_artifactschema as l', 'l.schema_id', 's.id')
      .innerJoin('lamindb_run as r', 'r.id', 's.run_id')
      .select(['l.slot', 'r.uid'])
      .orderBy('l.slot')
      .execute();
    assert.deepEqual(runs, [{ slot: 'obs', uid: TRACKED_RUN }, { slot: 'var.T', uid: TRACKED_RUN }]);
  });

  it('collection only: its artifacts come first, each reported apart, as in lamindb-collection-only', async () => {
    const c = copyInstances('tgt-empty.db.gz');
    const source = await open(c.file('src'), c.settingsDir, true);
    const tgt = await open(c.file('tgt'), c.settingsDir, false);
    const steps = UNTRACKED_STEPS.filter((s) => s.name === 'coll');
    const lines = await runSteps(source, tgt, steps);
    const theirs = await open(referenceFile('lamindb-collection-only.db.gz'), c.settingsDir, true);
    const start = await open(referenceFile('tgt-empty.db.gz'), c.settingsDir, true);
    const { unexplained } = await compareWithLamindb(tgt, theirs, [source, start]);
    assert.deepEqual(unexplained, []);
    assert.deepEqual(lines.get('coll'), logSections('lamindb-collection-only.log').get('coll'));
  });

  for (const made of ['lamindb-untracked.db.gz', 'lamindb-untracked-twice.db.gz']) {
    it(`re-syncs every step into ${made} (made by lamindb): only the listed extras are written, a second run writes nothing`, async () => {
      const c = copyInstances(made);
      const source = await open(c.file('src'), c.settingsDir, true);
      const tgt = await open(c.file('tgt'), c.settingsDir, false);
      await runSteps(source, tgt, UNTRACKED_STEPS);
      const theirs = await open(referenceFile(made), c.settingsDir, true);
      const { unexplained, extras } = await compareWithLamindb(tgt, theirs, [source, theirs]);
      assert.deepEqual(unexplained, []);
      assert.ok(extras.length > 0);
      const before = fileHash(c.file('tgt'));
      const again = await runSteps(source, tgt, UNTRACKED_STEPS);
      assert.equal(fileHash(c.file('tgt')), before, 'the second run leaves the file byte-identical');
      assert.ok([...again.values()].flat().every((l) => l.startsWith('→ mapped:')), 'everything is mapped');
    });
  }

  it("lamindb's own re-sync of its target adds no row (so neither into ours, whose rows equal its own)", async () => {
    // lamindb-untracked-twice is lamindb re-running every step into lamindb-untracked: it only
    // re-saves the slot schemas (`_aux` '{}'). lamin-sync's rows compare equal to lamindb's
    // (above), so lamindb's re-transfer into a lamin-sync target meets the same rows.
    const once = await open(referenceFile('lamindb-untracked.db.gz'), '/nonexistent', true);
    const twice = await open(referenceFile('lamindb-untracked-twice.db.gz'), '/nonexistent', true);
    const known = uidsOf(await snapshot(once));
    const d = differences(canonical(await snapshot(once), known), canonical(await snapshot(twice), known));
    assert.deepEqual(
      d.map((x) => (x.kind === 'column' ? `${x.table}.${x.column}` : describeDifference(x))),
      ['lamindb_schema._aux', 'lamindb_schema._aux'],
    );
  });
});
