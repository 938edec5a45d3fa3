import { sql, type Kysely } from 'kysely';
import { LaminSyncError } from '../errors';
import { currentUserUid } from '../instance/settings';
import type { Instance } from '../instance/types';
import { inList } from '../instance/batch';
import { nowValue, withModelNulls } from '../instance/values';
import { base62Uid } from './uid';
import type { SyncPlan } from './types';

/** The transform and run a tool records for itself when the caller names no run (like `ln.track()`). */
export interface TrackingSpec {
  /** 16 characters: a 12-character stem + `0000`. */
  transformUid: string;
  key: string;
  description: string;
  kind: string;
}

export const CLI_TRACKING: TrackingSpec = {
  transformUid: 'LaminSyncCLI0000',
  key: 'lamin-sync',
  description: 'lamin-sync command line',
  kind: 'script',
};

export interface ContextOptions {
  /** Uid of a run in the target that started this sync. */
  initiatedByRun?: string;
  /** When no run is named: record one for the tool itself. Without either, initiated_by_run is null. */
  tracking?: TrackingSpec;
  /** Uid of the target user to write as (default: LaminDB's current user if the target has it, else the first user). */
  userUid?: string;
}

/** Who and what the written rows are attributed to in the target. */
export interface WriteContext {
  userId: number;
  spaceId: number;
  transform: { id: number; uid: string; key: string };
  run: { id: number; uid: string };
  initiatedByRun: { id: number; uid: string } | null;
  /** A run the tool opened for this invocation; finished with the sync. */
  trackingRunId: number | null;
}

const RUN_STARTED = -1;
export const RUN_COMPLETED = 0;

/** Told of every row the write context inserts (table, id). */
export type InsertedRow = (table: string, id: number) => void;

async function insertReturningId(
  trx: Kysely<any>,
  target: Instance,
  table: string,
  values: Record<string, unknown>,
  inserted?: InsertedRow,
): Promise<number> {
  const columns = target.catalog.tables.get(table)?.columnByName;
  const row = await trx.insertInto(table).values(withModelNulls(columns, values)).returning('id').executeTakeFirstOrThrow();
  inserted?.(table, Number(row.id));
  return Number(row.id);
}

export async function resolveUser(trx: Kysely<any>, target: Instance, userUid?: string): Promise<number> {
  const uid = userUid ?? currentUserUid();
  if (uid) {
    const u = await trx.selectFrom('lamindb_user').select('id').where('uid', '=', uid).executeTakeFirst();
    if (u) return Number(u.id);
  }
  const first = await trx.selectFrom('lamindb_user').select('id').orderBy('id').limit(1).executeTakeFirst();
  if (!first) {
    throw new LaminSyncError('NOT_LAMINDB', `${target.identity.slug} has no user row; LaminDB writes one on init.`);
  }
  return Number(first.id);
}

async function resolveSpace(trx: Kysely<any>): Promise<number> {
  const s = await trx.selectFrom('lamindb_space').select('id').orderBy('id').limit(1).executeTakeFirst();
  return s ? Number(s.id) : 1;
}

async function findOrCreateTransform(
  trx: Kysely<any>,
  target: Instance,
  spec: { uid: string; key: string; description: string; kind: string },
  userId: number,
  spaceId: number,
  runId: number | null,
  inserted?: InsertedRow,
): Promise<number> {
  const found = await trx.selectFrom('lamindb_transform').select('id').where('uid', '=', spec.uid).executeTakeFirst();
  if (found) return Number(found.id);
  const yes = target.dialect === 'sqlite' ? 1 : true;
  return insertReturningId(trx, target, 'lamindb_transform', {
    uid: spec.uid,
    key: spec.key,
    description: spec.description,
    kind: spec.kind,
    is_latest: yes,
    created_by_id: userId,
    space_id: spaceId,
    run_id: runId,
  }, inserted);
}

async function createRun(
  trx: Kysely<any>,
  target: Instance,
  transformId: number,
  userId: number,
  spaceId: number,
  initiatedBy: number | null,
  inserted?: InsertedRow,
): Promise<{ id: number; uid: string }> {
  const uid = base62Uid(16);
  const id = await insertReturningId(trx, target, 'lamindb_run', {
    uid,
    transform_id: transformId,
    created_by_id: userId,
    space_id: spaceId,
    initiated_by_run_id: initiatedBy,
    started_at: nowValue(target.dialect),
    _status_code: RUN_STARTED,
  }, inserted);
  return { id, uid };
}

/** The target's run with this uid (the run that started a sync); a clear error if there is none. */
export async function findRun(db: Kysely<any>, target: Instance, uid: string): Promise<{ id: number; uid: string }> {
  const r = await db.selectFrom('lamindb_run').select(['id', 'uid']).where('uid', '=', uid).executeTakeFirst();
  if (!r) {
    throw new LaminSyncError(
      'NOT_FOUND',
      `No run with uid '${uid}' in ${target.identity.slug}: --initiated-by-run names a run of the target.`,
    );
  }
  return { id: Number(r.id), uid: String(r.uid) };
}

/**
 * Finds or creates, inside the sync's transaction, the transfer transform
 * (`__lamindb_transfer__/<source uid>`) and its run for this `initiated_by_run`, as LaminDB does.
 */
export async function prepareWriteContext(
  trx: Kysely<any>,
  target: Instance,
  plan: SyncPlan,
  options: ContextOptions,
  inserted?: InsertedRow,
): Promise<WriteContext> {
  const userId = await resolveUser(trx, target, options.userUid);
  const spaceId = await resolveSpace(trx);
  let initiatedByRun: WriteContext['initiatedByRun'] = null;
  let trackingRunId: number | null = null;
  if (options.initiatedByRun) {
    initiatedByRun = await findRun(trx, target, options.initiatedByRun);
  } else if (options.tracking) {
    const t = options.tracking;
    const transformId = await findOrCreateTransform(
      trx,
      target,
      { uid: t.transformUid, key: t.key, description: t.description, kind: t.kind },
      userId,
      spaceId,
      null,
      inserted,
    );
    initiatedByRun = await createRun(trx, target, transformId, userId, spaceId, null, inserted);
    trackingRunId = initiatedByRun.id;
  }
  const transformId = await findOrCreateTransform(
    trx,
    target,
    { ...plan.transfer, kind: 'function' },
    userId,
    spaceId,
    initiatedByRun?.id ?? null,
    inserted,
  );
  let q = trx
    .selectFrom('lamindb_run')
    .select(['id', 'uid'])
    .where('transform_id', '=', transformId)
    .orderBy('id')
    .limit(1);
  q = initiatedByRun
    ? q.where('initiated_by_run_id', '=', initiatedByRun.id)
    : q.where('initiated_by_run_id', 'is', null);
  const existing = await q.executeTakeFirst();
  const run = existing
    ? { id: Number(existing.id), uid: String(existing.uid) }
    : await createRun(trx, target, transformId, userId, spaceId, initiatedByRun?.id ?? null, inserted);
  return {
    userId,
    spaceId,
    transform: { id: transformId, uid: plan.transfer.uid, key: plan.transfer.key },
    run,
    initiatedByRun,
    trackingRunId,
  };
}

/** Marks the transfer run (and the tool's own run) completed, as LaminDB does at the end of a sync. */
export async function finishRuns(trx: Kysely<any>, target: Instance, ctx: WriteContext): Promise<void> {
  const ids = [ctx.run.id, ...(ctx.trackingRunId !== null ? [ctx.trackingRunId] : [])];
  await trx
    .updateTable('lamindb_run')
    .set({ finished_at: nowValue(target.dialect), _status_code: RUN_COMPLETED })
    .where(inList(target, sql.ref('id'), ids))
    .execute();
}
