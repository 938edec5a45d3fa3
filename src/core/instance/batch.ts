import { CompiledQuery, sql, type Expression, type RawBuilder } from 'kysely';
import { arrayTypeOf, quoteIdentifier } from '../schema/column-types';
import { pgArrayLiteral } from './pg-array';
import type { Instance } from './types';

/** Rows per IN list: far below SQLite's 32,766 variables and Postgres' 65,535 parameters. */
export const IN_LIST_CHUNK = 5_000;
/**
 * Values per statement when the list travels as ONE parameter (a JSON array SQLite reads with
 * `json_each`, a Postgres array compared with `= ANY`): no statement with thousands of
 * placeholders to parse, plan and prepare, and the same SQL text for every batch.
 */
export const LIST_PARAMETER_CHUNK = 50_000;

/** Values that travel as one list parameter unchanged: strings and safe integers. */
function listable(values: readonly unknown[]): boolean {
  for (const v of values) {
    if (typeof v === 'string') continue;
    if (typeof v === 'number' && Number.isSafeInteger(v)) continue;
    return false;
  }
  return true;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function assertTable(instance: Instance, table: string, column?: string): void {
  const info = instance.catalog.tables.get(table);
  if (!info) throw new Error(`internal: table ${table} is not in ${instance.identity.slug}`);
  if (column && !info.columnByName.has(column)) {
    throw new Error(`internal: column ${table}.${column} is not in ${instance.identity.slug}`);
  }
}

/**
 * `expression IN (values)` with the whole list as ONE parameter, whatever its length: a JSON array
 * SQLite reads with `json_each`, a Postgres array compared with `= ANY`. The one way the engine
 * asks for rows by a list (no statement binds a parameter per value). Values: strings and safe
 * integers (`listable`); callers chunk long lists by `LIST_PARAMETER_CHUNK`.
 */
export function inList(instance: Instance, expression: Expression<unknown>, values: readonly unknown[]): RawBuilder<boolean> {
  if (!listable(values)) throw new Error('internal: a list parameter holds only strings and safe integers');
  return instance.dialect === 'sqlite'
    ? sql<boolean>`${expression} in (select value from json_each(${JSON.stringify(values)}))`
    : sql<boolean>`${expression} = any(${pgArrayLiteral(values) ?? values})`;
}

/**
 * `SELECT * FROM table WHERE column IN (values)`, one statement per chunk of values.
 * Table and column must be in the instance's catalog; values are parameters.
 */
export async function selectWhereIn(
  instance: Instance,
  table: string,
  column: string,
  values: readonly unknown[],
  columns?: readonly string[],
): Promise<Record<string, unknown>[]> {
  assertTable(instance, table, column);
  const unique = [...new Set(values)];
  const out: Record<string, unknown>[] = [];
  if (unique.length === 0) return out;
  const asList = listable(unique);
  for (const part of chunk(unique, asList ? LIST_PARAMETER_CHUNK : IN_LIST_CHUNK)) {
    const q = instance.db.selectFrom(table);
    const sel = columns ? q.select(columns as string[]) : q.selectAll();
    // Values of other kinds (dates, buffers) go as an IN list of a bounded chunk.
    const where = asList ? sel.where(inList(instance, sql.ref(column), part)) : sel.where(column, 'in', part);
    const rows = (await where.execute()) as Record<string, unknown>[];
    // One chunk (the usual case): its rows are the answer, not copied.
    if (part.length === unique.length) return rows;
    for (const r of rows) out.push(r);
  }
  return out;
}

/** How `absentTuples` compares one column: `=` (never null), null-safe, or text with null read as ''. */
export type TupleMatch = 'equal' | 'null-safe' | 'text';

/**
 * Which tuples `table` has no row for (indices into `tuples`, ascending): the database compares
 * them with its rows, one statement per chunk, and sends back only the absent ones. `columns[i]`
 * is compared with each tuple's i-th value as `match[i]` says; the first column is the one looked
 * up (it should be indexed and compared with `equal`). Table and columns must be in the
 * instance's catalog; the tuples travel as parameters (one JSON array on SQLite, one array per
 * column on Postgres).
 */
export async function absentTuples(
  instance: Instance,
  table: string,
  columns: readonly string[],
  match: readonly TupleMatch[],
  tuples: readonly unknown[][],
): Promise<number[]> {
  for (const c of columns) assertTable(instance, table, c);
  const info = instance.catalog.tables.get(table)!;
  const out: number[] = [];
  const cond = (i: number, value: string): string => {
    const col = `l.${quoteIdentifier(columns[i]!)}`;
    // SQLite, without statistics, may pick another column's index: `+` keeps the lookup on the first.
    const other = i > 0 && instance.dialect === 'sqlite' ? `+${col}` : col;
    if (match[i] === 'text') return `coalesce(${col}, '') = coalesce(${value}, '')`;
    if (match[i] === 'equal') return `${other} = ${value}`;
    return instance.dialect === 'sqlite' ? `${other} IS ${value}` : `${col} IS NOT DISTINCT FROM ${value}`;
  };
  for (let start = 0; start < tuples.length; start += LIST_PARAMETER_CHUNK) {
    const part = tuples.slice(start, start + LIST_PARAMETER_CHUNK);
    let query: CompiledQuery;
    if (instance.dialect === 'sqlite') {
      const where = columns.map((_, i) => cond(i, `(j.value ->> ${i})`)).join(' AND ');
      query = CompiledQuery.raw(
        `SELECT j.key AS i FROM json_each(?) AS j WHERE NOT EXISTS (SELECT 1 FROM ${quoteIdentifier(table)} AS l WHERE ${where})`,
        [JSON.stringify(part)],
      );
    } else {
      const types = columns.map((c) => {
        const t = arrayTypeOf(info.columnByName.get(c)!.type);
        if (!t) throw new Error(`internal: ${table}.${c} cannot travel as an array parameter`);
        return t;
      });
      const names = columns.map((_, i) => `c${i}`);
      const where = columns.map((_, i) => cond(i, `c.${names[i]}`)).join(' AND ');
      query = CompiledQuery.raw(
        `SELECT c.i - 1 AS i FROM unnest(${types.map((t, i) => `$${i + 1}::${t}`).join(', ')}) WITH ORDINALITY AS c(${names.join(', ')}, i) ` +
          `WHERE NOT EXISTS (SELECT 1 FROM ${quoteIdentifier(table)} AS l WHERE ${where})`,
        columns.map((_, i) => {
          const values = part.map((t) => t[i] ?? null);
          return pgArrayLiteral(values) ?? values;
        }),
      );
    }
    const { rows } = await instance.db.executeQuery<{ i: unknown }>(query);
    for (const r of rows) out.push(start + Number(r.i));
  }
  return out.sort((x, y) => x - y);
}
