// Instances for the real-editor tests, made with the core (as `lamin init` + the guide's example).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { GUIDE_ARTIFACT, GUIDE_SOURCE } from '../../src/core/example/guide';
import { createGuideInstances } from '../../src/core/example/guide-instances';
import { insertRecords } from '../../src/core/example/insert';

export interface Fixtures {
  dir: string;
  /** Storage root and lamin.db of the source (laminlabs/lamindata, listed in LaminDB's settings). */
  sourceRoot: string;
  sourceDb: string;
  /** The default target (anonymous/test-sync, listed in the user settings). */
  targetRoot: string;
  targetDb: string;
  /** A folder to use as LAMIN_SETTINGS_DIR (holds .lamin/instance--laminlabs--lamindata.env). */
  settingsDir: string;
  artifactUid: string;
  artifactKey: string;
  ulabels: number;
}

/**
 * A source like laminlabs/lamindata holding the guide's artifact plus `ulabels` ULabels (a
 * selection large enough to cancel a sync while it runs), and an empty target like test-sync.
 */
export async function makeFixtures(dir: string, ulabels = 120_000): Promise<Fixtures> {
  const { source: src, target: tgt } = await createGuideInstances(dir, async (writer) => {
    await insertRecords(writer, 'lamindb_ulabel', [{ uid: 'e2eTmpl', name: 'e2e-template' }]);
  });
  const sourceRoot = src.storageRoot;
  const targetRoot = tgt.storageRoot;
  // Many ULabels, cloned from one LaminDB-shaped row, in one transaction.
  const raw = new Database(src.location);
  try {
    const tmpl = raw.prepare("SELECT * FROM lamindb_ulabel WHERE uid = 'e2eTmpl'").get() as Record<string, unknown>;
    raw.prepare("DELETE FROM lamindb_ulabel WHERE uid = 'e2eTmpl'").run();
    const cols = Object.keys(tmpl).filter((c) => c !== 'id');
    const insert = raw.prepare(`INSERT INTO lamindb_ulabel (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')})`);
    raw.transaction(() => {
      for (let i = 0; i < ulabels; i++) {
        insert.run({ ...tmpl, uid: `e${i.toString(36).padStart(7, '0')}`, name: `bulk-label-${String(i).padStart(7, '0')}` });
      }
    })();
  } finally {
    raw.close();
  }
  const settingsDir = join(dir, 'lamin-settings');
  mkdirSync(join(settingsDir, '.lamin'), { recursive: true });
  writeFileSync(
    join(settingsDir, '.lamin', `instance--${GUIDE_SOURCE.owner}--${GUIDE_SOURCE.name}.env`),
    [
      `lamindb_instance_owner=${GUIDE_SOURCE.owner}`,
      `lamindb_instance_name=${GUIDE_SOURCE.name}`,
      `lamindb_instance_storage_root=${sourceRoot}`,
      'lamindb_instance_db=null',
      // No id: the instance uid then comes from the instance's own storage row (4XIuR0tvaiXM).
      'lamindb_instance_id=null',
      'lamindb_instance_schema_str=bionty',
      '',
    ].join('\n'),
  );
  return {
    dir,
    sourceRoot,
    sourceDb: src.location,
    targetRoot,
    targetDb: tgt.location,
    settingsDir,
    artifactUid: GUIDE_ARTIFACT.uid,
    artifactKey: GUIDE_ARTIFACT.key,
    ulabels,
  };
}
