// Compares two LaminDB instances table by table, as the parity suite needs it: rows matched by
// uid (schemas by hash, runs by their transform and order, rows without a uid by their content),
// every column but ids and timestamps, every foreign key resolved to what it points at.
import { sql } from 'kysely';
import type { TableInfo } from '../../src/core/instance/catalog';
import type { Instance } from '../../src/core/instance/types';
import { valueKind } from '../../src/core/instance/values';

export interface Snapshot {
  tables: Map<string, { info: TableInfo; rows: Record<string, unknown>[] }>;
}

/** Every row of every LaminDB table (Django's own bookkeeping tables aside). */
export async function snapshot(instance: Instance): Promise<Snapshot> {
  const tables: Snapshot['tables'] = new Map();
  for (const [name, info] of instance.catalog.tables) {
    if (/^(django_(admin_log|session|content_type)|auth_|sqlite_)/.test(name)) continue;
    const rows = (await instance.db.selectFrom(name).selectAll().orderBy('id').execute().catch(async () => (await sql`SELECT * FROM ${sql.table(name)}`.execute(instance.db)).rows)) as Record<string, unknown>[];
    tables.set(name, { info, rows });
  }
  return { tables };
}

/** The uids each table holds (to tell the uids a sync made up from those it carried over). */
export function uidsOf(...snaps: Snapshot[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const s of snaps) {
    for (const [table, { info, rows }] of s.tables) {
      if (!info.columnByName.has('uid')) continue;
      const set = out.get(table) ?? new Set<string>();
      for (const r of rows) set.add(String(r.uid));
      out.set(table, set);
    }
  }
  return out;
}

export interface CanonicalTable {
  /** identity → the row as compared (JSON text of its compared columns). */
  byIdentity: Map<string, Record<string, unknown>>;
  hasUid: boolean;
}

function normalize(type: string, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'bool' || type === 'boolean') return v === true || v === 1 || v === '1' || v === 't' || v === 'true';
  if (/json/.test(type)) {
    const parsed = typeof v === 'string' ? safeParse(v) : v;
    return stable(parsed);
  }
  if (/int|real|double|numeric|float|decimal/.test(type) && (typeof v === 'string' || typeof v === 'bigint')) return Number(v);
  if (typeof v === 'object' && !(v instanceof Date)) return stable(v);
  return v;
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

function stable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stable);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, stable((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/**
 * The instance as compared: per table, each row under its identity, with ids and timestamps
 * left out, foreign keys replaced by the identity of the row they point at, and uids the sync
 * made up (not in `known`) replaced by `<new uid>`.
 */
export function canonical(snap: Snapshot, known: Map<string, Set<string>>): Map<string, CanonicalTable> {
  const byId = new Map<string, Map<number, Record<string, unknown>>>();
  for (const [table, { rows }] of snap.tables) byId.set(table, new Map(rows.map((r) => [Number(r.id), r])));
  const identities = new Map<string, Map<number, string>>();
  const contents = new Map<string, Map<number, Record<string, unknown>>>();
  const runOrdinal = new Map<number, number>();
  const runs = snap.tables.get('lamindb_run')?.rows ?? [];
  const perTransform = new Map<unknown, number>();
  for (const r of [...runs].sort((a, b) => Number(a.id) - Number(b.id))) {
    const n = perTransform.get(r.transform_id) ?? 0;
    runOrdinal.set(Number(r.id), n);
    perTransform.set(r.transform_id, n + 1);
  }

  const identity = (table: string, id: number, depth = 0): string => {
    const cached = identities.get(table)?.get(id);
    if (cached !== undefined) return cached;
    const entry = snap.tables.get(table);
    const row = byId.get(table)?.get(id);
    let out: string;
    if (!entry || !row) out = `${table}#missing:${id}`;
    else if (table === 'lamindb_schema' && row.hash !== null && row.hash !== undefined) out = `hash:${String(row.hash)}`;
    else if (table === 'lamindb_run') out = `run of ${identity('lamindb_transform', Number(row.transform_id), depth + 1)} #${runOrdinal.get(id)}`;
    else if (entry.info.columnByName.has('uid')) out = String(row.uid);
    else out = JSON.stringify(content(table, id, depth + 1));
    let m = identities.get(table);
    if (!m) identities.set(table, (m = new Map()));
    m.set(id, out);
    return out;
  };

  const content = (table: string, id: number, depth = 0): Record<string, unknown> => {
    const cached = contents.get(table)?.get(id);
    if (cached) return cached;
    if (depth > 20) throw new Error(`foreign keys too deep at ${table}#${id}`);
    const { info } = snap.tables.get(table)!;
    const row = byId.get(table)!.get(id)!;
    const fkOf = new Map(info.foreignKeys.map((fk) => [fk.column, fk]));
    const out: Record<string, unknown> = {};
    for (const c of [...info.columns].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (c.name === 'id' || valueKind(c) === 'datetime') continue;
      const v = row[c.name];
      const fk = fkOf.get(c.name);
      if (fk && v !== null && v !== undefined) {
        out[c.name] = { '→': identity(fk.refTable, Number(v), depth + 1) };
      } else if (c.name === 'uid' && typeof v === 'string' && !known.get(table)?.has(v)) {
        out[c.name] = '<new uid>';
      } else out[c.name] = normalize(c.type, v);
    }
    let m = contents.get(table);
    if (!m) contents.set(table, (m = new Map()));
    m.set(id, out);
    return out;
  };

  const result = new Map<string, CanonicalTable>();
  for (const [table, { info, rows }] of snap.tables) {
    const byIdentity = new Map<string, Record<string, unknown>>();
    const hasUid = info.columnByName.has('uid');
    for (const r of rows) {
      let key = identity(table, Number(r.id));
      // Rows without a uid that are the same twice (a link written twice) stay apart.
      while (byIdentity.has(key)) key += ' (again)';
      byIdentity.set(key, content(table, Number(r.id)));
    }
    result.set(table, { byIdentity, hasUid });
  }
  return result;
}

export type Difference =
  | { kind: 'only-ours'; table: string; identity: string; row: Record<string, unknown> }
  | { kind: 'only-theirs'; table: string; identity: string; row: Record<string, unknown> }
  | { kind: 'column'; table: string; identity: string; column: string; ours: unknown; theirs: unknown };

/** Every difference between our instance and LaminDB's, table by table. */
export function differences(ours: Map<string, CanonicalTable>, theirs: Map<string, CanonicalTable>): Difference[] {
  const out: Difference[] = [];
  const tables = [...new Set([...ours.keys(), ...theirs.keys()])].sort();
  for (const table of tables) {
    const a = ours.get(table)?.byIdentity ?? new Map<string, Record<string, unknown>>();
    const b = theirs.get(table)?.byIdentity ?? new Map<string, Record<string, unknown>>();
    for (const [identity, row] of a) {
      const other = b.get(identity);
      if (!other) {
        out.push({ kind: 'only-ours', table, identity, row });
        continue;
      }
      for (const column of new Set([...Object.keys(row), ...Object.keys(other)])) {
        if (JSON.stringify(row[column]) !== JSON.stringify(other[column])) {
          out.push({ kind: 'column', table, identity, column, ours: row[column], theirs: other[column] });
        }
      }
    }
    for (const [identity, row] of b) if (!a.has(identity)) out.push({ kind: 'only-theirs', table, identity, row });
  }
  return out;
}

export function describeDifference(d: Difference): string {
  if (d.kind === 'column') return `${d.table} ${d.identity}: ${d.column} is ${JSON.stringify(d.ours)} here, ${JSON.stringify(d.theirs)} in lamindb's`;
  return `${d.table}: ${d.kind === 'only-ours' ? 'only lamin-sync wrote' : 'only lamindb wrote'} ${d.identity.slice(0, 300)}`;
}
