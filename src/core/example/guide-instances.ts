import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LaminSyncError } from '../errors';
import { openInstance } from '../instance/open';
import type { Instance } from '../instance/types';
import { initInstance, type InitResult } from '../schema/init';
import { GUIDE_SOURCE, seedGuideExample } from './guide';

/**
 * Whether `root` is what a demo run leaves: an instance with its storage marker, or a half-made
 * one (a run that crashed before the marker was written): an empty folder, or one holding only
 * `.lamindb/` with nothing but the SQLite file (and its journal) in it.
 */
function isDemoLeftover(root: string): boolean {
  if (!statSync(root).isDirectory()) return false;
  const marker = join(root, '.lamindb', 'storage_uid.txt');
  if (existsSync(marker)) return readFileSync(marker, 'utf8').includes('instance_slug=');
  const entries = readdirSync(root);
  if (entries.length === 0) return true;
  if (entries.length !== 1 || entries[0] !== '.lamindb' || !statSync(join(root, '.lamindb')).isDirectory()) return false;
  return readdirSync(join(root, '.lamindb')).every((f) => /^lamin\.db(-journal|-wal|-shm)?$/.test(f));
}

/**
 * The sync guide's two instances under `dir`: `lamindata` (a source like `laminlabs/lamindata`
 * holding the example artifact) and `test-sync` (empty, like `lamin init --storage ./test-sync
 * --modules bionty`). Earlier demo instances there, also half-made ones, are replaced; any other folder is refused.
 * `extra` may add rows to the source before it is closed.
 */
export async function createGuideInstances(
  dir: string,
  extra?: (source: Instance) => Promise<void>,
): Promise<{ source: InitResult; target: InitResult }> {
  const sourceRoot = join(dir, GUIDE_SOURCE.name);
  const targetRoot = join(dir, 'test-sync');
  for (const root of [sourceRoot, targetRoot]) {
    if (!existsSync(root)) continue;
    if (!isDemoLeftover(root)) {
      throw new LaminSyncError('INVALID_ARGUMENT', `${root} exists and is not a demo instance: move it away or pass --dir with another folder.`);
    }
    rmSync(root, { recursive: true, force: true });
  }
  const source = await initInstance({
    storage: sourceRoot,
    modules: ['bionty'],
    owner: GUIDE_SOURCE.owner,
    name: GUIDE_SOURCE.name,
    instanceUid: GUIDE_SOURCE.instanceUid,
  });
  const writer = await openInstance(source.locator, { readOnly: false });
  try {
    await seedGuideExample(writer);
    if (extra) await extra(writer);
  } finally {
    await writer.close();
  }
  const target = await initInstance({ storage: targetRoot, modules: ['bionty'] });
  return { source, target };
}
