import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LineageEdge, LineageGraph, LineageNode } from '../../src/shared/protocol';
import { acyclicEdges, distances, matches, nextInDirection, visibleGraph } from '../../webview/lineage/model';

const node = (id: string, extra: Partial<LineageNode> = {}): LineageNode => {
  const [kind, uid] = id.split(':') as [LineageNode['kind'], string];
  return { id, kind, uid, label: uid, detail: kind, key: null, description: null, createdAt: null, ...extra };
};
const edge = (source: string, target: string, kind: LineageEdge['kind']): LineageEdge => ({ id: `${source}->${target}:${kind}`, source, target, kind });

// a0 -> r1 -> a1 -> r2 -> a2 (root) -> r3 -> a3 ; t -> r1, r2 ; i -> a2 (origin)
const graph: LineageGraph = {
  instance: { slug: 'o/n', uid: 'u' },
  root: 'artifact:a2',
  upstream: 4,
  downstream: 2,
  truncated: false,
  nodes: [
    node('artifact:a0'),
    node('run:r1'),
    node('artifact:a1', { key: 'data/qc.parquet' }),
    node('run:r2'),
    node('artifact:a2'),
    node('run:r3'),
    node('artifact:a3'),
    node('transform:t', { decoration: true, label: 'train.py' }),
    node('instance:i', { decoration: true }),
  ],
  edges: [
    edge('artifact:a0', 'run:r1', 'input'),
    edge('run:r1', 'artifact:a1', 'output'),
    edge('artifact:a1', 'run:r2', 'input'),
    edge('run:r2', 'artifact:a2', 'output'),
    edge('artifact:a2', 'run:r3', 'input'),
    edge('run:r3', 'artifact:a3', 'output'),
    edge('transform:t', 'run:r1', 'transform'),
    edge('transform:t', 'run:r2', 'transform'),
    edge('instance:i', 'artifact:a2', 'origin'),
  ],
};
const ids = (v: { nodes: LineageNode[] }) => v.nodes.map((n) => n.id).sort();

describe('webview model', () => {
  test('distances count hops only', () => {
    const { up, down } = distances(graph);
    assert.equal(up.get('run:r2'), 1);
    assert.equal(up.get('artifact:a0'), 4);
    assert.equal(down.get('artifact:a3'), 2);
    assert.equal(up.get('transform:t'), undefined);
  });

  test('depth picks the node set; decorations follow their nodes', () => {
    assert.deepEqual(ids(visibleGraph(graph, { upstream: 0, downstream: 0, expanded: [] })), ['artifact:a2', 'instance:i']);
    assert.deepEqual(ids(visibleGraph(graph, { upstream: 1, downstream: 1, expanded: [] })), ['artifact:a2', 'instance:i', 'run:r2', 'run:r3', 'transform:t']);
    const all = visibleGraph(graph, { upstream: 4, downstream: 2, expanded: [] });
    assert.equal(all.nodes.length, graph.nodes.length);
    assert.equal(all.edges.length, graph.edges.length);
  });

  test('an expanded node shows its neighbours beyond the depth', () => {
    const v = visibleGraph(graph, { upstream: 1, downstream: 0, expanded: ['run:r2'] });
    assert.ok(ids(v).includes('artifact:a1'));
    assert.ok(!ids(v).includes('run:r1'));
  });

  test('search matches label, uid and key, case-insensitively', () => {
    assert.ok(matches(graph.nodes[2]!, 'QC.PAR'));
    assert.ok(matches(graph.nodes[7]!, 'train'));
    assert.ok(!matches(graph.nodes[0]!, 'zzz'));
    assert.ok(!matches(graph.nodes[0]!, '  '));
  });

  test('arrow keys go to the nearest node in that direction', () => {
    const pos = new Map([
      ['a', { x: 0, y: 0 }],
      ['b', { x: 100, y: 0 }],
      ['c', { x: 100, y: 60 }],
      ['d', { x: -100, y: 10 }],
    ]);
    assert.equal(nextInDirection(pos, 'a', 'right'), 'b');
    assert.equal(nextInDirection(pos, 'a', 'left'), 'd');
    assert.equal(nextInDirection(pos, 'b', 'down'), 'c');
    assert.equal(nextInDirection(pos, 'c', 'right'), null);
  });

  test('cycles are broken for the layout', () => {
    const nodes = [{ id: 'x' }, { id: 'y' }];
    const kept = acyclicEdges(nodes, [edge('x', 'y', 'input'), edge('y', 'x', 'output')]);
    assert.equal(kept.length, 1);
  });
});
