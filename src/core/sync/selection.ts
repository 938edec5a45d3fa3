import { LaminSyncError, quoteValue } from '../errors';
import { selectWhereIn } from '../instance/batch';
import type { Instance } from '../instance/types';
import { substringFilter } from '../query/filter';
import { requireRegistry } from '../query/records';
import { listRegistries, type Registry } from '../schema/registries';
import { rowKey } from './plan-rows';
import type { Selection } from './types';

export interface SelectedRow {
  registry: Registry;
  /** The source row; with `partial`, only its id and the column it is matched on. */
  row: Record<string, unknown>;
  /** A whole registry is read by its match columns first; the planner reads in full only the rows it transfers. */
  partial?: boolean;
}

/** The column a requested object is found by in the target: Storage by root, everything else by uid. */
export function requestedMatchColumn(table: string): string {
  return table === 'lamindb_storage' ? 'root' : 'uid';
}

/**
 * Finds the requested objects in the source, in the order asked. Unknown uids or keys are an
 * error that names each of them: nothing is synced when any is missing.
 */
export async function resolveSelection(source: Instance, sel: Selection): Promise<SelectedRow[]> {
  const uids = sel.uids ?? [];
  const keys = sel.keys ?? [];
  if (!sel.all && uids.length === 0 && keys.length === 0) {
    throw new LaminSyncError('INVALID_ARGUMENT', 'Nothing selected: pass --uid, --key, or --registry R --all.');
  }
  const out: SelectedRow[] = [];
  const seen = new Set<string>();
  const push = (registry: Registry, row: Record<string, unknown>, partial = false): void => {
    const k = rowKey(registry.table, row.id);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(partial ? { registry, row, partial } : { registry, row });
    }
  };

  if (uids.length > 0) {
    const registries = sel.registry
      ? [requireRegistry(source, sel.registry)]
      : listRegistries(source.catalog);
    const found = new Map<string, SelectedRow>();
    for (const registry of registries) {
      const rows = await selectWhereIn(source, registry.table, 'uid', uids);
      for (const row of rows) found.set(String(row.uid), { registry, row });
      if (found.size === uids.length) break;
    }
    const missing = uids.filter((u) => !found.has(u));
    if (missing.length > 0) {
      const where = sel.registry ? `${requireRegistry(source, sel.registry).model} ` : '';
      throw new LaminSyncError(
        'NOT_FOUND',
        `No ${where}record with uid ${missing.map((u) => quoteValue(u)).join(', ')} in ${source.identity.slug}.`,
      );
    }
    for (const u of uids) {
      const f = found.get(u)!;
      push(f.registry, f.row);
    }
  }

  if (keys.length > 0) {
    const registry = requireRegistry(source, sel.registry ?? 'Artifact');
    if (!registry.hasKey) {
      throw new LaminSyncError('INVALID_ARGUMENT', `${registry.model} has no key; select by --uid.`);
    }
    const rows = await selectWhereIn(source, registry.table, 'key', keys);
    // Several versions share a key: take the latest, as `Artifact.get(key=…)` does.
    const byKey = new Map<string, Record<string, unknown>>();
    for (const row of rows) {
      const k = String(row.key);
      const prev = byKey.get(k);
      if (!prev || (registry.versioned && isTrue(row.is_latest) && !isTrue(prev.is_latest))) {
        byKey.set(k, row);
      }
    }
    const missing = keys.filter((k) => !byKey.has(k));
    if (missing.length > 0) {
      throw new LaminSyncError(
        'NOT_FOUND',
        `No ${registry.model} with key ${missing.map((k) => quoteValue(k)).join(', ')} in ${source.identity.slug}.`,
      );
    }
    for (const k of keys) push(registry, byKey.get(k)!);
  }

  if (sel.all) {
    if (!sel.registry) {
      throw new LaminSyncError('INVALID_ARGUMENT', '--all needs --registry (for example --registry Artifact).');
    }
    const registry = requireRegistry(source, sel.registry);
    let q = source.db.selectFrom(registry.table).select([...new Set(['id', 'uid', requestedMatchColumn(registry.table)])]);
    if (sel.filter) {
      const filter = sel.filter;
      const cols = ['uid', 'key', 'name'].filter((c) => registry.info.columnByName.has(c));
      q = q.where((eb) => substringFilter(eb, cols, filter, source.dialect));
    }
    const rows = (await q.orderBy('id').execute()) as Record<string, unknown>[];
    if (sel.filter && rows.length === 0) {
      throw new LaminSyncError(
        'NOT_FOUND',
        `No ${registry.model} in ${source.identity.slug} matches --filter ${quoteValue(sel.filter)} (a substring of its uid, key or name).`,
      );
    }
    for (const row of rows) push(registry, row, true);
  }
  return out;
}

export function isTrue(v: unknown): boolean {
  return v === true || v === 1 || v === '1' || v === 't';
}
