import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Locator } from './locator';
import {
  instanceUidFromUuid,
  listInstanceSettings,
  localInstanceUuid,
  type InstanceSettings,
} from './settings';
import type { InstanceIdentity } from './types';

function sameRoot(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

function samePostgres(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return (
      x.hostname === y.hostname &&
      (x.port || '5432') === (y.port || '5432') &&
      x.pathname === y.pathname
    );
  } catch {
    return false;
  }
}

/** The settings file that describes this location, if LaminDB knows it. */
export function settingsFor(locator: Locator, settingsDir?: string): InstanceSettings | null {
  if (locator.settings) return locator.settings;
  const all = listInstanceSettings(settingsDir);
  if (locator.kind === 'postgres') {
    return all.find((s) => s.db !== null && samePostgres(s.db, locator.url)) ?? null;
  }
  const root = locator.storageRoot;
  if (!root) return null;
  return all.find((s) => !s.db && s.storageRoot !== null && sameRoot(s.storageRoot, root)) ?? null;
}

/** `<root>/.lamindb/storage_uid.txt`, which LaminDB writes on init: the instance slug and uid. */
function storageMarker(root: string | null): { slug: string | null; uid: string | null } {
  const file = root ? join(root, '.lamindb', 'storage_uid.txt') : null;
  if (!file || !existsSync(file)) return { slug: null, uid: null };
  const text = readFileSync(file, 'utf8');
  return {
    slug: /instance_slug=([^\s/]+\/[^\s/]+)/.exec(text)?.[1] ?? null,
    uid: /instance_uid=([0-9A-Za-z]{12})/.exec(text)?.[1] ?? null,
  };
}

/**
 * Owner/name and instance uid. The name comes from LaminDB's settings when it knows the instance,
 * else from the storage folder (as `lamin init --storage ./name` names it) or the database name.
 * The uid comes from the settings' instance id, else from the instance's own storage row.
 */
export async function readIdentity(
  db: Kysely<any>,
  locator: Locator,
  settingsDir?: string,
  /** `owner/name` given by the caller: LaminDB names an instance by what the user passed. */
  slug?: string,
): Promise<InstanceIdentity> {
  const settings = settingsFor(locator, settingsDir);
  const storageRoot =
    locator.kind === 'sqlite' ? locator.storageRoot : (settings?.storageRoot ?? null);
  const storages = await db
    .selectFrom('lamindb_storage')
    .select(['root', 'instance_uid'])
    .where('instance_uid', 'is not', null)
    .orderBy('id')
    .execute();
  // The instance's own storage: the SQLite file's folder, else the first storage carrying an instance uid.
  const ownRoot =
    storageRoot ?? (storages.length > 0 ? String(storages[0]!.root) : null);
  const marker = storageMarker(ownRoot && !/^[a-z][a-z0-9+.-]*:\/\//i.test(ownRoot) ? ownRoot : null);
  const [markerOwner, markerName] = marker.slug ? marker.slug.split('/') : [];
  const [slugOwner, slugName] = slug ? slug.split('/') : [];
  const owner = slugOwner || settings?.owner || markerOwner || 'anonymous';
  let name = slugName ?? settings?.name ?? markerName;
  if (!name) {
    if (locator.kind === 'sqlite') {
      name = (storageRoot ? basename(storageRoot) : basename(locator.file, '.db')).toLowerCase();
    } else {
      name = decodeURIComponent(new URL(locator.url).pathname.replace(/^\//, '')) || 'postgres';
    }
  }
  let uid: string | null = settings?.id ? instanceUidFromUuid(settings.id) : null;
  if (!uid) {
    const own = storageRoot ? storages.find((r) => sameRoot(String(r.root), storageRoot)) : undefined;
    uid = own ? String(own.instance_uid) : null;
    if (!uid) uid = marker.uid;
    if (!uid && storages.length > 0) uid = String(storages[0]!.instance_uid);
  }
  if (!uid) {
    // As lamindb-setup derives it for a local instance that the hub does not know.
    uid = instanceUidFromUuid(localInstanceUuid(owner, name));
  }
  return { owner, name, slug: `${owner}/${name}`, uid, storageRoot: storageRoot ?? ownRoot };
}
