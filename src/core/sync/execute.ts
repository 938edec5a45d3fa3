import { tableDisplayName } from '../schema/registries';
import { CompiledQuery, sql, type Kysely, type QueryResult } from 'kysely';
import { checkViolationError, nullValueError } from '../instance/constraint-errors';
import { redactLocation } from '../instance/redact';
import { LaminSyncError, quoteValue } from '../errors';
import { chunk, inList, LIST_PARAMETER_CHUNK } from '../instance/batch';
import type { Instance, WriteSession } from '../instance/types';
import { testPause } from '../test-hooks';
import { pgArrayLiteral } from '../instance/pg-array';
import { convertValue, valueKind, type ValueKind } from '../instance/values';
import { arrayTypeOf, quoteIdentifier } from '../schema/column-types';
import { findRun, finishRuns, prepareWriteContext, type ContextOptions, type WriteContext } from './context';
import { checksForeignKeysAtOnce, idIsRowid, InsertedRows, missingParent } from './foreign-keys';
import { throwIfAborted } from './plan';
import { plannedReport } from './report';
import type { PlannedRow, SyncPlan, SyncProgress, SyncResult } from './types';

export interface ExecuteOptions extends ContextOptions {
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
  /** Told once when another writer holds the target's lock and the sync waits for it. */
  onWait?: (message: string) => void;
  /**
   * The target's write transaction, already holding its lock (`sync` takes it before planning, so
   * that the plan cannot go stale). Without it, executeSync takes the lock itself.
   */
  session?: WriteSession;
}

/**
 * Bound parameters per multi-row INSERT: under Postgres' 65,535; on SQLite far under its 32,766,
 * because preparing a statement costs in proportion to its text while a row costs the same to
 * insert in a statement of 200 rows as in one of 1,000 (measured).
 */
export function maxParameters(instance: Instance): number {
  return instance.dialect === 'sqlite' ? 8_000 : 60_000;
}

interface TableWriter {
  table: string;
  columns: string[];
  /** Per column: how a source value becomes the target's. */
  convert: Array<(v: unknown) => unknown>;
  hasUid: boolean;
  isLink: boolean;
  /**
   * SQLite, `id` the rowid (`integer PRIMARY KEY`): one INSERT's rows get consecutive ids in
   * order (the largest rowid, or the AUTOINCREMENT high-water mark, plus one each), so the
   * statement's last id gives them all and nothing needs to come back. Otherwise `RETURNING`.
   */
  rowidIds: boolean;
  /**
   * Whether the INSERT returns the new ids: where `rowidIds` cannot give them, and the rows have a
   * uid or other transferred rows point at them. Link rows nothing points at return nothing.
   */
  returnsIds: boolean;
  /** Column index → overwritten value source (provenance), or -1. */
  provenance: { createdBy: number; space: number; run: number; transform: number };
  /** Index of each foreign-key column sync rewrites to target ids. */
  columnIndex: Map<string, number>;
  /** INSERT text per row count (the same count reuses the same text, and SQLite's prepared statement). */
  sqlByRows: Map<number, string>;
  /**
   * Postgres: per column the array type its values travel as (`integer[]`, from the target's
   * catalog), for one `INSERT … SELECT * FROM unnest($1::…[], …)` per batch; null where a column
   * type does not fit an array parameter (then multi-row VALUES).
   */
  arrayTypes: string[] | null;
}

/** Rows per `unnest` INSERT on Postgres: one parameter per column, whatever the row count. */
const UNNEST_ROWS = 20_000;

function tableWriter(
  plan: SyncPlan,
  target: Instance,
  table: string,
  sample: PlannedRow,
  pointedAt: () => ReadonlySet<string>,
): TableWriter {
  const info = target.catalog.tables.get(table)!;
  const columns = info.columns
    .filter((c) => c.name !== 'id')
    .filter(
      (c) =>
        Object.prototype.hasOwnProperty.call(sample.values, c.name) ||
        ['created_by_id', 'run_id', 'space_id'].includes(c.name),
    )
    .map((c) => c.name);
  const from = plan.sourceDialect;
  const to = plan.targetDialect;
  const convert = columns.map((name) => {
    const kind: ValueKind = valueKind(info.columnByName.get(name)!);
    // No booleans to normalise (Postgres takes them as they are; SQLite→SQLite has none): values pass as they are.
    if (kind === 'other' && (to === 'postgres' || from === to)) return (v: unknown) => (v === undefined ? null : v);
    if (kind === 'datetime' && from === to) return (v: unknown) => (v === undefined ? null : v);
    return (v: unknown) => convertValue(v, kind, from, to);
  });
  const columnIndex = new Map(columns.map((c, i) => [c, i]));
  const rowidIds = to === 'sqlite' && idIsRowid(info);
  const idx = (c: string) => columnIndex.get(c) ?? -1;
  return {
    table,
    columns,
    convert,
    hasUid: info.columnByName.has('uid'),
    isLink: sample.uid === null,
    rowidIds,
    returnsIds: !rowidIds && (info.columnByName.has('uid') || pointedAt().has(table)),
    provenance: {
      createdBy: idx('created_by_id'),
      space: idx('space_id'),
      run: idx('run_id'),
      transform: table !== 'lamindb_run' ? idx('transform_id') : -1,
    },
    columnIndex,
    sqlByRows: new Map(),
    arrayTypes: to === 'postgres' ? arrayTypes(columns.map((c) => info.columnByName.get(c)!.type)) : null,
  };
}

function arrayTypes(types: string[]): string[] | null {
  const out: string[] = [];
  for (const t of types) {
    const a = arrayTypeOf(t);
    if (!a) return null;
    out.push(a);
  }
  return out;
}

/**
 * `INSERT INTO "table" ("a", "b", …) <rows> [RETURNING "id"[, "uid"]]`: table and columns from
 * the target's catalog; nothing returned where the ids are known in advance (`rowidIds`).
 */
function insertStatement(writer: TableWriter, rows: string, returning: boolean): string {
  return (
    `INSERT INTO ${quoteIdentifier(writer.table)} (${writer.columns.map(quoteIdentifier).join(', ')}) ${rows}` +
    (returning ? ` RETURNING ${writer.hasUid ? '"id", "uid"' : '"id"'}` : '')
  );
}

function unnestSql(writer: TableWriter): string {
  const cached = writer.sqlByRows.get(-1);
  if (cached) return cached;
  const arrays = writer.arrayTypes!.map((t, i) => `$${i + 1}::${t}`).join(', ');
  const text = insertStatement(writer, `SELECT * FROM unnest(${arrays})`, writer.returnsIds);
  writer.sqlByRows.set(-1, text);
  return text;
}

/** Appends the row as the target stores it: provenance re-pointed, foreign keys to target ids, values converted. */
function pushTargetValues(
  row: PlannedRow,
  writer: TableWriter,
  ctx: WriteContext,
  out: unknown[],
): void {
  const src = row.values!;
  const base = out.length;
  const { columns, convert } = writer;
  for (let i = 0; i < columns.length; i++) out.push(convert[i]!(src[columns[i]!]));
  const p = writer.provenance;
  if (p.createdBy >= 0) out[base + p.createdBy] = ctx.userId;
  if (p.space >= 0) out[base + p.space] = ctx.spaceId;
  if (p.run >= 0) {
    // Records point at the transfer run; link rows at the run that started the sync, as in LaminDB.
    out[base + p.run] = writer.isLink || row.contextRun ? (ctx.initiatedByRun?.id ?? null) : ctx.run.id;
    if (p.transform >= 0) out[base + p.transform] = ctx.transform.id;
  }
  const { refs, fks } = row;
  for (let i = 0; i < refs.length; i++) {
    const dep = refs[i];
    if (dep === null) continue;
    const at = writer.columnIndex.get(fks[i]!.column);
    if (typeof dep === 'number' || dep.targetId === null || at === undefined) {
      const what = typeof dep === 'number' ? `${fks[i]!.refTable}#${dep}` : dep.key;
      throw new Error(`internal: ${what} has no target id when writing ${row.key}.${fks[i]!.column}`);
    }
    out[base + at] = dep.targetId;
  }
}

function insertSql(target: Instance, writer: TableWriter, rowCount: number): string {
  let text = writer.sqlByRows.get(rowCount);
  if (text) return text;
  const n = writer.columns.length;
  const tuples: string[] = new Array(rowCount);
  if (target.dialect === 'sqlite') {
    const tuple = `(${new Array(n).fill('?').join(', ')})`;
    tuples.fill(tuple);
  } else {
    let p = 0;
    for (let r = 0; r < rowCount; r++) {
      const ps: string[] = new Array(n);
      for (let c = 0; c < n; c++) ps[c] = `$${++p}`;
      tuples[r] = `(${ps.join(', ')})`;
    }
  }
  text = insertStatement(writer, `VALUES ${tuples.join(', ')}`, writer.returnsIds);
  writer.sqlByRows.set(rowCount, text);
  return text;
}

/**
 * The sync's INSERTs, one in flight at a time. On Postgres the next statement's parameters are
 * built while the server runs the previous one (a statement is only awaited before sending the
 * next, or before building rows that point at the rows it inserts); on SQLite each statement runs
 * to the end at once, as better-sqlite3 does.
 */
class StatementPipeline {
  private inflight: { done: Promise<void>; table: string } | null = null;

  constructor(
    private readonly trx: Kysely<any>,
    private readonly overlap: boolean,
  ) {}

  /** Waits for the statement in flight, if it inserts into one of `tables()` (any when omitted). */
  async waitFor(tables?: () => ReadonlySet<string>): Promise<void> {
    const f = this.inflight;
    if (!f || (tables && !tables().has(f.table))) return;
    this.inflight = null;
    await f.done;
  }

  /** Sends a statement once the one before has finished; `onResult` sees its result. */
  async send(
    table: string,
    query: CompiledQuery,
    onResult: (r: QueryResult<Record<string, unknown>>) => void,
  ): Promise<void> {
    await this.waitFor();
    const done = this.trx.executeQuery<Record<string, unknown>>(query).then(onResult);
    if (!this.overlap) return done;
    // Handled when awaited; until then a failure must not count as unhandled.
    done.catch(() => undefined);
    this.inflight = { done, table };
    // Lets the driver put the statement on the wire before the caller builds the next one.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Tables of the transferred rows that `rows` point at (their ids must be known before `rows` are built). */
function referencedTables(rows: readonly PlannedRow[]): Set<string> {
  const tables = new Set<string>();
  for (const r of rows) {
    for (const dep of r.refs) if (dep !== null && typeof dep === 'object' && dep.action === 'transfer') tables.add(dep.table);
  }
  return tables;
}

async function writeBatch(
  pipeline: StatementPipeline,
  plan: SyncPlan,
  target: Instance,
  rows: PlannedRow[],
  ctx: WriteContext,
  writers: Map<string, TableWriter>,
  newRows: InsertedRows | null,
  pointedAt: () => ReadonlySet<string>,
): Promise<void> {
  const table = rows[0]!.table;
  let writer = writers.get(table);
  if (!writer) writers.set(table, (writer = tableWriter(plan, target, table, rows[0]!, pointedAt)));
  const w = writer;
  const unnest = w.arrayTypes !== null && w.columns.length > 0;
  const perStatement = unnest
    ? UNNEST_ROWS
    : Math.max(1, Math.floor(maxParameters(target) / Math.max(1, w.columns.length)));
  const n = w.columns.length;
  await pipeline.waitFor(() => referencedTables(rows));
  for (const part of chunk(rows, perStatement)) {
    const params: unknown[] = [];
    for (const r of part) pushTargetValues(r, w, ctx, params);
    let query: CompiledQuery;
    if (unnest) {
      // Row-major values → one array per column, each sent as one array literal.
      const arrays: unknown[] = [];
      for (let c = 0; c < n; c++) {
        const col: unknown[] = new Array(part.length);
        for (let r = 0, i = c; r < part.length; r++, i += n) col[r] = params[i];
        arrays.push(pgArrayLiteral(col) ?? col);
      }
      query = CompiledQuery.raw(unnestSql(w), arrays);
    } else {
      query = CompiledQuery.raw(insertSql(target, w, part.length), params);
    }
    await pipeline.send(table, query, ({ rows: inserted, insertId, numAffectedRows }) => {
      if (Number(numAffectedRows) !== part.length && (w.rowidIds || !w.returnsIds)) {
        throw new Error(`internal: inserted ${String(numAffectedRows)} of ${part.length} rows into ${table}`);
      }
      if (!w.returnsIds && !w.rowidIds) return;
      if (w.rowidIds) {
        if (insertId === undefined) throw new Error(`internal: no rowid for the rows inserted into ${table}`);
        const first = Number(insertId) - part.length + 1;
        part.forEach((r, i) => {
          r.targetId = first + i;
        });
        newRows?.note(table, first, Number(insertId), part.length);
      } else if (w.hasUid) {
        const byUid = new Map(inserted.map((r) => [String(r.uid), Number(r.id)]));
        for (const r of part) r.targetId = byUid.get(r.uid!) ?? null;
      } else {
        // Rows without a uid (feature values, links) come back in insert order, as Django's bulk_create relies on.
        part.forEach((r, i) => {
          r.targetId = inserted[i] ? Number(inserted[i]!.id) : null;
        });
      }
    });
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
  const demoted: Record<string, number> = {};
  const updated: Record<string, number> = {};
  let ctx: WriteContext | null = null;
  let writtenAt = started;
  throwIfAborted(options.signal);
  // A named run must exist even when nothing is written (the write path looks it up in its transaction).
  const updates = plan.slotUpdates ?? [];
  if (options.initiatedByRun && total === 0) await findRun(target.db, target, options.initiatedByRun);
  if (total > 0 || updates.length > 0) {
    const write = async (session: WriteSession) => {
      const trx = session.db;
      // SQLite: with the row-by-row foreign-key checks off, the inserted rows are checked at once
      // before the commit (see InsertedRows). Postgres checks at the commit itself.
      const inserted = session.foreignKeysOff ? new InsertedRows() : null;
      // The transform and runs the context creates count as written, as every other row.
      ctx = await prepareWriteContext(trx, target, plan, options, (t, id) => {
        written[t] = (written[t] ?? 0) + 1;
        inserted?.note(t, id, id, 1);
      });
      for (const d of plan.demote) {
        for (const ids of chunk(d.targetIds, LIST_PARAMETER_CHUNK)) {
          const [r] = await trx
            .updateTable(d.table)
            .set({ is_latest: target.dialect === 'sqlite' ? 0 : false })
            .where(inList(target, sql.ref('id'), ids))
            .execute();
          demoted[d.table] = (demoted[d.table] ?? 0) + Number(r?.numUpdatedRows ?? 0);
        }
      }
      let done = 0;
      const writers = new Map<string, TableWriter>();
      // Tables other transferred rows point at (asked only by a writer that cannot know its ids without RETURNING).
      let pointed: Set<string> | null = null;
      const pointedAt = () => (pointed ??= referencedTables(plan.insertOrder.flat()));
      const pipeline = new StatementPipeline(trx, target.dialect === 'postgres');
      try {
        for (const batch of plan.insertOrder) {
          // A signal (Ctrl-C) is seen between batches: SQLite's statements run to their end at once.
          if (options.signal) await new Promise<void>((resolve) => setImmediate(resolve));
          await testPause('batch');
          throwIfAborted(options.signal);
          const table = batch[0]!.table;
          options.onProgress?.({ stage: 'write', done, total, message: `Writing ${batch.length} × ${tableDisplayName(table, batch[0]!.reportable)}` });
          await writeBatch(pipeline, plan, target, batch, ctx, writers, inserted, pointedAt);
          written[table] = (written[table] ?? 0) + batch.length;
          done += batch.length;
        }
      } catch (e) {
        // A statement a failure or cancel left in flight ends before the rollback; the first error is the one told.
        await pipeline.waitFor().catch(() => undefined);
        throw e;
      }
      await pipeline.waitFor();
      // Slots the target holds with another schema point at the rebuilt one, as LaminDB re-points them.
      for (const u of updates) {
        if (u.schema.targetId === null) throw new Error(`internal: the schema of slot ${u.slot} has no target id`);
        await trx
          .updateTable(u.table)
          .set({
            [u.column]: u.schema.targetId,
            ...(target.catalog.tables.get(u.table)?.columnByName.has('run_id') ? { run_id: ctx.initiatedByRun?.id ?? null } : {}),
          })
          .where('id', '=', u.targetLinkId)
          .execute();
        updated[u.table] = (updated[u.table] ?? 0) + 1;
      }
      throwIfAborted(options.signal);
      writtenAt = Date.now();
      await finishRuns(trx, target, ctx);
      await inserted?.check(trx, target);
      await session.beforeCommit?.();
      // The last chance to cancel: after this the commit is sent.
      if (options.signal) await new Promise<void>((resolve) => setImmediate(resolve));
      throwIfAborted(options.signal);
    };
    try {
      if (options.session) await write(options.session);
      else {
        await target.withWriteLock(write, {
          foreignKeysOff: checksForeignKeysAtOnce(target),
          ...(options.signal ? { signal: options.signal } : {}),
          ...(options.onWait ? { onWait: options.onWait } : {}),
        });
      }
    } catch (e) {
      // Target ids handed out inside the rolled-back transaction are void.
      for (const row of plan.rows.values()) if (row.action === 'transfer') row.targetId = null;
      throw translateWriteError(e, target);
    }
  }
  const finished = Date.now();
  options.onProgress?.({ stage: 'done', done: total, total, message: 'Done' });
  const c = ctx as WriteContext | null;
  const report = plannedReport(plan);
  return {
    transferred: report.transferred,
    mapped: report.mapped,
    groups: report.groups,
    transform: c ? { uid: c.transform.uid, key: c.transform.key } : null,
    run: c ? { uid: c.run.uid } : null,
    initiatedByRun: c?.initiatedByRun ? { uid: c.initiatedByRun.uid } : null,
    written,
    updated,
    demoted,
    keptLatest: plan.keptLatest,
    durationMs: (plan.planning?.durationMs ?? 0) + finished - started,
    phases: {
      planMs: plan.planning?.durationMs ?? 0,
      writeMs: total > 0 ? writtenAt - started : finished - started,
      commitMs: total > 0 ? finished - writtenAt : 0,
    },
    statements: {
      source: (plan.planning?.statements.source ?? 0) + source.counter.statements - sourceStatements,
      target: (plan.planning?.statements.target ?? 0) + target.counter.statements - targetStatements,
    },
  };
}

/**
 * The unique value the target already holds, from the driver's error: Postgres names the columns
 * and the value (`Key (uid)=(…) already exists.`), SQLite the columns only
 * (`UNIQUE constraint failed: lamindb_artifact.uid`).
 */
function uniqueValue(err: { table?: string; detail?: string; message?: string }): { table?: string; what: string } | null {
  const key = /Key \((.+?)\)=\((.*)\) already exists/.exec(err.detail ?? '');
  if (key) return { ...(err.table ? { table: err.table } : {}), what: `${key[1]} = ${quoteValue(key[2]!)}` };
  const failed = /UNIQUE constraint failed: (.+)$/.exec(err.message ?? '');
  if (!failed) return null;
  const columns = failed[1]!.split(', ');
  const table = columns[0]!.split('.')[0];
  return { ...(table ? { table } : {}), what: `the value of ${columns.map((c) => c.split('.').pop()).join(', ')}` };
}

/**
 * A write error → one line. Integrity errors are explained here, for both dialects (Postgres'
 * connection passes them through untranslated; SQLite's translates NULLs and CHECKs itself and
 * leaves unique values and foreign keys to this); every other driver error was translated by the
 * connection that ran the statement.
 */
function translateWriteError(e: unknown, target: Instance): unknown {
  if (e instanceof LaminSyncError) return e;
  const err = e as { code?: string; message?: string; table?: string; column?: string; constraint?: string; detail?: string };
  const msg = err.message ?? String(e);
  if (err.code === '23505' || err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const u = uniqueValue(err);
    const row = u?.table ? `a ${tableDisplayName(u.table)} row (${u.table})` : 'a row';
    return new LaminSyncError(
      'CONFLICT',
      `Nothing was written: ${target.identity.slug} already holds ${row} with ${u?.what ?? 'a unique value'} that this sync writes (${redactLocation(msg)}). ` +
        'This is not expected: the sync holds the target’s write lock from its plan to its commit, so no other lamin-sync wrote it. ' +
        'If a program other than lamin-sync (lamindb, SQL) writes this target, sync again: it maps what is there; otherwise report it as a lamin-sync bug, with this line.',
      { cause: e },
    );
  }
  // Postgres' deferred checks at the commit (and SQLite's, where they stayed on).
  if (err.code === '23503' || err.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return missingParent(target, `${err.table ? `a ${err.table} row` : 'a row'} of this sync points at a row (${err.detail ?? msg}) that`, e);
  }
  if (err.code === '23502') return nullValueError(`${err.table ?? 'a table'}.${err.column ?? 'a column'}`, target.location, e);
  // LaminDB's is_valid_<model>_type() checks exist on Postgres only.
  if (err.code === '23514') return checkViolationError(err.constraint, target.location, e);
  if (err.code?.startsWith('23')) {
    return new LaminSyncError(
      'CONFLICT',
      `A row written to ${target.location} violates ${err.table ? `a constraint of ${err.table}` : 'a constraint'} ` +
        `(${redactLocation(msg)}${err.detail ? `; ${redactLocation(err.detail)}` : ''}): nothing was written.`,
      { cause: e },
    );
  }
  return e;
}
