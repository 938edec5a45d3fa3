import type { Instance } from '../instance/types';
import { listRegistries, type Registry } from '../schema/registries';
import { getRecord } from './records';

export interface FoundObject {
  registry: Registry;
  record: Record<string, unknown>;
  /** How it matched. */
  by: 'uid' | 'key';
}

/**
 * Finds an object in one instance by what a user would paste: a uid (any registry), else a key
 * (Artifact first, then every other registry with a key: Transform, Collection, …). Null if none.
 * Call it per instance to answer "which database holds this object?".
 */
export async function findObject(instance: Instance, text: string): Promise<FoundObject | null> {
  const query = text.trim();
  if (!query) return null;
  if (/^[0-9A-Za-z]{8,20}$/.test(query)) {
    const byUid = await getRecord(instance, { uid: query });
    if (byUid) return { ...byUid, by: 'uid' };
  }
  const keyed = listRegistries(instance.catalog)
    .filter((r) => r.hasKey)
    .sort((a, b) => Number(b.table === 'lamindb_artifact') - Number(a.table === 'lamindb_artifact'));
  for (const r of keyed) {
    const byKey = await getRecord(instance, { registry: r.table, key: query });
    if (byKey) return { ...byKey, by: 'key' };
  }
  return null;
}
