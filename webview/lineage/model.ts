// Pure graph logic of the panel (no DOM): which nodes the current depth shows, search matches,
// keyboard moves. Unit-tested in node (test/webview/model.test.ts).
import type { LineageEdge, LineageGraph, LineageNode } from '../../src/shared/protocol';

/** Edges that count as a hop (transforms and origin instances are decorations). */
export const HOP_EDGE_KINDS = new Set(['input', 'output', 'initiated_by']);

/** Hops from the root over the loaded graph: upstream against the edges, downstream along them. */
export function distances(graph: LineageGraph): { up: Map<string, number>; down: Map<string, number> } {
  const forward = new Map<string, string[]>();
  const backward = new Map<string, string[]>();
  for (const e of graph.edges) {
    // A transform's runs are a hop away when the transform itself is what was asked for.
    if (!HOP_EDGE_KINDS.has(e.kind) && !(e.kind === 'transform' && e.source === graph.root)) continue;
    (forward.get(e.source) ?? forward.set(e.source, []).get(e.source)!).push(e.target);
    (backward.get(e.target) ?? backward.set(e.target, []).get(e.target)!).push(e.source);
  }
  const bfs = (adj: Map<string, string[]>) => {
    const dist = new Map<string, number>([[graph.root, 0]]);
    let frontier = [graph.root];
    for (let d = 1; frontier.length; d++) {
      const next: string[] = [];
      for (const id of frontier) {
        for (const n of adj.get(id) ?? []) {
          if (!dist.has(n)) {
            dist.set(n, d);
            next.push(n);
          }
        }
      }
      frontier = next;
    }
    return dist;
  };
  return { up: bfs(backward), down: bfs(forward) };
}

export interface ViewDepth {
  upstream: number;
  downstream: number;
  /** Nodes the user expanded: their neighbours are shown whatever the depth. */
  expanded: Iterable<string>;
}

export interface VisibleGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

/**
 * What to draw: the root, nodes within the depth, neighbours of expanded nodes, and the
 * decorations (transforms, origin instances) of what is shown.
 */
export function visibleGraph(graph: LineageGraph, view: ViewDepth): VisibleGraph {
  const { up, down } = distances(graph);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const show = new Set<string>([graph.root]);
  for (const n of graph.nodes) {
    if (n.decoration) continue;
    if ((up.get(n.id) ?? Infinity) <= view.upstream || (down.get(n.id) ?? Infinity) <= view.downstream) show.add(n.id);
  }
  const expanded = new Set(view.expanded);
  for (const e of graph.edges) {
    if (expanded.has(e.source) && show.has(e.source)) show.add(e.target);
    if (expanded.has(e.target) && show.has(e.target)) show.add(e.source);
  }
  // Decorations come with the nodes they describe.
  for (const e of graph.edges) {
    const source = byId.get(e.source);
    if (source?.decoration && show.has(e.target)) show.add(e.source);
  }
  const nodes = graph.nodes.filter((n) => show.has(n.id));
  const edges = graph.edges.filter((e) => show.has(e.source) && show.has(e.target));
  return { nodes, edges };
}

/** Case-insensitive match on label, uid, key and description. */
export function matches(node: LineageNode, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return false;
  return [node.label, node.uid, node.key, node.description].some((v) => v?.toLowerCase().includes(q));
}

export type Direction = 'left' | 'right' | 'up' | 'down';

/**
 * The node to move to with an arrow key: the nearest one in that direction, favouring nodes
 * straight ahead (the distance across the direction counts double).
 */
export function nextInDirection(
  positions: ReadonlyMap<string, { x: number; y: number }>,
  from: string,
  dir: Direction,
): string | null {
  const p = positions.get(from);
  if (!p) return positions.keys().next().value ?? null;
  let best: string | null = null;
  let bestScore = Infinity;
  for (const [id, q] of positions) {
    if (id === from) continue;
    const dx = q.x - p.x;
    const dy = q.y - p.y;
    const along = dir === 'right' ? dx : dir === 'left' ? -dx : dir === 'down' ? dy : -dy;
    const across = dir === 'left' || dir === 'right' ? Math.abs(dy) : Math.abs(dx);
    if (along <= 0.5) continue;
    const score = along + 2 * across;
    if (score < bestScore) {
      bestScore = score;
      best = id;
    }
  }
  return best;
}

/** Breaks cycles (should a database hold one) so the layered layout can run: drops back edges. */
export function acyclicEdges(nodes: readonly { id: string }[], edges: readonly LineageEdge[]): LineageEdge[] {
  const out = new Map<string, LineageEdge[]>();
  for (const e of edges) (out.get(e.source) ?? out.set(e.source, []).get(e.source)!).push(e);
  const state = new Map<string, 1 | 2>();
  const keep: LineageEdge[] = [];
  const visit = (start: string) => {
    const stack: Array<{ id: string; i: number }> = [{ id: start, i: 0 }];
    state.set(start, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const list = out.get(top.id) ?? [];
      if (top.i >= list.length) {
        state.set(top.id, 2);
        stack.pop();
        continue;
      }
      const e = list[top.i++]!;
      const s = state.get(e.target);
      if (s === 1) continue; // back edge
      keep.push(e);
      if (!s) {
        state.set(e.target, 1);
        stack.push({ id: e.target, i: 0 });
      }
    }
  };
  for (const n of nodes) if (!state.has(n.id)) visit(n.id);
  return keep;
}
