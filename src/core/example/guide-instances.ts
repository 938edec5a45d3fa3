import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openInstance } from '../instance/open';
import type { Instance } from '../instance/types';
import { initInstance, type InitResult } from '../schema/init';
import { GUIDE_SOURCE, seedGuideExample } from './guide';

/**
 * The sync guide's two instances under `dir`: `lamindata` (a source like `laminlabs/lamindata`
 * holding the example artifact) and `test-sync` (empty, like `lamin init --storage ./test-sync
 * --modules bionty`). Earlier demo instances there are replaced; any other folder is refused.
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
    const marker = join(root, '.lamindb', 'storage_uid.txt');
    if (!existsSync(marker) || !readFileSync(marker, 'utf8').includes('instance_slug=')) {
      throw new Error(`${root} exists and is not a demo instance; use another folder.`);
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
