import { sql } from 'kysely';
import { LaminSyncError } from '../errors';
import { testPause } from '../test-hooks';
import { chunk, inList, LIST_PARAMETER_CHUNK, selectWhereIn } from '../instance/batch';
import type { Instance } from '../instance/types';
import { instantKey } from '../instance/values';
import {
  BUILTIN_BRANCH_IDS,
  memberLinks,
  orderedForeignKeys,
  modelName,
  registryOf,
  type MemberLink,
  type Registry,
} from '../schema/registries';
import { PlanRow, PlanRows, RowMarks, rowKey } from './plan-rows';
import { checkMigrations, checkTargetCanHold } from './compat';
import { slotUpdateWarning, type SlotUpdate } from './slot-schemas';
import { isTrue, requestedMatchColumn, resolveSelection } from './selection';
import type { FollowedForeignKey, KeptLatest, PlannedRow, RowAction, RowRef, Selection, SyncPlan, SyncProgress } from './types';

export interface PlanOptions {
  /** Also bring features, schemas, labels and their links (`transfer="annotations"`). */
  annotations?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: SyncProgress) => void;
}

/** Columns that sync re-points to the target's own user, run, transform and space. */
const REPOINTED = new Set(['created_by_id', 'run_id', 'space_id']);

/** `target.push(...items)` without the argument-count limit (it overflows the stack past ~125k items). */
export function appendAll<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

/** Replaces an array's contents in place, for any length. */
export function replaceAll<T>(target: T[], items: readonly T[]): void {
  target.length = 0;
  appendAll(target, items);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new LaminSyncError('CANCELLED', 'Sync cancelled. Nothing was written.');
}

/** Lines of the report in order: a row, and whether it reads as transferred or mapped (two arrays, no object per line). */
export class ReportList {
  private rowList: PlannedRow[] = [];
  private actionList: RowAction[] = [];
  private starts: number[] = [];

  /** Where each group of lines starts (LaminDB reports each object it saves apart: a collection's artifacts, then it). */
  get groups(): readonly number[] {
    return this.starts.length > 0 ? this.starts : [0];
  }

  /** The lines pushed from now on form a new group. */
  startGroup(): void {
    const at = this.rowList.length;
    if (this.starts.length === 0 && at > 0) this.starts.push(0);
    if (this.starts[this.starts.length - 1] !== at) this.starts.push(at);
  }

  get rows(): readonly PlannedRow[] {
    return this.rowList;
  }

  get actions(): readonly RowAction[] {
    return this.actionList;
  }

  push(row: PlannedRow, as: RowAction): void {
    this.rowList.push(row);
    this.actionList.push(as);
  }

  append(other: ReportList): void {
    this.rowList = this.rowList.concat(other.rowList);
    this.actionList = this.actionList.concat(other.actionList);
  }
}

/** A link table whose rows travel with their owner (collection members, schema members, labels). */
export interface LinkTraversal {
  link: MemberLink;
  owners: PlannedRow[];
  /** Report the members (annotations report mapped labels too). */
  reportMembers: boolean;
  /**
   * Annotation links: reported by the annotation planner, not under their owner. Those of mapped
   * owners are read by their identity only (id, followed foreign keys, slot) and deferred
   * (`Planner.deferred`): most of them are in the target already and are never planned. Those of
   * transferred owners are read in full and planned at once.
   */
  annotation?: boolean;
  /** Its rows, asked already (`startLinkReads`); read when the closure reaches it otherwise. */
  read?: Promise<LinkRead>;
}

/** The link rows a traversal brings: in full, and (annotations of mapped owners) by their key columns. */
export interface LinkRead {
  full: Record<string, unknown>[];
  keyOnly: Record<string, unknown>[];
}

/**
 * Link rows of mapped owners, read by their key columns and not planned yet: their ends are
 * planned first, then each is looked up in the target and planned only if it is not there.
 */
export interface DeferredLinks {
  link: MemberLink;
  rows: Record<string, unknown>[];
  /** Source ids in `rows`. */
  ids: Set<number>;
}

/**
 * Builds a plan: every source row the sync needs, each marked transfer or map. Reads only; one
 * query per table per hop of the foreign-key closure, never one per row.
 */
export class Planner {
  readonly rows = new PlanRows();
  readonly requested: string[] = [];
  /** Mapped rows the report lists (the requested objects; labels under annotations), by table and source id. */
  private reportMapped = new Map<string, Set<number>>();
  /** Owner → its link rows (members), visited after the owner's foreign keys. */
  readonly linksOf = new Map<PlannedRow, PlannedRow[]>();
  /** Row → the latest version of its family brought along. */
  readonly familyLatest = new Map<PlannedRow, PlannedRow>();
  private pendingRefs = new Map<string, Map<number, string>>(); // table -> id -> reason
  private pendingLinks: LinkTraversal[] = [];
  private pendingFamilies = new Map<string, Map<string, string>>(); // table -> stem -> key asking
  /** Per table: the foreign keys sync follows, in LaminDB's order (computed once, not per row). */
  private fkCache = new Map<string, FollowedForeignKey[]>();
  private registryCache = new Map<string, Registry>();
  private memberLinkCache = new Map<string, MemberLink[]>();
  private modelCache = new Map<string, string>();
  /** Link rows of mapped owners awaiting a lookup in the target, by link table. */
  readonly deferred = new Map<string, DeferredLinks>();
  /** Deferred link rows the target holds already (by link table): not planned, only reported. */
  readonly matchedLinks = new Map<string, Record<string, unknown>[]>();
  /** Planned rows holding only their key columns: `fillKeyOnlyRows` reads the rest. */
  private partial: PlannedRow[] = [];

  constructor(
    readonly source: Instance,
    readonly target: Instance,
  ) {}

  /** The planned row of a table's source id, if any. */
  find(table: string, id: unknown): PlannedRow | undefined {
    return this.rows.find(table, Number(id));
  }

  /** The planned row foreign key `i` of `row` points at (remembered once found). */
  deref(row: PlannedRow, i: number): PlannedRow | null {
    const r = row.refs[i];
    if (typeof r !== 'number') return r ?? null;
    const found = this.rows.find(row.fks[i]!.refTable, r);
    if (!found) return null;
    row.refs[i] = found;
    return found;
  }

  /** Points every foreign key at its planned row, so writing needs no lookups. */
  resolveRefs(): void {
    for (const row of this.unresolved) for (let i = 0; i < row.refs.length; i++) this.deref(row, i);
    this.unresolved = [];
  }

  /** Rows with a foreign key whose row was not planned yet when it was followed. */
  private unresolved: PlannedRow[] = [];

  registry(table: string): Registry {
    const cached = this.registryCache.get(table);
    if (cached) return cached;
    const r = registryOf(this.source.catalog, table);
    if (r) this.registryCache.set(table, r);
    if (!r) {
      throw new LaminSyncError(
        'UNSUPPORTED',
        `Rows of ${table} have no uid, so they cannot be matched across instances.`,
      );
    }
    return r;
  }

  /**
   * Matches source rows in the target and records each as transfer or map. Rows in `partial`
   * hold only their id and match column: the full rows of those transferred are read here.
   */
  async classify(
    table: string,
    sourceRows: Record<string, unknown>[],
    mode: 'requested' | 'reference',
    reason: (row: Record<string, unknown>) => string,
    partial?: ReadonlySet<Record<string, unknown>>,
  ): Promise<void> {
    const registry = this.registry(table);
    const fresh = sourceRows.filter((r) => !this.find(table, r.id));
    if (fresh.length === 0) return;
    const matchColumn =
      table === 'lamindb_storage' || mode === 'requested' ? requestedMatchColumn(table) : registry.naturalKey;
    const targetIds = new Map<string, number>();
    if (this.target.catalog.tables.has(table)) {
      const found = await selectWhereIn(
        this.target,
        table,
        matchColumn,
        fresh.map((r) => r[matchColumn]),
        ['id', matchColumn],
      );
      for (const f of found) {
        const k = String(f[matchColumn]);
        const id = Number(f.id);
        if (!targetIds.has(k) || id < targetIds.get(k)!) targetIds.set(k, id);
      }
    }
    const full = new Map<number, Record<string, unknown>>();
    if (partial && partial.size > 0) {
      const missing = fresh.filter((r) => partial.has(r) && !targetIds.has(String(r[matchColumn]))).map((r) => r.id);
      for (const r of await selectWhereIn(this.source, table, 'id', missing)) full.set(Number(r.id), r);
      if (full.size < missing.length) {
        throw new LaminSyncError(
          'NOT_FOUND',
          `Some ${registry.model} records left ${this.source.identity.slug} while the sync was planned. ` +
            'Nothing was written; sync again.',
        );
      }
    }
    for (const row of fresh) {
      if (this.find(table, row.id)) continue;
      const targetId = targetIds.get(String(row[matchColumn]));
      const planned = new PlanRow(
        table,
        registry.model,
        Number(row.id),
        String(row.uid),
        targetId === undefined ? 'transfer' : 'map',
        targetId ?? null,
        targetId === undefined ? (full.get(Number(row.id)) ?? row) : null,
        true,
        reason(row),
      );
      this.addRow(planned);
      if (mode === 'requested') {
        this.requested.push(planned.key);
        this.listWhenMapped(table, planned.sourceId);
      }
      if (planned.action === 'transfer') this.afterTransfer(planned, registry);
    }
  }

  /**
   * Adds a row built by the sync itself (a rebuilt slot schema, its member links, a slot link):
   * its foreign keys `fks` point where `refs` says (by column), none is followed.
   */
  addBuiltRow(row: PlanRow, fks: readonly FollowedForeignKey[] = [], refs: Record<string, PlannedRow> = {}): PlanRow {
    row.fks = fks;
    row.refs = fks.map((fk) => refs[fk.column] ?? null);
    this.addRow(row);
    return row;
  }

  /**
   * Adds a link row (no uid): transferred unless the target has it already, its foreign keys
   * followed; `attach` lists it under its owner. Its reason is `reason`, followed by the owner
   * (`ulabel of Artifact(uid='…')`) when `ownerInReason`.
   */
  addLinkRow(
    link: MemberLink,
    row: Record<string, unknown>,
    owner: PlannedRow,
    reason: string,
    attach = true,
    ownerInReason = false,
  ): void {
    if (this.find(link.table, row.id)) return;
    const planned = this.newUnkeyedRow(link.table, row, reason, ownerInReason ? owner : null);
    if (!attach) return;
    const list = this.linksOf.get(owner);
    if (list) list.push(planned);
    else this.linksOf.set(owner, [planned]);
  }

  /** Adds a row without a uid (a link row, a feature value): transferred, its foreign keys followed. */
  addUnkeyedRow(table: string, row: Record<string, unknown>, reason: string): PlannedRow {
    return this.find(table, row.id) ?? this.newUnkeyedRow(table, row, reason);
  }

  /** Plans a row without a uid that is not planned yet. */
  private newUnkeyedRow(table: string, row: Record<string, unknown>, reason: string, owner: PlannedRow | null = null): PlannedRow {
    const model = this.modelOf(table);
    const planned = new PlanRow(table, model, Number(row.id), null, 'transfer', null, row, false, reason, owner);
    this.addRow(planned);
    this.followForeignKeys(planned);
    return planned;
  }

  private modelOf(table: string): string {
    let model = this.modelCache.get(table);
    if (model === undefined) this.modelCache.set(table, (model = modelName(table)));
    return model;
  }

  private addRow(planned: PlannedRow): void {
    this.rows.add(planned);
  }

  /** Planned rows of one table (empty when none). */
  rowsOf(table: string): readonly PlannedRow[] {
    return this.rows.ofTable(table);
  }

  private nonEmpty = new Map<string, boolean>();
  /** Whether a source table has any row (asked once per table). */
  private async hasRows(table: string): Promise<boolean> {
    let known = this.nonEmpty.get(table);
    if (known === undefined) {
      const one = await this.source.db.selectFrom(table).select('id').limit(1).execute();
      this.nonEmpty.set(table, (known = one.length > 0));
    }
    return known;
  }

  /** The key columns of a link table: id, the foreign keys sync follows, and a schema link's slot. */
  keyColumns(table: string): string[] {
    const info = this.source.catalog.tables.get(table)!;
    const cols = ['id', ...this.followedForeignKeys(table).map((fk) => fk.column)];
    if (info.columnByName.has('slot')) cols.push('slot');
    return [...new Set(cols)];
  }

  /**
   * Reads the link rows of `owners`: in full for owners that are transferred (none of their
   * links can be in the target yet), by their key columns for mapped owners.
   */
  async readLinks(link: MemberLink, owners: Iterable<PlannedRow>): Promise<LinkRead> {
    const fresh: number[] = [];
    const mapped: number[] = [];
    for (const o of owners) (o.action === 'transfer' ? fresh : mapped).push(o.sourceId);
    const full = await selectWhereIn(this.source, link.table, link.ownerColumn, fresh);
    let keyOnly: Record<string, unknown>[] = [];
    if (mapped.length > 0) {
      const columns = this.keyColumns(link.table);
      if (!columns.includes(link.ownerColumn)) columns.push(link.ownerColumn);
      keyOnly = await selectWhereIn(this.source, link.table, link.ownerColumn, mapped, columns);
    }
    return { full, keyOnly };
  }

  /** Defers key-only link rows (see `DeferredLinks`); their ends are queued for planning now. */
  deferLinks(link: MemberLink, rows: readonly Record<string, unknown>[]): void {
    let d = this.deferred.get(link.table);
    if (!d) this.deferred.set(link.table, (d = { link, rows: [], ids: new Set() }));
    const model = this.modelOf(link.table);
    const fks = this.followedForeignKeys(link.table);
    for (const row of rows) {
      const id = Number(row.id);
      if (d.ids.has(id) || this.find(link.table, id)) continue;
      d.ids.add(id);
      d.rows.push(row);
      for (const fk of fks) {
        const v = row[fk.column];
        if (v === null || v === undefined) continue;
        if (fk.column === 'branch_id' && BUILTIN_BRANCH_IDS.has(Number(v))) continue;
        const id = Number(v);
        if (!this.find(fk.refTable, id)) this.queueReference(fk.refTable, id, fk.column, model, null);
      }
    }
  }

  /** Plans a deferred link row the target does not hold: transferred, its full row read later. */
  planDeferred(link: MemberLink, row: Record<string, unknown>, reason: string): PlannedRow {
    const planned = this.addUnkeyedRow(link.table, row, reason);
    this.partial.push(planned);
    return planned;
  }

  /** Transferred rows planned from their key columns get their full source rows (one read per table per chunk). */
  async fillKeyOnlyRows(): Promise<void> {
    const byTable = new Map<string, Map<number, PlannedRow>>();
    for (const r of this.partial) {
      if (r.action !== 'transfer') continue;
      let m = byTable.get(r.table);
      if (!m) byTable.set(r.table, (m = new Map()));
      m.set(r.sourceId, r);
    }
    this.partial = [];
    for (const [table, todo] of byTable) {
      const full = await selectWhereIn(this.source, table, 'id', [...todo.keys()]);
      for (const row of full) {
        const planned = todo.get(Number(row.id));
        if (planned) planned.values = row;
      }
    }
  }

  followedForeignKeys(table: string): FollowedForeignKey[] {
    let fks = this.fkCache.get(table);
    if (!fks) {
      const info = this.source.catalog.tables.get(table)!;
      const hasRun = info.columnByName.has('run_id');
      fks = orderedForeignKeys(table, info.foreignKeys).filter(
        (fk) =>
          !REPOINTED.has(fk.column) &&
          // A denormalized transform next to run: re-pointed with the run.
          !(fk.column === 'transform_id' && hasRun && table !== 'lamindb_run'),
      );
      this.fkCache.set(table, fks);
    }
    return fks;
  }

  private afterTransfer(planned: PlanRow, registry: Registry): void {
    this.followForeignKeys(planned);
    const values = planned.values!;
    if (registry.versioned && !isTrue(values.is_latest)) {
      const uid = String(values.uid);
      const stem = uid.slice(0, uid.length - 4);
      let m = this.pendingFamilies.get(planned.table);
      if (!m) this.pendingFamilies.set(planned.table, (m = new Map()));
      if (!m.has(stem)) m.set(stem, planned.key);
    }
    if (planned.table === 'lamindb_schema') {
      // LaminDB's `transfer_schema_with_members` (a schema as a foreign key, or asked for itself):
      // a schema of features brings its features and their links; any other schema (a composite,
      // a schema of genes) travels alone, without components or members.
      if (values.itype !== 'Feature') return;
      for (const link of memberLinks(this.source.catalog, planned.table)) {
        if (link.memberTable === 'lamindb_feature') this.queueLinks({ link, owners: [planned], reportMembers: true });
      }
      return;
    }
    let links = this.memberLinkCache.get(planned.table);
    if (!links) this.memberLinkCache.set(planned.table, (links = memberLinks(this.source.catalog, planned.table)));
    for (const link of links) {
      this.queueLinks({ link, owners: [planned], reportMembers: false });
    }
  }

  queueLinks(t: LinkTraversal): void {
    const same = this.pendingLinks.find(
      (p) =>
        p.link.table === t.link.table &&
        p.link.ownerColumn === t.link.ownerColumn &&
        p.reportMembers === t.reportMembers &&
        p.annotation === t.annotation,
    );
    if (same) {
      appendAll(same.owners, t.owners);
      // Asked for fewer owners than it now has: asked again when reached.
      same.read = undefined;
    } else this.pendingLinks.push({ ...t, owners: [...t.owners] });
  }

  /**
   * Asks for the rows of every queued link traversal now, so that a Postgres source answers them
   * while the caller plans something else; `complete` plans them in queue order as before.
   */
  startLinkReads(): void {
    for (const t of this.pendingLinks) if (!t.read) t.read = prefetch([this.readTraversal(t)])[0]!;
  }

  private followForeignKeys(planned: PlanRow): void {
    const values = planned.values!;
    const fks = this.followedForeignKeys(planned.table);
    const refs: RowRef[] = new Array<RowRef>(fks.length).fill(null);
    planned.fks = fks;
    planned.refs = refs;
    let unresolved = false;
    for (let i = 0; i < fks.length; i++) {
      const fk = fks[i]!;
      const col = fk.column;
      const v = values[col];
      if (v === null || v === undefined) continue;
      if (col === 'branch_id' && BUILTIN_BRANCH_IDS.has(Number(v))) continue;
      const id = Number(v);
      const found = this.rows.find(fk.refTable, id);
      refs[i] = found ?? id;
      if (!found && !unresolved) {
        unresolved = true;
        this.unresolved.push(planned);
      }
      // LaminDB matches a schema with its members and lists it either way.
      if (fk.refTable === 'lamindb_schema') this.listWhenMapped(fk.refTable, id);
      if (!found) this.queueReference(fk.refTable, id, col, planned.model, planned.uid);
    }
  }

  /**
   * Queues a referenced source row that is not planned yet (read with the others of its table at
   * the next hop); its reason, `<column> of <Model>(uid='…')`, is spelt out once per row.
   */
  private queueReference(table: string, id: number, column: string, model: string, uid: string | null): void {
    let m = this.pendingRefs.get(table);
    if (!m) this.pendingRefs.set(table, (m = new Map()));
    if (!m.has(id)) m.set(id, `${column} of ${model}${uid ? `(uid='${uid}')` : ''}`);
  }

  /** A source row's foreign key points at a row the source does not hold (its checks were off when it was written). */
  private danglingReference(table: string, reasons: Map<number, string>, asked: number[], found: Record<string, unknown>[]): never {
    const have = new Set(found.map((r) => Number(r.id)));
    const missing = asked.find((id) => !have.has(id))!;
    throw new LaminSyncError(
      'INVALID_DATA',
      `The source ${this.source.identity.slug} (${this.source.location}) is inconsistent: ${reasons.get(missing) ?? 'a foreign key'} ` +
        `points at ${table} id ${missing}, which the source does not hold. Fix or remove that row in the source ` +
        '(or leave it out of the sync); nothing was written.',
    );
  }

  /** Follows everything queued until the closure is complete. */
  async complete(signal?: AbortSignal): Promise<void> {
    for (;;) {
      throwIfAborted(signal);
      if (this.pendingRefs.size > 0) {
        const refs = this.pendingRefs;
        this.pendingRefs = new Map();
        // Every table's rows asked at once (a Postgres source answers them side by side, while
        // the ones already here are planned); planned in the order they were queued.
        const todos: number[][] = [];
        const reads = prefetch(
          [...refs].map(([table, ids]) => {
            const todo = [...ids.keys()].filter((id) => !this.find(table, id));
            todos.push(todo);
            if (todo.length === 0) return null;
            this.registry(table);
            return selectWhereIn(this.source, table, 'id', todo);
          }),
        );
        let i = 0;
        for (const [table, ids] of refs) {
          const todo = todos[i]!;
          const rows = await reads[i++];
          if (!rows) continue;
          if (rows.length < todo.length) this.danglingReference(table, ids, todo, rows);
          await this.classify(table, rows, 'reference', (r) => ids.get(Number(r.id)) ?? 'foreign key');
        }
        continue;
      }
      if (this.pendingLinks.length > 0) {
        const links = this.pendingLinks;
        this.pendingLinks = [];
        const reads = prefetch(links.map((t) => t.read ?? this.readTraversal(t)));
        for (let i = 0; i < links.length; i++) this.followLinks(links[i]!, await reads[i]!);
        continue;
      }
      if (this.pendingFamilies.size > 0) {
        const families = this.pendingFamilies;
        this.pendingFamilies = new Map();
        for (const [table, stems] of families) await this.addFamilyLatest(table, stems);
        continue;
      }
      return;
    }
  }

  /** The link rows a traversal brings: in full, and (annotations of mapped owners) by their keys. */
  private async readTraversal(t: LinkTraversal): Promise<LinkRead> {
    const { link } = t;
    if (!t.annotation) {
      const full = await selectWhereIn(this.source, link.table, link.ownerColumn, t.owners.map((o) => o.sourceId));
      return { full, keyOnly: [] };
    }
    // An annotation link table the source never uses (most module label tables): one tiny read, not a list of every owner.
    if (!(await this.hasRows(link.table))) return { full: [], keyOnly: [] };
    return this.readLinks(link, t.owners);
  }

  private followLinks(t: LinkTraversal, read: LinkRead): void {
    const { link } = t;
    if (read.keyOnly.length > 0) this.deferLinks(link, read.keyOnly);
    const linkRows = read.full;
    const reportMembers: Record<string, unknown>[] = [];
    const what = `${link.memberColumn.replace(/_id$/, '')} of `;
    const ownerTable = t.owners[0]?.table;
    for (const row of linkRows) {
      const owner = this.find(ownerTable!, Number(row[link.ownerColumn]))!;
      this.addLinkRow(link, row, owner, what, !t.annotation, true);
      if (t.reportMembers) reportMembers.push(row);
    }
    if (t.reportMembers) {
      for (const row of reportMembers) this.listWhenMapped(link.memberTable, Number(row[link.memberColumn]));
    }
  }

  /** A non-latest version brings the latest of its family, so the target keeps one `is_latest`. */
  private async addFamilyLatest(table: string, stems: Map<string, string>): Promise<void> {
    const byLength = new Map<number, string[]>();
    for (const stem of stems.keys()) {
      const list = byLength.get(stem.length) ?? [];
      list.push(stem);
      byLength.set(stem.length, list);
    }
    for (const [len, all] of byLength) {
      const latest: Record<string, unknown>[] = [];
      for (const list of chunk(all, LIST_PARAMETER_CHUNK)) {
        const rows = (await this.source.db
          .selectFrom(table)
          .selectAll()
          .where(inList(this.source, sql`substr(${sql.ref('uid')}, 1, ${sql.lit(len)})`, list))
          .execute()) as Record<string, unknown>[];
        for (const r of rows) if (isTrue(r.is_latest)) latest.push(r);
      }
      await this.classify(table, latest, 'requested', (r) => {
        const asking = this.rows.get(stems.get(String(r.uid).slice(0, len))!)!;
        return `latest version of the family of ${asking.model}(uid='${asking.uid}')`;
      });
      for (const r of latest) {
        const askingKey = stems.get(String(r.uid).slice(0, len));
        const asking = askingKey ? this.rows.get(askingKey) : undefined;
        const found = this.find(table, r.id);
        if (asking && found) this.familyLatest.set(asking, found);
      }
    }
  }

  /**
   * The branch a transferred row will be on in the target: a built-in branch as it is, a branch
   * the target has by its id there; null for a branch the sync transfers (new in the target).
   */
  private targetBranchOf(row: PlannedRow): number | null {
    const v = row.values?.branch_id;
    if (v === null || v === undefined) return 1;
    if (BUILTIN_BRANCH_IDS.has(Number(v))) return Number(v);
    const at = row.fks.findIndex((fk) => fk.column === 'branch_id');
    const branch = at >= 0 ? this.deref(row, at) : null;
    return branch?.action === 'map' ? branch.targetId : null;
  }

  /**
   * LaminDB's rule for a family's latest version (`reconcile_is_latest_within_branch`): one per
   * family and branch, the newest `created_at`, a tie going to the row saved last. A transferred
   * version that is its source's latest is compared with its family's latest on the same branch in
   * the target: when it is newer (or as new) the target's is demoted (its `is_latest` cleared);
   * when it is older it is written with `is_latest` false and the target's stays (`keptLatest`).
   */
  async findDemotions(): Promise<{ demote: SyncPlan['demote']; keptLatest: KeptLatest[] }> {
    // table -> stem length -> stem -> the transferred latest versions of that family (one per branch).
    const byTable = new Map<string, Map<number, Map<string, Array<{ row: PlannedRow; branch: number | undefined }>>>>();
    for (const row of this.rows.values()) {
      if (row.action !== 'transfer' || !row.uid || !isTrue(row.values?.is_latest)) continue;
      const info = this.target.catalog.tables.get(row.table);
      if (!info?.columnByName.has('is_latest')) continue;
      // A branch new in the target holds no version yet.
      const branch = info.columnByName.has('branch_id') ? this.targetBranchOf(row) : undefined;
      if (branch === null) continue;
      let byLen = byTable.get(row.table);
      if (!byLen) byTable.set(row.table, (byLen = new Map()));
      const len = row.uid.length - 4;
      let stems = byLen.get(len);
      if (!stems) byLen.set(len, (stems = new Map()));
      const stem = row.uid.slice(0, len);
      const list = stems.get(stem);
      if (list) list.push({ row, branch });
      else stems.set(stem, [{ row, branch }]);
    }
    const demote: SyncPlan['demote'] = [];
    const keptLatest: KeptLatest[] = [];
    const yes = this.target.dialect === 'sqlite' ? 1 : true;
    const no = this.source.dialect === 'sqlite' ? 0 : false;
    for (const [table, byLen] of byTable) {
      const ids: number[] = [];
      const info = this.target.catalog.tables.get(table)!;
      const columns = ['id', 'uid', ...['created_at', 'branch_id'].filter((c) => info.columnByName.has(c))];
      for (const [len, stems] of byLen) {
        for (const list of chunk([...stems.keys()], LIST_PARAMETER_CHUNK)) {
          const rows = await this.target.db
            .selectFrom(table)
            .select(columns)
            .where(inList(this.target, sql`substr(${sql.ref('uid')}, 1, ${sql.lit(len)})`, list))
            .where('is_latest', '=', yes)
            .execute();
          for (const r of rows) {
            const theirs = instantKey(r.created_at);
            for (const { row: arriving, branch } of stems.get(String(r.uid).slice(0, len))!) {
              if (branch !== undefined && Number(r.branch_id) !== branch) continue;
              const ours = instantKey(arriving.values!.created_at);
              if (theirs !== null && ours !== null && theirs > ours) {
                if (isTrue(arriving.values!.is_latest)) {
                  arriving.values!.is_latest = no;
                  keptLatest.push({ registry: arriving.model, latestUid: String(r.uid), olderUid: arriving.uid! });
                }
              } else {
                ids.push(Number(r.id));
              }
            }
          }
        }
      }
      if (ids.length > 0) demote.push({ table, targetIds: [...new Set(ids)] });
    }
    return { demote, keptLatest };
  }

  /** Transferred rows grouped into insert batches: a row comes after every row it points at. */
  insertOrder(): PlannedRow[][] {
    // Per row index: its level + 1 once known (0 = not visited yet), VISITING while its foreign keys are.
    const VISITING = -1;
    const level = new Int32Array(this.rows.size);
    const visit = (row: PlannedRow): number => {
      const known = level[row.index]!;
      if (known !== 0) {
        if (known === VISITING) {
          throw new LaminSyncError(
            'UNSUPPORTED',
            `The rows to transfer reference each other in a cycle (through ${row.key}); lamin-sync cannot order such inserts yet.`,
          );
        }
        return known - 1;
      }
      level[row.index] = VISITING;
      let l = 0;
      for (let i = 0; i < row.refs.length; i++) {
        const dep = this.deref(row, i);
        if (dep?.action === 'transfer') l = Math.max(l, visit(dep) + 1);
      }
      level[row.index] = l + 1;
      return l;
    };
    // Level → table → rows; batches sorted by level, then by table name.
    const batches = new Map<number, Map<string, PlannedRow[]>>();
    for (const row of this.rows.values()) {
      if (row.action !== 'transfer') continue;
      const l = visit(row);
      let byTable = batches.get(l);
      if (!byTable) batches.set(l, (byTable = new Map()));
      const b = byTable.get(row.table);
      if (b) b.push(row);
      else byTable.set(row.table, [row]);
    }
    const out: PlannedRow[][] = [];
    for (const l of [...batches.keys()].sort((a, b) => a - b)) {
      const byTable = batches.get(l)!;
      for (const table of [...byTable.keys()].sort()) out.push(byTable.get(table)!);
    }
    return out;
  }

  /**
   * Entries the annotation planner reports after the objects (features, labels), in LaminDB's
   * order; a key may repeat (a label linked twice is listed twice).
   */
  readonly annotationReport = new ReportList();
  /** Slots of mapped objects re-pointed at their rebuilt schema (see `slot-schemas.ts`). */
  readonly slotUpdates: SlotUpdate[] = [];
  /** The report lists this row (planned or not yet) also when it is mapped. */
  listWhenMapped(table: string, id: number): void {
    let ids = this.reportMapped.get(table);
    if (!ids) this.reportMapped.set(table, (ids = new Set()));
    ids.add(id);
  }

  /** Rows listed so far by `listClosure`. */
  readonly listed = new RowMarks();

  /** Lists a row and, if it is transferred, its foreign keys depth-first (each once). */
  listClosure(row: PlannedRow | null | undefined, out: ReportList, seen: RowMarks = this.listed): void {
    if (!row || seen.has(row)) return;
    seen.add(row);
    if (row.reportable && (row.action === 'transfer' || this.reportMapped.get(row.table)?.has(row.sourceId))) {
      out.push(row, row.action);
    }
    if (row.action !== 'transfer') return;
    for (let i = 0; i < row.refs.length; i++) this.listClosure(this.deref(row, i), out, seen);
    const links = this.linksOf.get(row);
    if (links) for (const link of links) this.listClosure(link, out, seen);
    this.listClosure(this.familyLatest.get(row), out, seen);
  }

  /** The order LaminDB reports in: each requested object, its foreign keys depth-first, its links, then annotations. */
  reportOrder(): ReportList {
    const out = new ReportList();
    const seen = new RowMarks();
    for (const key of this.requested) {
      const row = this.rows.get(key);
      // A collection's artifacts come first, each reported apart, mapped or transferred (LaminDB
      // saves them before the collection).
      if (row?.table === 'lamindb_collection' && row.action === 'transfer') {
        for (const link of this.linksOf.get(row) ?? []) {
          for (let i = 0; i < link.refs.length; i++) {
            if (link.fks[i]!.column !== 'artifact_id') continue;
            const member = this.deref(link, i);
            if (!member || seen.has(member)) continue;
            out.startGroup();
            if (member.action === 'map') {
              seen.add(member);
              out.push(member, 'map');
            } else this.listClosure(member, out, seen);
          }
        }
      }
      out.startGroup();
      this.listClosure(row, out, seen);
    }
    out.append(this.annotationReport);
    for (const row of this.annotationReport.rows) seen.add(row);
    // Anything transferred that no path above listed (kept so the report never hides a write).
    // A row the report does not list (a link) only leads on to the rows it points at.
    for (const row of this.rows.values()) {
      if (row.action !== 'transfer' || seen.has(row)) continue;
      if (row.reportable || this.linksOf.has(row) || this.familyLatest.has(row)) this.listClosure(row, out, seen);
      else for (let i = 0; i < row.refs.length; i++) this.listClosure(this.deref(row, i), out, seen);
    }
    return out;
  }
}

export function transferTransformSpec(source: Instance): SyncPlan['transfer'] {
  const uid = source.identity.uid;
  return {
    uid: `${uid}0000`,
    key: `__lamindb_transfer__/${uid}`,
    description: `Transfer from \`${source.identity.slug}\``,
  };
}

/**
 * Starts every read at once and hands back their promises in order; a failure is thrown where
 * its promise is awaited, and none goes unhandled meanwhile.
 */
function prefetch<T>(reads: Array<Promise<T> | null>): Array<Promise<T> | null> {
  for (const r of reads) r?.catch(() => undefined);
  return reads;
}

/** Hook for annotations: adds label, feature and schema links to the closure. */
export type AnnotationPlanner = (planner: Planner) => Promise<void>;

/**
 * Plans a sync: resolves the selection in the source, walks the foreign-key closure, matches
 * every row in the target (uid; Storage by root; ULabel by name for foreign keys), and checks
 * that the target can hold what arrives. Writes nothing.
 */
export async function planSync(
  source: Instance,
  target: Instance,
  selection: Selection,
  options: PlanOptions & { annotationPlanner?: AnnotationPlanner } = {},
): Promise<SyncPlan> {
  assertDifferentInstances(source, target);
  // One read transaction for the whole plan: a source written meanwhile is read as it was at the first read.
  return source.withSnapshot((db) => planInSnapshot({ ...source, db }, target, selection, options));
}

/**
 * Refuses a sync of an instance into itself, however it is reached: the same file by another
 * path, a symbolic or hard link (same device and inode), the same Postgres database by another
 * host name or URL.
 */
export function assertDifferentInstances(source: Instance, target: Instance): void {
  if (source.physicalId === target.physicalId || (source.identity.uid === target.identity.uid && source.location === target.location)) {
    const how = source.location === target.location ? '' : ` (${source.location} and ${target.location} are one instance)`;
    throw new LaminSyncError(
      'INVALID_ARGUMENT',
      `Source and target are the same instance (${source.identity.slug})${how}. Choose another target.`,
    );
  }
}

async function planInSnapshot(
  source: Instance,
  target: Instance,
  selection: Selection,
  options: PlanOptions & { annotationPlanner?: AnnotationPlanner },
): Promise<SyncPlan> {
  const started = Date.now();
  const sourceStatements = source.counter.statements;
  const targetStatements = target.counter.statements;
  const warnings = checkMigrations(source, target);
  options.onProgress?.({ stage: 'plan', done: 0, total: 0, message: 'Resolving the selection' });
  const selected = await resolveSelection(source, selection);
  await testPause('plan');
  const planner = new Planner(source, target);
  const byTable = new Map<string, Record<string, unknown>[]>();
  const partial = new Set<Record<string, unknown>>();
  for (const s of selected) {
    const list = byTable.get(s.registry.table) ?? [];
    list.push(s.row);
    byTable.set(s.registry.table, list);
    if (s.partial) partial.add(s.row);
  }
  for (const [table, rows] of byTable) await planner.classify(table, rows, 'requested', () => 'requested', partial);
  // Keep the requested order as asked, whatever the table grouping did.
  const order = selected.map((s) => rowKey(s.registry.table, s.row.id));
  replaceAll(planner.requested, order);
  options.onProgress?.({ stage: 'plan', done: 0, total: 0, message: 'Following foreign keys' });
  await planner.complete(options.signal);
  if (options.annotations) {
    if (!options.annotationPlanner) {
      throw new LaminSyncError('UNSUPPORTED', 'Sync with annotations is not available in this build.');
    }
    await options.annotationPlanner(planner);
    await planner.complete(options.signal);
    // Link rows read by their keys only and still to be written get their full rows (normally done already).
    await planner.fillKeyOnlyRows();
  }
  checkTargetCanHold(target.catalog, source.catalog, planner.rows.values(), target.identity.slug);
  planner.resolveRefs();
  const { demote, keptLatest } = await planner.findDemotions();
  const insertOrder = planner.insertOrder();
  const report = planner.reportOrder();
  return {
    source: source.identity,
    target: target.identity,
    sourceDialect: source.dialect,
    targetDialect: target.dialect,
    annotations: options.annotations ?? false,
    rows: planner.rows,
    requested: planner.requested,
    insertOrder,
    reportOrder: report.rows,
    reportActions: report.actions,
    reportGroups: report.groups,
    demote,
    keptLatest,
    transfer: transferTransformSpec(source),
    slotUpdates: planner.slotUpdates,
    warnings: [...warnings, ...planner.slotUpdates.map(slotUpdateWarning)],
    planning: {
      durationMs: Date.now() - started,
      statements: {
        source: source.counter.statements - sourceStatements,
        target: target.counter.statements - targetStatements,
      },
    },
  };
}
