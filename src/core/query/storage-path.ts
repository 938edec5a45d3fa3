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
  const local = !/^[a-z][a-z0-9+.-]*:\/\//i.test(root);
  return { root, path: `${root}/${artifactStorageKey(artifact)}`, local };
}

/**
 * The artifact's path under its storage root, by LaminDB's rule: the key when it is real, else
 * `_real_key`, else `.lamindb/<uid>`; a uid-named path gets the suffix (and loses the version
 * part when the artifact overwrites its versions).
 */
export function artifactStorageKey(artifact: Record<string, unknown>): string {
  const key = artifact.key === null || artifact.key === undefined ? null : String(artifact.key);
  const virtual = artifact._key_is_virtual === undefined ? key === null : isTrue(artifact._key_is_virtual) || key === null;
  const uid = String(artifact.uid ?? '');
  const realKey = artifact._real_key ? String(artifact._real_key) : null;
  let rel = !virtual && key !== null ? key : (realKey ?? `.lamindb/${uid}`);
  if (uid && rel.includes(uid)) {
    if (isTrue(artifact._overwrite_versions)) rel = rel.replace(uid, uid.slice(0, 16));
    rel += String(artifact.suffix ?? '');
  }
  return rel;
}
