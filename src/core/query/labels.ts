import { selectWhereIn } from '../instance/batch';
import type { Instance } from '../instance/types';
import { qualifiedModelName } from '../schema/registries';

function text(v: unknown): string | null {
  return v === null || v === undefined || v === '' ? null : String(v);
}

/** `2026-01-02 10:11:12` from a timestamp as either dialect returns it. */
export function shortTime(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(String(v).replace(' ', 'T'));
  if (Number.isNaN(d.getTime())) return String(v);
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** What a transform is called where a run names it (as the lineage panel does). */
export function transformName(t: { key?: unknown; description?: unknown; uid?: unknown } | undefined): string {
  return (t && (text(t.key) ?? text(t.description) ?? text(t.uid))) ?? 'run';
}

/**
 * The label a record row shows: its key or name where it has one; a run as `transform · started_at`,
 * a storage by its root, a user by handle, an unnamed schema as `itype · n members`; else its uid.
 * `transforms` holds the transforms of runs by id (from `runTransforms`).
 */
export function recordLabel(
  table: string,
  record: Record<string, unknown>,
  transforms: ReadonlyMap<number, Record<string, unknown>> = new Map(),
): string {
  const named = text(record.key) ?? text(record.name);
  if (named) return named;
  switch (table) {
    case 'lamindb_run': {
      const t = record.transform_id === null || record.transform_id === undefined ? undefined : transforms.get(Number(record.transform_id));
      const at = shortTime(record.started_at ?? record.created_at);
      return at ? `${transformName(t)} · ${at}` : transformName(t);
    }
    case 'lamindb_storage':
      if (text(record.root)) return String(record.root);
      break;
    case 'lamindb_user':
      if (text(record.handle)) return String(record.handle);
      break;
    case 'lamindb_schema': {
      const itype = text(record.itype);
      const n = record.n_members === null || record.n_members === undefined ? null : Number(record.n_members);
      const members = n === null ? null : `${n} member${n === 1 ? '' : 's'}`;
      const kind = itype ?? qualifiedModelName(table);
      return members ? `${kind} · ${members}` : kind;
    }
  }
  return text(record.description) ?? String(record.uid);
}

/** The transforms (key, description, uid) of a page of runs, by id: one query. */
export async function runTransforms(instance: Instance, runs: readonly Record<string, unknown>[]): Promise<Map<number, Record<string, unknown>>> {
  const ids = [...new Set(runs.map((r) => r.transform_id).filter((v) => v !== null && v !== undefined).map(Number))];
  if (ids.length === 0) return new Map();
  if (!instance.catalog.tables.has('lamindb_transform')) return new Map();
  const rows = await selectWhereIn(instance, 'lamindb_transform', 'id', ids, ['id', 'key', 'description', 'uid']);
  return new Map(rows.map((r) => [Number(r.id), r]));
}
