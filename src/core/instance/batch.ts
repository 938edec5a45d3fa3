import { sql } from 'kysely';
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
    const where = !asList
      ? sel.where(column, 'in', part)
      : instance.dialect === 'sqlite'
        ? sel.where(sql<boolean>`${sql.ref(column)} in (select value from json_each(${JSON.stringify(part)}))`)
        : sel.where(sql<boolean>`${sql.ref(column)} = any(${part})`);
    const rows = (await where.execute()) as Record<string, unknown>[];
    for (const r of rows) out.push(r);
  }
  return out;
}
