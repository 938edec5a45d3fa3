import type { FollowedForeignKey, PlannedRow, RowAction, RowRef } from './types';

const NO_KEYS: readonly FollowedForeignKey[] = [];

/** A planned row's key: `table#sourceId`. */
export function rowKey(table: string, id: unknown): string {
  return `${table}#${id}`;
}

/** A planned row as the planner makes them: its key (`table#sourceId`) is spelt out only when asked. */
export class PlanRow implements PlannedRow {
  fks = NO_KEYS;
  refs: RowRef[] = [];
  index = -1;
  contextRun = false;
  rawSourceId: number | undefined = undefined;

  constructor(
    readonly table: string,
    readonly model: string,
    readonly sourceId: number,
    readonly uid: string | null,
    public action: RowAction,
    public targetId: number | null,
    public values: Record<string, unknown> | null,
    readonly reportable: boolean,
    private readonly why: string,
    /** A link row's owner: the reason then reads `<why><Model>(uid='…')`, spelt out when asked. */
    private readonly owner: PlannedRow | null = null,
  ) {}

  get key(): string {
    return rowKey(this.table, this.sourceId);
  }

  get reason(): string {
    return this.owner ? `${this.why}${this.owner.model}(uid='${this.owner.uid}')` : this.why;
  }
}

/**
 * The rows of a plan, by key (`table#sourceId`) as a read-only map, held per table and source
 * id: planning 100,000 rows builds no map of 100,000 strings. Iterates in the order rows were
 * planned.
 */
export class PlanRows implements ReadonlyMap<string, PlannedRow> {
  private tables = new Map<string, { byId: Map<number, PlannedRow>; list: PlannedRow[] }>();
  private order: PlannedRow[] = [];

  /** Adds a row (the planner's; a row is added once) and gives it its `index`. */
  add(row: PlannedRow): void {
    let t = this.tables.get(row.table);
    if (!t) this.tables.set(row.table, (t = { byId: new Map(), list: [] }));
    t.byId.set(row.sourceId, row);
    t.list.push(row);
    row.index = this.order.length;
    this.order.push(row);
  }

  /** The row of a table's source id. */
  find(table: string, id: number): PlannedRow | undefined {
    return this.tables.get(table)?.byId.get(id);
  }

  /** The rows of one table, in planning order. */
  ofTable(table: string): readonly PlannedRow[] {
    return this.tables.get(table)?.list ?? [];
  }

  get(key: string): PlannedRow | undefined {
    const at = key.lastIndexOf('#');
    if (at < 0) return undefined;
    const id = Number(key.slice(at + 1));
    return Number.isFinite(id) ? this.find(key.slice(0, at), id) : undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  get size(): number {
    return this.order.length;
  }

  values(): MapIterator<PlannedRow> {
    return this.order.values();
  }

  *keys(): MapIterator<string> {
    for (const row of this.order) yield row.key;
  }

  *entries(): MapIterator<[string, PlannedRow]> {
    for (const row of this.order) yield [row.key, row];
  }

  [Symbol.iterator](): MapIterator<[string, PlannedRow]> {
    return this.entries();
  }

  forEach(fn: (value: PlannedRow, key: string, map: ReadonlyMap<string, PlannedRow>) => void): void {
    for (const row of this.order) fn(row, row.key, this);
  }
}

/**
 * A set of planned rows, held as one byte per row `index`: walking 100,000 rows marks them
 * without hashing an object each time.
 */
export class RowMarks {
  private bits = new Uint8Array(1024);

  has(row: PlannedRow): boolean {
    return row.index < this.bits.length && this.bits[row.index] === 1;
  }

  add(row: PlannedRow): void {
    if (row.index >= this.bits.length) {
      const grown = new Uint8Array(Math.max(row.index + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[row.index] = 1;
  }
}
