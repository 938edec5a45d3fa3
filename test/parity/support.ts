// The parity suite's instances: copies of the reference instances the real lamindb 2.9.1 wrote
// (test/data/reference, gzipped as they were made), each test on its own copy, with LaminDB's
// settings files pointing at where the copies are.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { openInstance } from '../../src/core/instance/open';
import type { Instance } from '../../src/core/instance/types';
import { annotationPlanner } from '../../src/core/sync/annotations';
import { formatReport } from '../../src/core/sync/report';
import { sync } from '../../src/core/sync/index';
import type { Selection } from '../../src/core/sync/types';
import { tempDir } from '../support/instances';

export const REFERENCE = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'reference');

/** The storage roots the reference instances were made in (their settings files name them). */
const MADE_AT: Record<string, string> = { src: '/tmp/pl/src', tgt: '/tmp/pl/tgt' };

export interface Copies {
  dir: string;
  /** `.lamin` folder with the instances' settings files, paths adjusted to the copies. */
  settingsDir: string;
  /** The SQLite file of an instance copy (`src`, `tgt`). */
  file(name: string): string;
}

/**
 * Copies reference SQLite instances into a fresh folder: `src` from `src.db.gz`, the target
 * `tgt` from `target` (a `.db.gz` in test/data/reference), each at `<dir>/<name>/.lamindb/lamin.db`.
 */
export function copyInstances(target: string): Copies {
  const dir = tempDir('lamin-sync-parity-');
  const settingsDir = join(dir, 'settings', '.lamin');
  mkdirSync(settingsDir, { recursive: true });
  const place = (name: string, gz: string) => {
    const root = join(dir, name);
    mkdirSync(join(root, '.lamindb'), { recursive: true });
    writeFileSync(join(root, '.lamindb', 'lamin.db'), gunzipSync(readFileSync(join(REFERENCE, gz))));
    const env = readFileSync(join(REFERENCE, 'settings', `instance--anonymous--${name}.env`), 'utf8');
    writeFileSync(join(settingsDir, `instance--anonymous--${name}.env`), env.split(MADE_AT[name]!).join(root));
  };
  place('src', 'src.db.gz');
  place('tgt', target);
  return { dir, settingsDir, file: (name) => join(dir, name, '.lamindb', 'lamin.db') };
}

/** A reference instance as it is (read-only), unzipped into its own folder. */
export function referenceFile(gz: string): string {
  const dir = tempDir('lamin-sync-reference-');
  const file = join(dir, 'lamin.db');
  writeFileSync(file, gunzipSync(readFileSync(join(REFERENCE, gz))));
  return file;
}

const opened = new Set<Instance>();
after(async () => {
  for (const i of opened) await i.close();
});

/** Opens an instance (a file or a Postgres URL) with these settings; closed after the test file unless `close`d before. */
export async function open(file: string, settingsDir: string, readOnly: boolean): Promise<Instance> {
  const i = await openInstance(file, { readOnly, settingsDir });
  opened.add(i);
  return i;
}

export async function close(i: Instance): Promise<void> {
  opened.delete(i);
  await i.close();
}

/** One step of the reference scripts: what lamindb was asked to save. */
export interface Step {
  name: string;
  selection: Selection;
  annotations?: boolean;
}

export const DATASET1 = 'example_datasets/mini_immuno/dataset1.h5ad';
export const V1 = 'ogi0BoTsMsSEtGYa0000';
export const V2 = 'ogi0BoTsMsSEtGYa0001';

/** `scripts/t1_transfer_lamindb.py`: dataset1 with annotations, small, v1 (not the latest version), v2, the Collection. */
export const UNTRACKED_STEPS: Step[] = [
  { name: 'dataset1', selection: { keys: [DATASET1] }, annotations: true },
  { name: 'small', selection: { keys: ['example_datasets/small.csv'] } },
  { name: 'v1', selection: { uids: [V1] } },
  { name: 'v2', selection: { uids: [V2] } },
  { name: 'coll', selection: { registry: 'Collection', keys: ['example_collections/mini_immuno_and_small'] } },
];

/** `scripts/t1t_pair.py`: the same inside the target user's tracked run, without v1. */
export const TRACKED_STEPS: Step[] = UNTRACKED_STEPS.filter((s) => s.name !== 'v1');
export const TRACKED_RUN = 'L0Ykhy61z5Lry6Sr';

/** Runs the steps as lamin-sync syncs (the engine, as the CLI and the editor call it); the report lines per step. */
export async function runSteps(
  source: Instance,
  target: Instance,
  steps: readonly Step[],
  initiatedByRun?: string,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const step of steps) {
    const { result } = await sync(source, target, step.selection, {
      annotations: step.annotations ?? false,
      annotationPlanner,
      ...(initiatedByRun ? { initiatedByRun } : {}),
    });
    out.set(step.name, formatReport(result));
  }
  return out;
}

/** lamindb's log: per `=== step` section its `→ mapped:` / `→ transferred:` lines and any `EXCEPTION` line. */
export function logSections(log: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of readFileSync(join(REFERENCE, log), 'utf8').split('\n')) {
    const m = /^=== (\S+)/.exec(line);
    if (m) out.set(m[1]!, (current = []));
    else if (current && /^(→ (mapped|transferred):|EXCEPTION )/.test(line)) current.push(line);
  }
  return out;
}

/** All report lines of a log without sections. */
export function logReportLines(log: string): string[] {
  return readFileSync(join(REFERENCE, log), 'utf8').split('\n').filter((l) => /^→ (mapped|transferred):/.test(l));
}
