import type { Instance } from '../instance/types';
import { isTrue } from '../sync/selection';

export interface StoragePath {
  /** The storage root (`/data/project`, `s3://bucket`). */
  root: string;
  /** Where the artifact's file or folder lives: root + key, or root + `.lamindb/<uid><suffix>`. */
  path: string;
  /** A local path (the root is a folder on this machine). */
  local: boolean;
}

/**
 * Where an artifact's data lives, as LaminDB computes it: `<root>/<key>` for a real key, else
 * `<root>/.lamindb/<uid><suffix>` (artifacts that overwrite versions, such as folders, use the 16-character stem).
 * Null when the record has no storage.
 */
export async function artifactStoragePath(instance: Instance, artifact: Record<string, unknown>): Promise<StoragePath | null> {
  if (artifact.storage_id === null || artifact.storage_id === undefined) return null;
  const storage = await instance.db
    .selectFrom('lamindb_storage')
    .select(['root'])
    .where('id', '=', Number(artifact.storage_id))
    .executeTakeFirst();
  if (!storage) return null;
  const root = String(storage.root).replace(/\/+$/, '');
  const key = artifact.key === null || artifact.key === undefined ? null : String(artifact.key);
  const virtual = artifact._key_is_virtual === undefined ? key === null : isTrue(artifact._key_is_virtual) || key === null;
  const uid = String(artifact.uid ?? '');
  const suffix = String(artifact.suffix ?? '');
  const rel = virtual ? `.lamindb/${isTrue(artifact._overwrite_versions) ? uid.slice(0, 16) : uid}${suffix}` : key!;
  const local = !/^[a-z][a-z0-9+.-]*:\/\//i.test(root);
  return { root, path: `${root}/${rel}`, local };
}
