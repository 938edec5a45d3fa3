import type { Instance } from './types';

/** Rows per IN list: far below SQLite's 32,766 variables and Postgres' 65,535 parameters. */
export const IN_LIST_CHUNK = 5_000;

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
  for (const part of chunk(unique, IN_LIST_CHUNK)) {
    const q = instance.db.selectFrom(table);
    const sel = columns ? q.select(columns as string[]) : q.selectAll();
    out.push(...((await sel.where(column, 'in', part).execute()) as Record<string, unknown>[]));
  }
  return out;
}
