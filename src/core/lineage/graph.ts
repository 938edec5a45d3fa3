import { LaminSyncError } from '../errors';
export { mergeGraphs } from './merge';
import { IN_LIST_CHUNK } from '../instance/batch';
import type { Instance } from '../instance/types';
import {
  findRoot,
  queryEntities,
  queryRuns,
  queryTransform,
  type EntityKind,
  type EntityPart,
  type EntityRow,
  type RootKind,
  type RunPart,
  type RunRow,
  type TransformRow,
} from './queries';
import {
  DEFAULT_DOWNSTREAM,
  DEFAULT_MAX_NODES,
  DEFAULT_UPSTREAM,
  TRANSFER_KEY_PREFIX,
  type LineageEdge,
  type LineageEdgeKind,
  type LineageGraph,
  type LineageNode,
  type LineageNodeKind,
  type LineageOptions,
  type LineageRef,
} from './types';

const KINDS: LineageNodeKind[] = ['artifact', 'collection', 'run', 'transform', 'instance'];

export function nodeId(kind: LineageNodeKind, uid: string): string {
  return `${kind}:${uid}`;
}

export function parseNodeId(id: string): { kind: LineageNodeKind; uid: string } {
  const i = id.indexOf(':');
  const kind = id.slice(0, i) as LineageNodeKind;
  if (i < 1 || !KINDS.includes(kind)) throw new LaminSyncError('INVALID_ARGUMENT', `Not a lineage node id: '${id}'.`);
  return { kind, uid: id.slice(i + 1) };
}

/** `Transfer from \`owner/name\`` → owner/name; the source instance uid from the transfer transform's key. */
export function transferOrigin(t: Pick<TransformRow, 'key' | 'description'>): { uid: string; slug: string } | null {
  if (!t.key || !t.key.startsWith(TRANSFER_KEY_PREFIX)) return null;
  const uid = t.key.slice(TRANSFER_KEY_PREFIX.length);
  const m = /Transfer from `([^`]+)`/.exec(t.description ?? '');
  return { uid, slug: m ? m[1]! : uid };
}

function day(ts: string | null): string {
  return ts ? ts.slice(0, 16).replace('T', ' ') : '';
}

function transformLabel(t: TransformRow | null): string {
  if (!t) return 'run';
  const origin = transferOrigin(t);
  if (origin) return `Transfer from ${origin.slug}`;
  return t.key || t.description || t.uid;
}

type Dist = { up?: number; down?: number };

class GraphBuilder {
  readonly nodes = new Map<string, LineageNode>();
  readonly edges = new Map<string, LineageEdge>();
  readonly entities = new Map<string, EntityRow>(); // `${kind}:${id}`
  readonly runs = new Map<number, RunRow>();
  truncated = false;

  constructor(private readonly maxNodes: number) {}

  private full(): boolean {
    if (this.nodes.size >= this.maxNodes) {
      this.truncated = true;
      return true;
    }
    return false;
  }

  private place(node: LineageNode, dist: Dist): LineageNode | null {
    const existing = this.nodes.get(node.id);
    const target = existing ?? (this.full() ? null : node);
    if (!target) return null;
    if (!existing) this.nodes.set(node.id, target);
    if (dist.up !== undefined) target.up = Math.min(target.up ?? Infinity, dist.up);
    if (dist.down !== undefined) target.down = Math.min(target.down ?? Infinity, dist.down);
    return target;
  }

  entityNodeId(kind: EntityKind, id: number): string | null {
    const row = this.entities.get(`${kind}:${id}`);
    return row ? nodeId(kind, row.uid) : null;
  }

  runNodeId(id: number): string | null {
    const row = this.runs.get(id);
    return row ? nodeId('run', row.uid) : null;
  }

  /** Adds an artifact or collection; returns whether it is new. */
  addEntity(row: EntityRow, dist: Dist): boolean {
    const seen = this.entities.has(`${row.kind}:${row.id}`);
    const placed = this.place(
      {
        id: nodeId(row.kind, row.uid),
        kind: row.kind,
        uid: row.uid,
        label: row.key || row.description || row.uid,
        detail: row.kind === 'artifact' ? `Artifact${row.suffix ? ` · ${row.suffix}` : ''}` : 'Collection',
        key: row.key,
        description: row.description,
        createdAt: row.createdAt,
      },
      dist,
    );
    if (placed && !seen) this.entities.set(`${row.kind}:${row.id}`, row);
    return Boolean(placed) && !seen;
  }

  addTransform(t: TransformRow): string | null {
    const origin = transferOrigin(t);
    const placed = this.place(
      {
        id: nodeId('transform', t.uid),
        kind: 'transform',
        uid: t.uid,
        label: origin ? `Transfer from ${origin.slug}` : t.key || t.description || t.uid,
        detail: `Transform${t.kind ? ` · ${t.kind}` : ''}`,
        key: t.key,
        description: t.description,
        createdAt: t.createdAt,
        decoration: true,
        ...(origin ? { transfer: true } : {}),
      },
      {},
    );
    return placed ? placed.id : null;
  }

  /** Adds a run (and its transform); returns whether it is new. */
  addRun(row: RunRow, dist: Dist): boolean {
    const seen = this.runs.has(row.id);
    const origin = row.transform ? transferOrigin(row.transform) : null;
    const placed = this.place(
      {
        id: nodeId('run', row.uid),
        kind: 'run',
        uid: row.uid,
        label: transformLabel(row.transform),
        detail: `Run${row.startedAt ? ` · ${day(row.startedAt)}` : ''}`,
        key: row.transform?.key ?? null,
        description: row.name ?? row.transform?.description ?? null,
        createdAt: row.createdAt ?? row.startedAt,
        ...(origin ? { transfer: true } : {}),
      },
      dist,
    );
    if (!placed) return false;
    if (!seen) this.runs.set(row.id, row);
    if (row.transform) {
      const t = this.addTransform(row.transform);
      if (t) this.addEdge(t, placed.id, 'transform');
    }
    return !seen;
  }

  addEdge(source: string, target: string, kind: LineageEdgeKind): void {
    if (!this.nodes.has(source) || !this.nodes.has(target)) return;
    const id = `${source}->${target}:${kind}`;
    if (!this.edges.has(id)) this.edges.set(id, { id, source, target, kind });
  }

  /** Edges that follow from rows already loaded: outputs, initiated_by, origins of synced objects. */
  closeEdges(): void {
    for (const row of this.entities.values()) {
      const entityId = nodeId(row.kind, row.uid);
      const run = row.runId !== null ? this.runs.get(row.runId) : undefined;
      if (!run) continue;
      this.addEdge(nodeId('run', run.uid), entityId, 'output');
      const origin = run.transform ? transferOrigin(run.transform) : null;
      if (origin) {
        const inst = this.place(
          {
            id: nodeId('instance', origin.uid),
            kind: 'instance',
            uid: origin.uid,
            label: origin.slug,
            detail: 'Origin instance',
            key: null,
            description: run.transform?.description ?? null,
            createdAt: null,
            decoration: true,
          },
          {},
        );
        if (inst) this.addEdge(inst.id, entityId, 'origin');
      }
    }
    for (const run of this.runs.values()) {
      if (run.initiatedByRunId === null) continue;
      const by = this.runNodeId(run.initiatedByRunId);
      if (by) this.addEdge(by, nodeId('run', run.uid), 'initiated_by');
    }
  }
}

/** Resolves what the caller names (uid, key or node id) to a row id and kind. */
async function resolveRoot(instance: Instance, ref: LineageRef): Promise<{ kind: RootKind; id: number }> {
  let found: { kind: RootKind; id: number } | null = null;
  let what: string;
  if (ref.nodeId) {
    const { kind, uid } = parseNodeId(ref.nodeId);
    if (kind === 'instance') {
      throw new LaminSyncError('UNSUPPORTED', `${uid} is another instance: open that instance to see its lineage.`);
    }
    found = await findRoot(instance, { uid }, kind);
    what = `${kind} with uid '${uid}'`;
  } else if (ref.uid) {
    found = await findRoot(instance, { uid: ref.uid });
    what = `artifact, collection, run or transform with uid '${ref.uid}'`;
  } else if (ref.key) {
    found = await findRoot(instance, { key: ref.key });
    what = `artifact, collection or transform with key '${ref.key}'`;
  } else {
    throw new LaminSyncError('INVALID_ARGUMENT', 'Name the object: a uid or a key.');
  }
  if (!found) throw new LaminSyncError('NOT_FOUND', `No ${what} in ${instance.identity.slug}.`);
  return found;
}

function depth(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) throw new LaminSyncError('INVALID_ARGUMENT', 'A lineage depth is a whole number ≥ 0.');
  return value;
}

/**
 * The lineage graph around one object, `upstream` hops towards its origins and `downstream` hops
 * towards what was made from it. A hop crosses one provenance relation (artifact/collection ↔ run,
 * or run ↔ the run that initiated it); transforms and origin instances come with their runs and
 * objects. Each hop sends at most two statements (one for artifacts and collections, one for runs
 * with their transforms), whatever the number of nodes; finding the object costs two more.
 */
export async function lineageGraph(instance: Instance, ref: LineageRef, options: LineageOptions = {}): Promise<LineageGraph> {
  const upstream = depth(options.upstream, DEFAULT_UPSTREAM);
  const downstream = depth(options.downstream, DEFAULT_DOWNSTREAM);
  const maxNodes = Math.max(1, Math.min(options.maxNodes ?? DEFAULT_MAX_NODES, IN_LIST_CHUNK));
  const limit = maxNodes + 1;
  const b = new GraphBuilder(maxNodes);
  const root = await resolveRoot(instance, ref);

  // The root itself (hop 0).
  let rootNodeId: string;
  let rootEntity: EntityRow | null = null;
  let rootRun: RunRow | null = null;
  let rootTransform: TransformRow | null = null;
  if (root.kind === 'artifact' || root.kind === 'collection') {
    rootEntity = (await queryEntities(instance, [{ kind: root.kind, mode: 'byId', ids: [root.id] }], 1))[0] ?? null;
    if (!rootEntity) throw new LaminSyncError('NOT_FOUND', `The ${root.kind} vanished while reading it.`);
    b.addEntity(rootEntity, { up: 0, down: 0 });
    rootNodeId = nodeId(root.kind, rootEntity.uid);
  } else if (root.kind === 'run') {
    rootRun = (await queryRuns(instance, [{ mode: 'byId', ids: [root.id] }], 1))[0] ?? null;
    if (!rootRun) throw new LaminSyncError('NOT_FOUND', 'The run vanished while reading it.');
    b.addRun(rootRun, { up: 0, down: 0 });
    rootNodeId = nodeId('run', rootRun.uid);
  } else {
    rootTransform = await queryTransform(instance, root.id);
    if (!rootTransform) throw new LaminSyncError('NOT_FOUND', 'The transform vanished while reading it.');
    rootNodeId = b.addTransform(rootTransform)!;
    const node = b.nodes.get(rootNodeId)!;
    delete node.decoration;
    node.up = 0;
    node.down = 0;
  }

  // Upstream: entity → the run that made it; run → its inputs and the run that initiated it.
  let fEntities: EntityRow[] = rootEntity ? [rootEntity] : [];
  let fRuns: RunRow[] = rootRun ? [rootRun] : [];
  for (let hop = 1; hop <= upstream && (fEntities.length > 0 || fRuns.length > 0); hop++) {
    const runIds = new Set<number>();
    for (const e of fEntities) if (e.runId !== null && !b.runs.has(e.runId)) runIds.add(e.runId);
    for (const r of fRuns) if (r.initiatedByRunId !== null && !b.runs.has(r.initiatedByRunId)) runIds.add(r.initiatedByRunId);
    const frontierRunIds = fRuns.map((r) => r.id);
    const entityParts: EntityPart[] = frontierRunIds.length
      ? [
          { kind: 'artifact', mode: 'inputsOf', runIds: frontierRunIds },
          { kind: 'collection', mode: 'inputsOf', runIds: frontierRunIds },
        ]
      : [];
    const inputs = entityParts.length ? await queryEntities(instance, entityParts, limit) : [];
    const runs = runIds.size ? await queryRuns(instance, [{ mode: 'byId', ids: [...runIds] }], limit) : [];
    const nextEntities: EntityRow[] = [];
    const nextRuns: RunRow[] = [];
    for (const e of inputs) {
      if (b.addEntity(e, { up: hop })) nextEntities.push(e);
      const entityId = b.entityNodeId(e.kind, e.id);
      const runId = e.viaRunId !== null ? b.runNodeId(e.viaRunId) : null;
      if (entityId && runId) b.addEdge(entityId, runId, 'input');
    }
    for (const r of runs) if (b.addRun(r, { up: hop })) nextRuns.push(r);
    fEntities = nextEntities;
    fRuns = nextRuns;
  }
  for (const e of fEntities) if (e.runId !== null && !b.runs.has(e.runId)) markBoundary(b, nodeId(e.kind, e.uid));
  for (const r of fRuns) markBoundary(b, nodeId('run', r.uid));

  // Downstream: entity → runs that took it as input; run → its outputs and the runs it initiated;
  // a transform (only as the root) → its runs.
  fEntities = rootEntity ? [rootEntity] : [];
  fRuns = rootRun ? [rootRun] : [];
  let fTransforms: number[] = rootTransform ? [rootTransform.id] : [];
  for (let hop = 1; hop <= downstream && (fEntities.length > 0 || fRuns.length > 0 || fTransforms.length > 0); hop++) {
    const runIds = fRuns.map((r) => r.id);
    const idsOf = (kind: EntityKind) => fEntities.filter((e) => e.kind === kind).map((e) => e.id);
    const outputs = runIds.length
      ? await queryEntities(
          instance,
          [
            { kind: 'artifact', mode: 'outputsOf', runIds },
            { kind: 'collection', mode: 'outputsOf', runIds },
          ],
          limit,
        )
      : [];
    const runParts: RunPart[] = [
      { mode: 'consumersOf', kind: 'artifact', ids: idsOf('artifact') },
      { mode: 'consumersOf', kind: 'collection', ids: idsOf('collection') },
      { mode: 'initiatedBy', runIds },
      { mode: 'ofTransform', transformIds: fTransforms },
    ];
    const runs = await queryRuns(instance, runParts, limit);
    const nextEntities: EntityRow[] = [];
    const nextRuns: RunRow[] = [];
    for (const e of outputs) if (b.addEntity(e, { down: hop })) nextEntities.push(e);
    for (const r of runs) {
      if (b.addRun(r, { down: hop })) nextRuns.push(r);
      const runNode = b.runNodeId(r.id);
      if (!runNode || !r.via) continue;
      if (r.via.kind === 'artifact' || r.via.kind === 'collection') {
        const from = b.entityNodeId(r.via.kind, r.via.id);
        if (from) b.addEdge(from, runNode, 'input');
      }
    }
    fEntities = nextEntities;
    fRuns = nextRuns;
    fTransforms = [];
  }
  for (const e of fEntities) markBoundary(b, nodeId(e.kind, e.uid));
  for (const r of fRuns) markBoundary(b, nodeId('run', r.uid));
  if (fTransforms.length) markBoundary(b, rootNodeId);

  b.closeEdges();
  return {
    instance: { slug: instance.identity.slug, uid: instance.identity.uid },
    root: rootNodeId,
    upstream,
    downstream,
    nodes: [...b.nodes.values()],
    edges: [...b.edges.values()],
    truncated: b.truncated,
  };
}

function markBoundary(b: GraphBuilder, id: string): void {
  const n = b.nodes.get(id);
  if (n) n.boundary = true;
}

/** The neighbours of one node (one hop each way), for the panel's click-to-expand. */
export function expandLineage(instance: Instance, id: string, options: LineageOptions = {}): Promise<LineageGraph> {
  return lineageGraph(instance, { nodeId: id }, { upstream: 1, downstream: 1, ...options });
}
