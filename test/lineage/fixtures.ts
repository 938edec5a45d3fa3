// Instances for the lineage tests: a source with the guide's example plus a chain of runs, and a
// target into which the example artifact was synced (transfer transform, transfer run, the CLI's run).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GUIDE_ARTIFACT, seedGuideExample } from '../../src/core/example/guide';
import { insertRecords } from '../../src/core/example/insert';
import { openInstance } from '../../src/core/instance/open';
import type { Dialect, Instance } from '../../src/core/instance/types';
import { initInstance } from '../../src/core/schema/init';
import { annotationPlanner } from '../../src/core/sync/annotations';
import { CLI_TRACKING } from '../../src/core/sync/context';
import { sync } from '../../src/core/sync/index';
import { TEST_PG_URL_ENV, testPostgres } from '../support/postgres';

export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

/** Why a dialect's tests cannot run here, or undefined. */
export function skipReason(dialect: Dialect): string | undefined {
  if (dialect === 'postgres' && !process.env[TEST_PG_URL_ENV]) {
    return `${TEST_PG_URL_ENV} is not set: run the tests through \`node test/run-tests.mjs\` for Postgres`;
  }
  return undefined;
}

export const T = '2025-08-01 10:00:00.000000';

/**
 * A chain: ingest.py run r1 makes `width` raw artifacts and a collection; qc.ipynb run r2 reads them
 * and makes qc.parquet; train.py run r3 reads qc.parquet and makes model.pt; train.py run r4
 * (initiated by r3) reads model.pt and makes predictions.parquet.
 */
export interface Chain {
  raw: string[];
  collection: string;
  qc: string;
  model: string;
  predictions: string;
  runs: { r1: string; r2: string; r3: string; r4: string };
  transforms: { ingest: string; qc: string; train: string };
}

let counter = 0;
function uid(prefix: string, length: number): string {
  const n = (counter++).toString(36).padStart(4, '0');
  return (prefix + 'x'.repeat(length)).slice(0, length - n.length) + n;
}

export async function seedChain(db: Instance, width: number, tag = 'c'): Promise<Chain> {
  const ins = (table: string, rows: Record<string, unknown>[]) => insertRecords(db, table, rows);
  const storage = await db.db.selectFrom('lamindb_storage').select('id').orderBy('id').limit(1).executeTakeFirstOrThrow();
  const storageId = Number(storage.id);
  const tIngest = uid(`${tag}Ingest`, 16);
  const tQc = uid(`${tag}Qcnb`, 16);
  const tTrain = uid(`${tag}Train`, 16);
  const [ti, tq, tt] = await ins('lamindb_transform', [
    { uid: tIngest, key: `${tag}/ingest.py`, kind: 'script', created_at: T },
    { uid: tQc, key: `${tag}/qc.ipynb`, kind: 'notebook', created_at: T },
    { uid: tTrain, key: `${tag}/train.py`, kind: 'script', created_at: T },
  ]);
  const runUids = { r1: uid(`${tag}RunA`, 16), r2: uid(`${tag}RunB`, 16), r3: uid(`${tag}RunC`, 16), r4: uid(`${tag}RunD`, 16) };
  const [r1, r2, r3] = await ins('lamindb_run', [
    { uid: runUids.r1, transform_id: ti, started_at: T, created_at: T },
    { uid: runUids.r2, transform_id: tq, started_at: T, created_at: T },
    { uid: runUids.r3, transform_id: tt, started_at: T, created_at: T },
  ]);
  const [r4] = await ins('lamindb_run', [{ uid: runUids.r4, transform_id: tt, started_at: T, created_at: T, initiated_by_run_id: r3 }]);
  const art = (key: string, run: number) => ({ uid: uid(`${tag}Art`, 20), key: `${tag}/${key}`, suffix: key.slice(key.lastIndexOf('.')), storage_id: storageId, run_id: run, created_at: T, updated_at: T });
  const rawRows = Array.from({ length: width }, (_, i) => art(`raw/${i}.csv`, r1!));
  const rawIds = await ins('lamindb_artifact', rawRows);
  const [colId] = await ins('lamindb_collection', [{ uid: uid(`${tag}Col`, 20), key: `${tag}/raw-collection`, run_id: r1, created_at: T }]);
  const collectionUid = (await db.db.selectFrom('lamindb_collection').select('uid').where('id', '=', colId).executeTakeFirstOrThrow()).uid as string;
  await ins('lamindb_artifact_input_of_runs', rawIds.map((a) => ({ artifact_id: a, run_id: r2 })));
  await ins('lamindb_collection_input_of_runs', [{ collection_id: colId, run_id: r2 }]);
  const qcRow = art('qc.parquet', r2!);
  const [qcId] = await ins('lamindb_artifact', [qcRow]);
  await ins('lamindb_artifact_input_of_runs', [{ artifact_id: qcId, run_id: r3 }]);
  const modelRow = art('model.pt', r3!);
  const [modelId] = await ins('lamindb_artifact', [modelRow]);
  await ins('lamindb_artifact_input_of_runs', [{ artifact_id: modelId, run_id: r4 }]);
  const predRow = art('predictions.parquet', r4!);
  await ins('lamindb_artifact', [predRow]);
  return {
    raw: rawRows.map((r) => r.uid),
    collection: collectionUid,
    qc: qcRow.uid,
    model: modelRow.uid,
    predictions: predRow.uid,
    runs: runUids,
    transforms: { ingest: tIngest, qc: tQc, train: tTrain },
  };
}

export interface Fixture {
  source: Instance;
  target: Instance;
  sourceLocator: string;
  targetLocator: string;
  chain: Chain;
  wideChain: Chain;
  close(): Promise<void>;
}

/** Source (guide example + chains of width 1 and 8) and target (the guide artifact synced into it). */
export async function makeFixture(dialect: Dialect): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'lamin-lineage-'));
  const pg = dialect === 'postgres' ? await testPostgres() : null;
  const init = async (name: string) =>
    initInstance({
      storage: join(dir, name),
      modules: ['bionty'],
      owner: 'testuser',
      name,
      ...(pg ? { db: await pg.createDatabase() } : {}),
    });
  const src = await init('lineage-source');
  const tgt = await init('lineage-target');
  const writer = await openInstance(src.locator, { readOnly: false });
  let chain: Chain;
  let wideChain: Chain;
  try {
    await seedGuideExample(writer);
    chain = await seedChain(writer, 1, 'n');
    wideChain = await seedChain(writer, 8, 'w');
  } finally {
    await writer.close();
  }
  const source = await openInstance(src.locator, { readOnly: true });
  const targetWriter = await openInstance(tgt.locator, { readOnly: false });
  try {
    await sync(source, targetWriter, { keys: [GUIDE_ARTIFACT.key] }, { tracking: CLI_TRACKING, annotationPlanner });
  } finally {
    await targetWriter.close();
  }
  const target = await openInstance(tgt.locator, { readOnly: true });
  return {
    source,
    target,
    sourceLocator: src.locator,
    targetLocator: tgt.locator,
    chain,
    wideChain,
    async close() {
      await source.close();
      await target.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
