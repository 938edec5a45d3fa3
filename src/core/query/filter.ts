import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';

/** Escapes LIKE wildcards so a filter is a plain substring. */
export function likePattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Case-insensitive substring match on any of `columns`, the same on SQLite and Postgres.
 * Column names must come from the catalog.
 */
export function substringFilter(
  eb: ExpressionBuilder<any, any>,
  columns: readonly string[],
  text: string,
): Expression<SqlBool> {
  const pattern = likePattern(text);
  return eb.or(
    columns.map((c) => sql<SqlBool>`lower(${sql.ref(c)}) LIKE ${pattern} ESCAPE '\\'`),
  );
}
