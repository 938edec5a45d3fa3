import type { LineageGraph, LineageNode } from './types';

/**
 * Merges a graph loaded later (an expansion, a deeper load) into the one on screen: nodes by id,
 * edges by id. The base keeps its root; distances from the base's root are kept where known, and a
 * node that has been expanded (the extra graph's root) is no longer a boundary. Pure: the webview
 * bundles it too.
 */
export function mergeGraphs(base: LineageGraph, extra: LineageGraph): LineageGraph {
  const sameRoot = base.root === extra.root;
  const nodes = new Map<string, LineageNode>(base.nodes.map((n) => [n.id, { ...n }]));
  for (const n of extra.nodes) {
    const have = nodes.get(n.id);
    if (!have) {
      const copy: LineageNode = { ...n };
      if (!sameRoot) {
        delete copy.up;
        delete copy.down;
      }
      nodes.set(n.id, copy);
    } else if (sameRoot) {
      if (n.up !== undefined) have.up = Math.min(have.up ?? Infinity, n.up);
      if (n.down !== undefined) have.down = Math.min(have.down ?? Infinity, n.down);
      if (!n.boundary) delete have.boundary;
    }
  }
  if (!sameRoot) {
    const expanded = nodes.get(extra.root);
    if (expanded) delete expanded.boundary;
  }
  const edges = new Map(base.edges.map((e) => [e.id, e]));
  for (const e of extra.edges) edges.set(e.id, e);
  return {
    ...base,
    upstream: sameRoot ? Math.max(base.upstream, extra.upstream) : base.upstream,
    downstream: sameRoot ? Math.max(base.downstream, extra.downstream) : base.downstream,
    nodes: [...nodes.values()],
    edges: [...edges.values()],
    truncated: base.truncated || extra.truncated,
  };
}
