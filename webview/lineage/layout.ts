// Layered layout with d3-dag's Sugiyama operator, drawn left (upstream) to right (downstream).
import { coordGreedy, coordSimplex, decrossDfs, decrossTwoLayer, graph as dagGraph, sugiyama, type MutGraphNode } from 'd3-dag';
import type { LineageEdge, LineageNode } from '../../src/shared/protocol';
import { acyclicEdges } from './model';

export const NODE_W = 236;
export const NODE_H = 46;
const GAP: readonly [number, number] = [18, 70];

export interface Placed {
  node: LineageNode;
  /** centre */
  x: number;
  y: number;
}

export interface Layout {
  nodes: Placed[];
  links: Array<{ edge: LineageEdge; points: Array<[number, number]> }>;
  width: number;
  height: number;
}

/**
 * Sugiyama (layering, crossing reduction, coordinates) on the visible graph. Layers run along x.
 * Big graphs get the cheap operators (DFS decrossing, greedy coordinates) to stay interactive.
 */
export function layoutGraph(nodes: readonly LineageNode[], edges: readonly LineageEdge[]): Layout {
  if (nodes.length === 0) return { nodes: [], links: [], width: 0, height: 0 };
  const g = dagGraph<LineageNode, LineageEdge>();
  const byId = new Map<string, MutGraphNode<LineageNode, LineageEdge>>();
  for (const n of nodes) byId.set(n.id, g.node(n));
  const kept = acyclicEdges(nodes, edges);
  for (const e of kept) {
    const s = byId.get(e.source);
    const t = byId.get(e.target);
    if (s && t && s !== t) g.link(s, t, e);
  }
  const big = nodes.length > 120;
  // d3-dag lays layers top to bottom; node size is given across × along the layers, then rotated.
  const layout = sugiyama()
    .nodeSize([NODE_H, NODE_W] as const)
    .gap(GAP)
    .decross(big ? decrossDfs() : decrossTwoLayer())
    .coord(big ? coordGreedy() : coordSimplex());
  const { width, height } = layout(g);
  const placed: Placed[] = [];
  for (const n of g.nodes()) placed.push({ node: n.data, x: n.y, y: n.x });
  const links: Layout['links'] = [];
  for (const l of g.links()) links.push({ edge: l.data, points: l.points.map(([x, y]) => [y, x] as [number, number]) });
  // Edges dropped to break a cycle are still drawn, straight.
  const keptIds = new Set(kept.map((e) => e.id));
  const pos = new Map(placed.map((p) => [p.node.id, p]));
  for (const e of edges) {
    if (keptIds.has(e.id)) continue;
    const s = pos.get(e.source);
    const t = pos.get(e.target);
    if (s && t) links.push({ edge: e, points: [[s.x, s.y], [t.x, t.y]] });
  }
  return { nodes: placed, links, width: height, height: width };
}
