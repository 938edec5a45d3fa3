import type { Transaction } from 'kysely';
import { LaminSyncError } from '../errors';
import { chunk } from '../instance/batch';
import type { Instance } from '../instance/types';
import { convertValue, valueKind, type ValueKind } from '../instance/values';
import { finishRuns, prepareWriteContext, type ContextOptions, type WriteContext } from './context';
import { throwIfAborted } from './plan';
import { plannedReport } from './report';
import type { PlannedRow, SyncPlan, SyncProgress, SyncResult } from './types';

export interface ExecuteOptions extends ContextOptions {
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
}

/** Bound parameters per INSERT: under SQLite's 32,766 and Postgres' 65,535. */
export function maxParameters(instance: Instance): number {
  return instance.dialect === 'sqlite' ? 30_000 : 60_000;
}

interface TableWriter {
  columns: string[];
  kinds: Map<string, ValueKind>;
  hasUid: boolean;
  isLink: boolean;
}

function tableWriter(target: Instance, table: string, sample: PlannedRow): TableWriter {
  const info = target.catalog.tables.get(table)!;
  const columns = info.columns
    .filter((c) => c.name !== 'id')
    .filter(
      (c) =>
        Object.prototype.hasOwnProperty.call(sample.values, c.name) ||
        ['created_by_id', 'run_id', 'space_id'].includes(c.name),
    )
    .map((c) => c.name);
  const kinds = new Map(info.columns.map((c) => [c.name, valueKind(c)]));
  return { columns, kinds, hasUid: info.columnByName.has('uid'), isLink: sample.uid === null };
}

/** The row as the target stores it: provenance re-pointed, foreign keys to target ids, values converted. */
function targetValues(
  plan: SyncPlan,
  row: PlannedRow,
  writer: TableWriter,
  ctx: WriteContext,
): Record<string, unknown> {
  const src = row.values!;
  const out: Record<string, unknown> = {};
  for (const c of writer.columns) {
    out[c] = convertValue(src[c], writer.kinds.get(c) ?? 'other', plan.sourceDialect, plan.targetDialect);
  }
  if ('created_by_id' in out) out.created_by_id = ctx.userId;
  if ('space_id' in out) out.space_id = ctx.spaceId;
  if ('run_id' in out) {
    // Records point at the transfer run; link rows at the run that started the sync, as in LaminDB.
    out.run_id = writer.isLink ? (ctx.initiatedByRun?.id ?? null) : ctx.run.id;
    if ('transform_id' in out && row.table !== 'lamindb_run') out.transform_id = ctx.transform.id;
  }
  for (const ref of row.refs) {
    const dep = plan.rows.get(ref.key);
    if (!dep || dep.targetId === null) {
      throw new Error(`internal: ${ref.key} has no target id when writing ${row.key}.${ref.column}`);
    }
    out[ref.column] = dep.targetId;
  }
  return out;
}

async function writeBatch(
  trx: Transaction<any>,
  plan: SyncPlan,
  target: Instance,
  keys: string[],
  ctx: WriteContext,
): Promise<void> {
  const rows = keys.map((k) => plan.rows.get(k)!);
  const table = rows[0]!.table;
  const writer = tableWriter(target, table, rows[0]!);
  const perStatement = Math.max(1, Math.floor(maxParameters(target) / Math.max(1, writer.columns.length)));
  for (const part of chunk(rows, perStatement)) {
    const values = part.map((r) => targetValues(plan, r, writer, ctx));
    if (writer.hasUid) {
      const inserted = await trx.insertInto(table).values(values).returning(['id', 'uid']).execute();
      const byUid = new Map(inserted.map((r) => [String(r.uid), Number(r.id)]));
      for (const r of part) r.targetId = byUid.get(r.uid!) ?? null;
    } else {
      // Rows without a uid (feature values, links) come back in insert order, as Django's bulk_create relies on.
      const inserted = await trx.insertInto(table).values(values).returning('id').execute();
      part.forEach((r, i) => {
        r.targetId = inserted[i] ? Number(inserted[i]!.id) : null;
      });
    }
  }
}

/**
 * Writes a plan into the target in one transaction: the transfer transform and run, then every
 * transferred row in dependency order, batched per table. Any error or a cancel rolls it all
 * back. A plan with nothing to transfer writes nothing.
 */
export async function executeSync(
  source: Instance,
  target: Instance,
  plan: SyncPlan,
  options: ExecuteOptions = {},
): Promise<SyncResult> {
  const started = Date.now();
  const sourceStatements = source.counter.statements;
  const targetStatements = target.counter.statements;
  if (target.readOnly) throw new LaminSyncError('READ_ONLY', `${target.identity.slug} was opened read-only.`);
  const total = plan.insertOrder.reduce((n, b) => n + b.length, 0);
  const written: Record<string, number> = {};
  let ctx: WriteContext | null = null;
  throwIfAborted(options.signal);
  if (options.initiatedByRun) await assertRunExists(target, options.initiatedByRun);
  if (total > 0) {
    try {
      await target.db.transaction().execute(async (trx) => {
        ctx = await prepareWriteContext(trx, target, plan, options);
        for (const d of plan.demote) {
          await trx
            .updateTable(d.table)
            .set({ is_latest: target.dialect === 'sqlite' ? 0 : false })
            .where('id', 'in', d.targetIds)
            .execute();
        }
        let done = 0;
        for (const batch of plan.insertOrder) {
          throwIfAborted(options.signal);
          const table = plan.rows.get(batch[0]!)!.table;
          options.onProgress?.({ stage: 'write', done, total, message: `Writing ${batch.length} × ${table}` });
          await writeBatch(trx, plan, target, batch, ctx);
          written[table] = (written[table] ?? 0) + batch.length;
          done += batch.length;
        }
        throwIfAborted(options.signal);
        await finishRuns(trx, target, ctx);
      });
    } catch (e) {
      // Target ids handed out inside the rolled-back transaction are void.
      for (const row of plan.rows.values()) if (row.action === 'transfer') row.targetId = null;
      throw translateWriteError(e, target);
    }
  }
  options.onProgress?.({ stage: 'done', done: total, total, message: 'Done' });
  const c = ctx as WriteContext | null;
  const report = plannedReport(plan);
  return {
    transferred: report.transferred,
    mapped: report.mapped,
    transform: c ? { uid: c.transform.uid, key: c.transform.key } : null,
    run: c ? { uid: c.run.uid } : null,
    initiatedByRun: c?.initiatedByRun ? { uid: c.initiatedByRun.uid } : null,
    written,
    durationMs: Date.now() - started,
    statements: {
      source: source.counter.statements - sourceStatements,
      target: target.counter.statements - targetStatements,
    },
  };
}

async function assertRunExists(target: Instance, uid: string): Promise<void> {
  const r = await target.db.selectFrom('lamindb_run').select('id').where('uid', '=', uid).executeTakeFirst();
  if (!r) {
    throw new LaminSyncError(
      'NOT_FOUND',
      `No run with uid '${uid}' in ${target.identity.slug}: --initiated-by-run names a run of the target.`,
    );
  }
}

function translateWriteError(e: unknown, target: Instance): unknown {
  if (e instanceof LaminSyncError) return e;
  const err = e as { code?: string; message?: string };
  const msg = err.message ?? String(e);
  if (/UNIQUE constraint failed|duplicate key value/i.test(msg)) {
    return new LaminSyncError(
      'INCOMPATIBLE',
      `${target.identity.slug} already holds a different row with the same unique value (${msg}). ` +
        'Nothing was written.',
      { cause: e },
    );
  }
  if (/readonly|read-only/i.test(msg)) {
    return new LaminSyncError('READ_ONLY', `${target.identity.slug} cannot be written: ${msg}`, { cause: e });
  }
  return e;
}
