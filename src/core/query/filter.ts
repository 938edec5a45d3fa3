import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { Dialect } from '../instance/types';

/**
 * Case-insensitive substring match on any of `columns`, the same on SQLite and Postgres. The text
 * is a value, never a pattern: `instr` / `strpos` instead of LIKE, so `%`, `_` and `\` are plain
 * characters and no length limit applies (SQLite refuses LIKE patterns over 50,000 bytes).
 * Column names must come from the catalog.
 */
export function substringFilter(
  eb: ExpressionBuilder<any, any>,
  columns: readonly string[],
  text: string,
  dialect: Dialect,
): Expression<SqlBool> {
  const needle = text.toLowerCase();
  return eb.or(
    columns.map((c) =>
      dialect === 'sqlite'
        ? sql<SqlBool>`instr(lower(${sql.ref(c)}), ${needle}) > 0`
        : sql<SqlBool>`strpos(lower(${sql.ref(c)}), ${needle}) > 0`,
    ),
  );
}
