import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { GUIDE_ARTIFACT } from '../../src/core/example/guide';
import { expandLineage, lineageGraph, mergeGraphs } from '../../src/core/lineage';
import type { LineageGraph } from '../../src/core/lineage/types';
import { DIALECTS, makeFixture, skipReason, type Fixture } from './fixtures';

const ids = (g: LineageGraph) => new Set(g.nodes.map((n) => n.id));
const edge = (g: LineageGraph, source: string, target: string, kind: string) =>
  g.edges.some((e) => e.source === source && e.target === target && e.kind === kind);

for (const dialect of DIALECTS) {
  describe(`lineage (${dialect})`, { skip: skipReason(dialect) }, () => {
    let f: Fixture;
    before(async () => {
      f = await makeFixture(dialect);
    });
    after(async () => {
      await f?.close();
    });

    test('a synced artifact: transfer run, transfer transform, initiating run, origin instance', async () => {
      const g = await lineageGraph(f.target, { key: GUIDE_ARTIFACT.key });
      const art = `artifact:${GUIDE_ARTIFACT.uid}`;
      assert.equal(g.root, art);
      const srcUid = f.source.identity.uid;
      const transferTransform = g.nodes.find((n) => n.kind === 'transform' && n.key === `__lamindb_transfer__/${srcUid}`);
      assert.ok(transferTransform, 'transfer transform node');
      assert.equal(transferTransform.description, `Transfer from \`${f.source.identity.slug}\``);
      assert.equal(transferTransform.transfer, true);
      const transferRun = g.nodes.find((n) => n.kind === 'run' && n.transfer);
      assert.ok(transferRun, 'transfer run node');
      assert.equal(transferRun.label, `Transfer from ${f.source.identity.slug}`);
      assert.equal(transferRun.up, 1);
      assert.ok(edge(g, transferRun.id, art, 'output'), 'transfer run -> artifact');
      assert.ok(edge(g, transferTransform.id, transferRun.id, 'transform'), 'transfer transform -> its run');
      // initiated_by_run: the CLI's own tracking run.
      const cliRun = g.nodes.find((n) => n.kind === 'run' && n.key === 'lamin-sync');
      assert.ok(cliRun, 'initiating run');
      assert.equal(cliRun.up, 2);
      assert.ok(edge(g, cliRun.id, transferRun.id, 'initiated_by'), 'initiating run -> transfer run');
      assert.ok(g.nodes.some((n) => n.id === 'transform:LaminSyncCLI0000'));
      // origin instance
      const origin = g.nodes.find((n) => n.kind === 'instance');
      assert.ok(origin);
      assert.equal(origin.id, `instance:${srcUid}`);
      assert.equal(origin.label, f.source.identity.slug);
      assert.ok(edge(g, origin.id, art, 'origin'));
      // every edge joins nodes of the graph
      for (const e of g.edges) assert.ok(ids(g).has(e.source) && ids(g).has(e.target), e.id);
      // upstream 1 stops before the initiating run
      const g1 = await lineageGraph(f.target, { uid: GUIDE_ARTIFACT.uid }, { upstream: 1 });
      assert.ok(!g1.nodes.some((n) => n.id === cliRun.id));
      assert.ok(g1.nodes.find((n) => n.id === transferRun.id)?.boundary);
    });

    test('the same artifact in its source: made by a notebook run, no origin', async () => {
      const g = await lineageGraph(f.source, { uid: GUIDE_ARTIFACT.uid });
      const run = g.nodes.find((n) => n.kind === 'run');
      assert.equal(run?.uid, 'wNXyiNV2DrUmjTGZ');
      assert.equal(run?.label, 'create-mini-immuno.ipynb');
      assert.ok(!g.nodes.some((n) => n.kind === 'instance'));
    });

    test('a chain of runs: inputs, outputs, depth limits both ways', async () => {
      const c = f.chain;
      const a = (u: string) => `artifact:${u}`;
      const r = (u: string) => `run:${u}`;
      const g = await lineageGraph(f.source, { uid: c.model }); // defaults: up 2, down 1
      assert.equal(g.upstream, 2);
      assert.equal(g.downstream, 1);
      const main = new Set(g.nodes.filter((n) => !n.decoration).map((n) => n.id));
      assert.deepEqual(main, new Set([a(c.model), r(c.runs.r3), a(c.qc), r(c.runs.r4)]));
      assert.ok(edge(g, a(c.qc), r(c.runs.r3), 'input'));
      assert.ok(edge(g, r(c.runs.r3), a(c.model), 'output'));
      assert.ok(edge(g, a(c.model), r(c.runs.r4), 'input'));
      assert.ok(edge(g, r(c.runs.r3), r(c.runs.r4), 'initiated_by'));
      assert.ok(edge(g, `transform:${c.transforms.train}`, r(c.runs.r3), 'transform'));
      assert.ok(edge(g, `transform:${c.transforms.train}`, r(c.runs.r4), 'transform'));
      assert.equal(g.nodes.find((n) => n.id === r(c.runs.r4))?.down, 1);
      assert.equal(g.nodes.find((n) => n.id === a(c.qc))?.up, 2);
      assert.ok(!ids(g).has(a(c.predictions)), 'downstream 1 stops at the consuming run');

      const deep = await lineageGraph(f.source, { uid: c.model }, { upstream: 5, downstream: 2 });
      const deepIds = ids(deep);
      for (const u of [...c.raw]) assert.ok(deepIds.has(a(u)), `raw ${u}`);
      assert.ok(deepIds.has(`collection:${c.collection}`));
      assert.ok(edge(deep, `collection:${c.collection}`, r(c.runs.r2), 'input'));
      assert.ok(edge(deep, r(c.runs.r1), `collection:${c.collection}`, 'output'));
      assert.ok(deepIds.has(r(c.runs.r1)));
      assert.ok(deepIds.has(a(c.predictions)));
      assert.ok(deepIds.has(`transform:${c.transforms.ingest}`));

      const none = await lineageGraph(f.source, { uid: c.model }, { upstream: 0, downstream: 0 });
      assert.deepEqual([...ids(none)], [a(c.model)]);
    });

    test('roots: a run, a transform, a collection; unknown uid is NOT_FOUND', async () => {
      const c = f.chain;
      const g = await lineageGraph(f.source, { uid: c.runs.r2 }, { upstream: 1, downstream: 1 });
      const i = ids(g);
      assert.ok(i.has(`artifact:${c.raw[0]}`) && i.has(`collection:${c.collection}`) && i.has(`artifact:${c.qc}`));
      const t = await lineageGraph(f.source, { uid: c.transforms.train }, { downstream: 1 });
      assert.equal(t.root, `transform:${c.transforms.train}`);
      assert.ok(ids(t).has(`run:${c.runs.r3}`) && ids(t).has(`run:${c.runs.r4}`));
      const col = await lineageGraph(f.source, { key: `n/raw-collection` });
      assert.equal(col.root, `collection:${c.collection}`);
      assert.ok(ids(col).has(`run:${c.runs.r1}`) && ids(col).has(`run:${c.runs.r2}`));
      await assert.rejects(lineageGraph(f.source, { uid: 'nope' }), (e: Error & { code?: string }) => e.code === 'NOT_FOUND');
    });

    test('expand merges a neighbourhood into the graph', async () => {
      const c = f.chain;
      const g = await lineageGraph(f.source, { uid: c.model });
      const more = await expandLineage(f.source, `artifact:${c.qc}`);
      const merged = mergeGraphs(g, more);
      assert.ok(ids(merged).has(`run:${c.runs.r2}`));
      assert.equal(merged.root, g.root);
      assert.ok(merged.nodes.length > g.nodes.length);
    });

    test('statements per hop are bounded and do not grow with the width of the graph', async () => {
      const count = async (uid: string, up: number, down: number) => {
        const before = f.source.counter.statements;
        const g = await lineageGraph(f.source, { uid }, { upstream: up, downstream: down });
        return { statements: f.source.counter.statements - before, nodes: g.nodes.length };
      };
      const narrow = await count(f.chain.predictions, 6, 2);
      const wide = await count(f.wideChain.predictions, 6, 2);
      assert.ok(wide.nodes > narrow.nodes + 5, 'the wide chain has more nodes');
      assert.equal(wide.statements, narrow.statements, 'same statements, whatever the width');
      // two to find the root, then at most two per hop
      assert.ok(wide.statements <= 2 + 2 * (6 + 2), `statements ${wide.statements}`);
    });
  });
}
