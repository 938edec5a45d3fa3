// Raw introspection of a SQLite database: PRAGMA table_info / foreign_key_list / index_list /
// index_info, plus what only the CREATE statements in sqlite_master hold (CHECK constraints,
// named table-level UNIQUE constraints, partial index conditions, AUTOINCREMENT).
import type BetterSqlite3 from 'better-sqlite3';

export interface SqliteColumnInfo {
  cid: number;
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}
export interface SqliteForeignKey {
  from: string;
  table: string;
  to: string;
  on_update: string;
  on_delete: string;
  match: string;
}
export interface SqliteIndex {
  name: string;
  unique: boolean;
  /** c: CREATE INDEX, u: UNIQUE constraint, pk: primary key */
  origin: string;
  partial: boolean;
  /** column names; an expression element as written, in parentheses, e.g. `(LOWER("name"))` */
  columns: string[];
  /** the condition after WHERE, as written, for partial indexes */
  where?: string;
}
export interface SqliteCheck {
  /** null for unnamed (column-level) checks */
  name: string | null;
  /** the column a column-level check is written on */
  column?: string;
  /** the full clause, `CHECK (...)` */
  sql: string;
}
export interface SqliteTableInfo {
  name: string;
  sql: string;
  columns: SqliteColumnInfo[];
  foreignKeys: SqliteForeignKey[];
  indexes: SqliteIndex[];
  checks: SqliteCheck[];
  /** table-level `CONSTRAINT "name" UNIQUE (...)` */
  namedUniques: { name: string; columns: string[] }[];
  /** columns declared with an inline UNIQUE */
  uniqueColumns: string[];
  autoincrement: boolean;
}

/** Split at top-level commas, respecting parentheses and quotes. */
export function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (quote) {
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(body.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}

/** The balanced parenthesised text starting at `open` (which must be '('), parentheses included. */
function balanced(text: string, open: number): string {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') {
      depth--;
      if (depth === 0) return text.slice(open, i + 1);
    }
  }
  throw new Error(`unbalanced parentheses in: ${text}`);
}

function unquote(identifier: string): string {
  const t = identifier.trim();
  return t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/""/g, '"') : t;
}

function tableBody(sql: string): string {
  const open = sql.indexOf('(');
  return balanced(sql, open).slice(1, -1);
}

function parseCreateTable(sql: string): Pick<SqliteTableInfo, 'checks' | 'namedUniques' | 'uniqueColumns' | 'autoincrement'> {
  const checks: SqliteCheck[] = [];
  const namedUniques: { name: string; columns: string[] }[] = [];
  const uniqueColumns: string[] = [];
  for (const item of splitTopLevel(tableBody(sql))) {
    const named = /^CONSTRAINT\s+("(?:[^"]|"")*"|\w+)\s+(CHECK|UNIQUE)\s*\(/i.exec(item);
    if (named) {
      const name = unquote(named[1]);
      const inner = balanced(item, named[0].length - 1);
      if (named[2].toUpperCase() === 'CHECK') checks.push({ name, sql: `CHECK ${inner}` });
      else namedUniques.push({ name, columns: splitTopLevel(inner.slice(1, -1)).map(unquote) });
      continue;
    }
    if (/^(CONSTRAINT|UNIQUE|CHECK|PRIMARY|FOREIGN)\b/i.test(item)) {
      throw new Error(`unsupported table constraint: ${item}`);
    }
    const column = /^("(?:[^"]|"")*"|\w+)/.exec(item);
    if (!column) throw new Error(`cannot parse column definition: ${item}`);
    const name = unquote(column[1]);
    const rest = item.slice(column[0].length);
    // inline UNIQUE / CHECK, outside of quoted text and parentheses
    let depth = 0;
    let quote: string | null = null;
    for (let i = 0; i < rest.length; i++) {
      const ch = rest[i];
      if (quote) {
        if (ch === quote) quote = null;
        continue;
      }
      if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '(') depth++;
      else if (ch === ')') depth--;
      else if (depth === 0 && /\s/.test(rest[i - 1] ?? ' ')) {
        if (/^UNIQUE\b/i.test(rest.slice(i))) uniqueColumns.push(name);
        const check = /^CHECK\s*\(/i.exec(rest.slice(i));
        if (check) {
          const inner = balanced(rest, i + check[0].length - 1);
          checks.push({ name: null, column: name, sql: `CHECK ${inner}` });
          i += check[0].length - 1 + inner.length - 1;
        }
      }
    }
  }
  return { checks, namedUniques, uniqueColumns, autoincrement: /\bAUTOINCREMENT\b/i.test(sql) };
}

/** The elements between the parentheses after `ON "table"` in a CREATE INDEX statement. */
function indexElements(createSql: string): string[] {
  const on = /\sON\s+("(?:[^"]|"")*"|\w+)\s*\(/i.exec(createSql);
  if (!on) return [];
  return splitTopLevel(balanced(createSql, on.index + on[0].length - 1).slice(1, -1));
}

export function introspectSqlite(db: BetterSqlite3.Database): SqliteTableInfo[] {
  const tables = db
    .prepare(
      "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY rowid",
    )
    .all() as { name: string; sql: string }[];
  const indexSql = new Map(
    (db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all() as {
      name: string;
      sql: string;
    }[]).map((row) => [row.name, row.sql]),
  );
  return tables.map(({ name, sql }) => {
    const columns = db.prepare('SELECT * FROM pragma_table_info(?) ORDER BY cid').all(name) as SqliteColumnInfo[];
    const foreignKeys = (
      db.prepare('SELECT * FROM pragma_foreign_key_list(?) ORDER BY id, seq').all(name) as (SqliteForeignKey & {
        id: number;
        seq: number;
      })[]
    ).map(({ from, table, to, on_update, on_delete, match }) => ({ from, table, to, on_update, on_delete, match }));
    const indexList = db.prepare('SELECT * FROM pragma_index_list(?)').all(name) as {
      name: string;
      unique: number;
      origin: string;
      partial: number;
    }[];
    const indexes: SqliteIndex[] = indexList
      .map((index) => {
        const info = db.prepare('SELECT * FROM pragma_index_info(?) ORDER BY seqno').all(index.name) as {
          cid: number;
          name: string | null;
        }[];
        const createSql = indexSql.get(index.name);
        // expression elements (name null): their text as written in CREATE INDEX
        const elements = createSql ? indexElements(createSql) : [];
        const result: SqliteIndex = {
          name: index.name,
          unique: index.unique === 1,
          origin: index.origin,
          partial: index.partial === 1,
          columns: info.map((col, i) => {
            if (col.name !== null) return col.name;
            if (!elements[i]) throw new Error(`cannot read expression of index ${index.name}`);
            return elements[i];
          }),
        };
        if (index.partial === 1 && createSql) {
          const where = /\sWHERE\s([\s\S]*)$/i.exec(createSql);
          if (where) result.where = where[1].trim();
        }
        return result;
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    return { name, sql, columns, foreignKeys, indexes, ...parseCreateTable(sql) };
  });
}
