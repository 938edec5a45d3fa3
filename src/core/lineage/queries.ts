import { sql, type AliasedRawBuilder, type RawBuilder, type SelectQueryBuilder } from 'kysely';
import { inList } from '../instance/batch';
import { hasColumn } from '../instance/catalog';
import type { Instance } from '../instance/types';

/**
 * The statements lineage sends. Each call is ONE statement (a UNION ALL of its parts), however
 * many ids it is given: a hop of the graph walk costs at most one entity and one run statement.
 * Table and column names come from the instance's catalog; ids are parameters.
 */
export type EntityKind = 'artifact' | 'collection';

export const ENTITY_TABLE: Record<EntityKind, string> = {
  artifact: 'lamindb_artifact',
  collection: 'lamindb_collection',
};
/** LaminDB's `input_of_runs` many-to-many tables and their entity column. */
export const INPUT_LINK: Record<EntityKind, { table: string; column: string }> = {
  artifact: { table: 'lamindb_artifact_input_of_runs', column: 'artifact_id' },
  collection: { table: 'lamindb_collection_input_of_runs', column: 'collection_id' },
};

export interface EntityRow {
  kind: EntityKind;
  id: number;
  uid: string;
  key: string | null;
  description: string | null;
  createdAt: string | null;
  suffix: string | null;
  runId: number | null;
  /** The run this row was reached through (input-of queries). */
  viaRunId: number | null;
}

export interface TransformRow {
  id: number;
  uid: string;
  key: string | null;
  description: string | null;
  kind: string | null;
  createdAt: string | null;
}

export interface RunRow {
  id: number;
  uid: string;
  name: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  createdAt: string | null;
  status: number | null;
  initiatedByRunId: number | null;
  transform: TransformRow | null;
  /** What the row was reached through (consumer/initiated/of-transform queries). */
  via: { kind: 'artifact' | 'collection' | 'run' | 'transform'; id: number } | null;
}

export type EntityPart =
  | { kind: EntityKind; mode: 'byId'; ids: number[] }
  | { kind: EntityKind; mode: 'outputsOf'; runIds: number[] }
  | { kind: EntityKind; mode: 'inputsOf'; runIds: number[] };

export type RunPart =
  | { mode: 'byId'; ids: number[] }
  | { mode: 'consumersOf'; kind: EntityKind; ids: number[] }
  | { mode: 'initiatedBy'; runIds: number[] }
  | { mode: 'ofTransform'; transformIds: number[] };

type AnySelect = SelectQueryBuilder<any, any, any>;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const str = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  return String(v);
};

/** `alias.column AS as`, or `NULL AS as` where an older schema lacks the column. */
function pick(instance: Instance, table: string, alias: string, column: string, as = column): AliasedRawBuilder<unknown, string> {
  return (hasColumn(instance.catalog, table, column) ? sql<unknown>`${sql.ref(`${alias}.${column}`)}` : sql<unknown>`NULL`).as(as);
}

function hasTable(instance: Instance, table: string): boolean {
  return instance.catalog.tables.has(table);
}

function entitySelection(instance: Instance, kind: EntityKind, viaRun: RawBuilder<unknown> | null) {
  const t = ENTITY_TABLE[kind];
  return [
    sql.lit(kind).as('kind'),
    pick(instance, t, 'e', 'id'),
    pick(instance, t, 'e', 'uid'),
    pick(instance, t, 'e', 'key'),
    pick(instance, t, 'e', 'description'),
    pick(instance, t, 'e', 'created_at'),
    pick(instance, t, 'e', 'suffix'),
    pick(instance, t, 'e', 'run_id'),
    (viaRun ?? sql`NULL`).as('via_run_id'),
  ];
}

function unionAll(parts: AnySelect[]): AnySelect | null {
  if (parts.length === 0) return null;
  let q = parts[0]!;
  for (const p of parts.slice(1)) q = q.unionAll(p);
  return q;
}

/** Artifacts and collections by id, as outputs of runs, or as inputs of runs: one statement. */
export async function queryEntities(instance: Instance, parts: EntityPart[], limit: number): Promise<EntityRow[]> {
  const db = instance.db;
  const selects: AnySelect[] = [];
  for (const p of parts) {
    const table = ENTITY_TABLE[p.kind];
    if (!hasTable(instance, table)) continue;
    if (p.mode === 'byId' && p.ids.length > 0) {
      selects.push(db.selectFrom(`${table} as e`).select(entitySelection(instance, p.kind, null)).where(inList(instance, sql.ref('e.id'), p.ids)));
    } else if (p.mode === 'outputsOf' && p.runIds.length > 0 && hasColumn(instance.catalog, table, 'run_id')) {
      selects.push(
        db.selectFrom(`${table} as e`).select(entitySelection(instance, p.kind, sql`${sql.ref('e.run_id')}`)).where(inList(instance, sql.ref('e.run_id'), p.runIds)),
      );
    } else if (p.mode === 'inputsOf' && p.runIds.length > 0) {
      const link = INPUT_LINK[p.kind];
      if (!hasTable(instance, link.table)) continue;
      selects.push(
        db
          .selectFrom(`${link.table} as l`)
          .innerJoin(`${table} as e`, 'e.id', `l.${link.column}`)
          .select(entitySelection(instance, p.kind, sql`${sql.ref('l.run_id')}`))
          .where(inList(instance, sql.ref('l.run_id'), p.runIds)),
      );
    }
  }
  const q = unionAll(selects);
  if (!q) return [];
  const rows = (await q.limit(limit).execute()) as Record<string, unknown>[];
  return rows.map((r) => ({
    kind: r.kind as EntityKind,
    id: Number(r.id),
    uid: String(r.uid),
    key: str(r.key),
    description: str(r.description),
    createdAt: str(r.created_at),
    suffix: str(r.suffix),
    runId: num(r.run_id),
    viaRunId: num(r.via_run_id),
  }));
}

function runSelection(instance: Instance, viaKind: string | null, viaId: RawBuilder<unknown> | null) {
  const r = 'lamindb_run';
  const t = 'lamindb_transform';
  return [
    pick(instance, r, 'r', 'id'),
    pick(instance, r, 'r', 'uid'),
    pick(instance, r, 'r', 'name'),
    pick(instance, r, 'r', 'started_at'),
    pick(instance, r, 'r', 'finished_at'),
    pick(instance, r, 'r', 'created_at'),
    pick(instance, r, 'r', '_status_code', 'status'),
    pick(instance, r, 'r', 'initiated_by_run_id'),
    pick(instance, t, 't', 'id', 't_id'),
    pick(instance, t, 't', 'uid', 't_uid'),
    pick(instance, t, 't', 'key', 't_key'),
    pick(instance, t, 't', 'description', 't_description'),
    pick(instance, t, 't', 'kind', 't_kind'),
    pick(instance, t, 't', 'created_at', 't_created_at'),
    (viaKind === null ? sql`NULL` : sql.lit(viaKind)).as('via_kind'),
    (viaId ?? sql`NULL`).as('via_id'),
  ];
}

/** Runs (with their transform) by id, as consumers of artifacts/collections, initiated by runs, or of transforms: one statement. */
export async function queryRuns(instance: Instance, parts: RunPart[], limit: number): Promise<RunRow[]> {
  const db = instance.db;
  const withTransform = (q: AnySelect) => q.leftJoin('lamindb_transform as t', 't.id', 'r.transform_id');
  const selects: AnySelect[] = [];
  for (const p of parts) {
    if (p.mode === 'byId' && p.ids.length > 0) {
      selects.push(withTransform(db.selectFrom('lamindb_run as r')).select(runSelection(instance, null, null)).where(inList(instance, sql.ref('r.id'), p.ids)));
    } else if (p.mode === 'consumersOf' && p.ids.length > 0) {
      const link = INPUT_LINK[p.kind];
      if (!hasTable(instance, link.table)) continue;
      const base = db.selectFrom(`${link.table} as l`).innerJoin('lamindb_run as r', 'r.id', 'l.run_id');
      selects.push(
        withTransform(base)
          .select(runSelection(instance, p.kind, sql`${sql.ref(`l.${link.column}`)}`))
          .where(inList(instance, sql.ref(`l.${link.column}`), p.ids)),
      );
    } else if (p.mode === 'initiatedBy' && p.runIds.length > 0 && hasColumn(instance.catalog, 'lamindb_run', 'initiated_by_run_id')) {
      selects.push(
        withTransform(db.selectFrom('lamindb_run as r'))
          .select(runSelection(instance, 'run', sql`${sql.ref('r.initiated_by_run_id')}`))
          .where(inList(instance, sql.ref('r.initiated_by_run_id'), p.runIds)),
      );
    } else if (p.mode === 'ofTransform' && p.transformIds.length > 0) {
      selects.push(
        withTransform(db.selectFrom('lamindb_run as r'))
          .select(runSelection(instance, 'transform', sql`${sql.ref('r.transform_id')}`))
          .where(inList(instance, sql.ref('r.transform_id'), p.transformIds)),
      );
    }
  }
  const q = unionAll(selects);
  if (!q) return [];
  const rows = (await q.limit(limit).execute()) as Record<string, unknown>[];
  return rows.map((r) => ({
    id: Number(r.id),
    uid: String(r.uid),
    name: str(r.name),
    startedAt: str(r.started_at),
    finishedAt: str(r.finished_at),
    createdAt: str(r.created_at),
    status: num(r.status),
    initiatedByRunId: num(r.initiated_by_run_id),
    transform:
      r.t_id === null || r.t_id === undefined
        ? null
        : {
            id: Number(r.t_id),
            uid: String(r.t_uid),
            key: str(r.t_key),
            description: str(r.t_description),
            kind: str(r.t_kind),
            createdAt: str(r.t_created_at),
          },
    via: r.via_kind === null || r.via_kind === undefined ? null : { kind: r.via_kind as 'run', id: Number(r.via_id) },
  }));
}

export async function queryTransform(instance: Instance, id: number): Promise<TransformRow | null> {
  const t = 'lamindb_transform';
  const row = (await instance.db
    .selectFrom(`${t} as t`)
    .select([pick(instance, t, 't', 'id'), pick(instance, t, 't', 'uid'), pick(instance, t, 't', 'key'), pick(instance, t, 't', 'description'), pick(instance, t, 't', 'kind'), pick(instance, t, 't', 'created_at')])
    .where('t.id', '=', id)
    .executeTakeFirst()) as Record<string, unknown> | undefined;
  if (!row) return null;
  return { id: Number(row.id), uid: String(row.uid), key: str(row.key), description: str(row.description), kind: str(row.kind), createdAt: str(row.created_at) };
}

export type RootKind = EntityKind | 'run' | 'transform';
const ROOT_TABLES: Array<[RootKind, string]> = [
  ['artifact', 'lamindb_artifact'],
  ['collection', 'lamindb_collection'],
  ['run', 'lamindb_run'],
  ['transform', 'lamindb_transform'],
];

/**
 * Finds the object a uid or key names, in artifacts, collections, runs and transforms: one
 * statement. By key: artifacts first (the latest version, then the newest), then collections,
 * then transforms.
 */
export async function findRoot(
  instance: Instance,
  ref: { uid?: string; key?: string },
  only?: RootKind,
): Promise<{ kind: RootKind; id: number } | null> {
  const column = ref.uid !== undefined ? 'uid' : 'key';
  const value = ref.uid ?? ref.key;
  if (value === undefined) return null;
  const selects: AnySelect[] = [];
  for (const [kind, table] of ROOT_TABLES) {
    if (only && kind !== only) continue;
    if (!hasTable(instance, table) || !hasColumn(instance.catalog, table, column)) continue;
    selects.push(
      instance.db
        .selectFrom(`${table} as x`)
        .select([sql.lit(kind).as('kind'), pick(instance, table, 'x', 'id'), pick(instance, table, 'x', 'is_latest')])
        .where(`x.${column}`, '=', value),
    );
  }
  const q = unionAll(selects);
  if (!q) return null;
  const rows = (await q.execute()) as Record<string, unknown>[];
  if (rows.length === 0) return null;
  const order = ROOT_TABLES.map(([k]) => k);
  const latest = (v: unknown) => (v === true || v === 1 || v === '1' || v === 't' ? 1 : 0);
  rows.sort(
    (a, b) =>
      order.indexOf(a.kind as RootKind) - order.indexOf(b.kind as RootKind) ||
      latest(b.is_latest) - latest(a.is_latest) ||
      Number(b.id) - Number(a.id),
  );
  return { kind: rows[0]!.kind as RootKind, id: Number(rows[0]!.id) };
}
