import { sql } from 'kysely';
import { LaminSyncError } from '../errors';
import type { Instance } from '../instance/types';
import { findRegistry, listRegistries, type Registry } from '../schema/registries';
import { substringFilter } from './filter';

export interface RegistrySummary {
  registry: string;
  table: string;
  app: string;
  count: number;
}

/** Every registry (core and module tables with a uid) and how many records it holds: one query. */
export async function registriesWithCounts(instance: Instance): Promise<RegistrySummary[]> {
  const registries = listRegistries(instance.catalog);
  if (registries.length === 0) return [];
  const parts = registries.map(
    (r) => sql`SELECT ${r.table} AS t, count(*) AS n FROM ${sql.table(r.table)}`,
  );
  const { rows } = await sql<{ t: string; n: number | string }>`${sql.join(parts, sql` UNION ALL `)}`.execute(
    instance.db,
  );
  const counts = new Map(rows.map((r) => [r.t, Number(r.n)]));
  // LaminDB's own registries first, then the modules' (bionty…), each by table name.
  const rank = (r: Registry) => (r.app === 'lamindb' ? 0 : 1);
  return [...registries]
    .sort((a, b) => rank(a) - rank(b) || (a.table < b.table ? -1 : a.table > b.table ? 1 : 0))
    .map((r) => ({ registry: r.model, table: r.table, app: r.app, count: counts.get(r.table) ?? 0 }));
}

export function requireRegistry(instance: Instance, name: string): Registry {
  const r = findRegistry(instance.catalog, name);
  if (!r) {
    throw new LaminSyncError(
      'INVALID_ARGUMENT',
      `${instance.identity.slug} has no registry ${name}. Known: ${listRegistries(instance.catalog)
        .map((x) => x.model)
        .join(', ')}.`,
    );
  }
  return r;
}

export interface ListOptions {
  limit?: number;
  offset?: number;
  /** Substring of uid, key or name (case-insensitive). */
  filter?: string;
}

export interface RecordPage {
  registry: string;
  total: number;
  offset: number;
  records: Record<string, unknown>[];
}

function searchColumns(r: Registry): string[] {
  return ['uid', 'key', 'name', 'description'].filter((c) => r.info.columnByName.has(c));
}

/** A page of records, newest first (created_at, then id), optionally filtered. */
export async function listRecords(instance: Instance, registryName: string, options: ListOptions = {}): Promise<RecordPage> {
  const r = requireRegistry(instance, registryName);
  const limit = Math.max(1, Math.min(options.limit ?? 50, 10_000));
  const offset = Math.max(0, options.offset ?? 0);
  const filter = options.filter?.trim();
  let base = instance.db.selectFrom(r.table);
  if (filter) base = base.where((eb) => substringFilter(eb, searchColumns(r), filter, instance.dialect));
  const totalRow = await base.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst();
  let q = base.selectAll();
  if (r.info.columnByName.has('created_at')) q = q.orderBy('created_at', 'desc');
  const records = (await q.orderBy('id', 'desc').limit(limit).offset(offset).execute()) as Record<string, unknown>[];
  return { registry: r.model, total: Number(totalRow?.n ?? 0), offset, records };
}

export interface RecordRef {
  registry?: string;
  uid?: string;
  key?: string;
}

/** One record by uid (any registry unless one is named) or by key (default registry Artifact); null if none. */
export async function getRecord(
  instance: Instance,
  ref: RecordRef,
): Promise<{ registry: Registry; record: Record<string, unknown> } | null> {
  if (ref.uid) {
    const registries = ref.registry ? [requireRegistry(instance, ref.registry)] : listRegistries(instance.catalog);
    for (const r of registries) {
      const record = await instance.db.selectFrom(r.table).selectAll().where('uid', '=', ref.uid).executeTakeFirst();
      if (record) return { registry: r, record };
    }
    return null;
  }
  if (ref.key) {
    const r = requireRegistry(instance, ref.registry ?? 'Artifact');
    if (!r.hasKey) throw new LaminSyncError('INVALID_ARGUMENT', `${r.model} has no key; look it up by uid.`);
    let q = instance.db.selectFrom(r.table).selectAll().where('key', '=', ref.key);
    if (r.versioned) q = q.orderBy('is_latest', 'desc');
    const record = await q.orderBy('id', 'desc').limit(1).executeTakeFirst();
    return record ? { registry: r, record } : null;
  }
  throw new LaminSyncError('INVALID_ARGUMENT', 'Pass a uid or a key.');
}
