/**
 * The lineage graph of one object: plain data (JSON-serializable), shared by the core, the CLI,
 * the extension host and the webview. Edges point the way data flows (upstream → downstream):
 *   input artifact/collection → run (`input`), run → output (`output`),
 *   transform → its run (`transform`: the run *of* that transform),
 *   initiating run → the run it initiated (`initiated_by`: e.g. a notebook's run → a transfer run),
 *   origin instance → a synced object (`origin`: read off the transfer transform).
 */
export type LineageNodeKind = 'artifact' | 'collection' | 'run' | 'transform' | 'instance';
export type LineageEdgeKind = 'input' | 'output' | 'transform' | 'initiated_by' | 'origin';

export interface LineageNode {
  /** `<kind>:<uid>`, stable across instances (integer ids are local and never appear). */
  id: string;
  kind: LineageNodeKind;
  /** The record's uid (for an origin instance: its 12-character instance uid). */
  uid: string;
  /** What to draw: an artifact's key (else description, else uid), a run's transform key, an instance's slug. */
  label: string;
  /** A second line: registry and a short detail (suffix, run start, transform kind). */
  detail: string;
  key: string | null;
  description: string | null;
  createdAt: string | null;
  /** Hops upstream from the root (0 for the root); absent where not reached upstream. */
  up?: number;
  /** Hops downstream from the root (0 for the root). */
  down?: number;
  /** Transforms and origin instances hang off runs and synced objects: shown with them, not counted as hops. */
  decoration?: boolean;
  /** The run or transform of a sync (`__lamindb_transfer__/…`). */
  transfer?: boolean;
  /** Has neighbours beyond the loaded depth (or not asked for): expanding it may add nodes. */
  boundary?: boolean;
}

export interface LineageEdge {
  /** `<source>-><target>:<kind>` */
  id: string;
  source: string;
  target: string;
  kind: LineageEdgeKind;
}

export interface LineageGraph {
  instance: { slug: string; uid: string };
  /** Node id of the object asked for. */
  root: string;
  /** The depths the graph was loaded with. */
  upstream: number;
  downstream: number;
  nodes: LineageNode[];
  edges: LineageEdge[];
  /** True when a node limit cut the graph short. */
  truncated: boolean;
}

export interface LineageRef {
  uid?: string;
  /** A key: an artifact's (latest version), else a collection's, else a transform's. */
  key?: string;
  /** A node id (`artifact:<uid>`, `run:<uid>`…) as the webview sends it. */
  nodeId?: string;
}

export interface LineageOptions {
  /** Hops upstream (default 2). */
  upstream?: number;
  /** Hops downstream (default 1). */
  downstream?: number;
  /** Stop adding nodes past this many (default 500); the graph is then marked truncated. */
  maxNodes?: number;
}

export const DEFAULT_UPSTREAM = 2;
export const DEFAULT_DOWNSTREAM = 1;
export const DEFAULT_MAX_NODES = 500;
/** The transform key prefix LaminDB gives the transform of a sync. */
export const TRANSFER_KEY_PREFIX = '__lamindb_transfer__/';
