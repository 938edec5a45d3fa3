// Readable differences between two introspected schemas (expected: a dump replayed; actual: the
// generated DDL), one line per difference.
import type { PgCatalog } from './introspect-postgres';
import type { SqliteTableInfo } from './introspect-sqlite';

function show(value: unknown): string {
  return JSON.stringify(value);
}

function diffKeyed<T>(
  out: string[],
  what: string,
  expected: Map<string, T>,
  actual: Map<string, T>,
  describe: (value: T) => unknown = (value) => value,
): void {
  const label = (key: string) => (what.endsWith('.') ? `${what}${key}` : `${what} ${key}`);
  for (const [key, value] of expected) {
    if (!actual.has(key)) out.push(`${label(key)}: missing (expected ${show(describe(value))})`);
    else if (show(describe(value)) !== show(describe(actual.get(key) as T))) {
      out.push(`${label(key)}: expected ${show(describe(value))}, got ${show(describe(actual.get(key) as T))}`);
    }
  }
  for (const [key, value] of actual) {
    if (!expected.has(key)) out.push(`${label(key)}: unexpected ${show(describe(value))}`);
  }
}

export function diffSqlite(expected: SqliteTableInfo[], actual: SqliteTableInfo[]): string[] {
  const out: string[] = [];
  const byName = (tables: SqliteTableInfo[]) => new Map(tables.map((t) => [t.name, t]));
  const exp = byName(expected);
  const act = byName(actual);
  for (const name of exp.keys()) if (!act.has(name)) out.push(`table ${name}: missing`);
  for (const name of act.keys()) if (!exp.has(name)) out.push(`table ${name}: unexpected`);
  for (const [name, e] of exp) {
    const a = act.get(name);
    if (!a) continue;
    diffKeyed(out, `column ${name}.`, new Map(e.columns.map((c) => [c.name, c])), new Map(a.columns.map((c) => [c.name, c])));
    const fk = (t: SqliteTableInfo) => new Map(t.foreignKeys.map((f) => [f.from, f]));
    diffKeyed(out, `foreign key ${name}.`, fk(e), fk(a));
    // CREATE INDEX indexes by name; constraint-made (sqlite_autoindex_*) ones by their columns
    const indexKey = (i: SqliteTableInfo['indexes'][number]) => (i.origin === 'c' ? i.name : `(${i.origin}: ${i.columns.join(', ')})`);
    const idx = (t: SqliteTableInfo) => new Map(t.indexes.map((i) => [indexKey(i), i]));
    diffKeyed(out, `index ${name}.`, idx(e), idx(a), (i) => ({ ...i, name: i.origin === 'c' ? i.name : undefined }));
    const checks = (t: SqliteTableInfo) => new Map(t.checks.map((c) => [c.name ?? `(column ${c.column})`, c]));
    diffKeyed(out, `check ${name}.`, checks(e), checks(a));
    diffKeyed(out, `unique constraint ${name}.`, new Map(e.namedUniques.map((u) => [u.name, u])), new Map(a.namedUniques.map((u) => [u.name, u])));
    if (e.autoincrement !== a.autoincrement) out.push(`table ${name}: AUTOINCREMENT expected ${e.autoincrement}`);
  }
  return out;
}

export function diffPostgres(expected: PgCatalog, actual: PgCatalog): string[] {
  const out: string[] = [];
  const tables = (c: PgCatalog) => new Map(c.tables.map((t) => [t, t]));
  diffKeyed(out, 'table', tables(expected), tables(actual));
  const columns = (c: PgCatalog) => {
    const position = new Map<string, number>();
    return new Map(
      c.columns.map((col) => {
        const n = (position.get(col.table) ?? 0) + 1;
        position.set(col.table, n);
        return [`${col.table}.${col.name}`, { ...col, position: n }];
      }),
    );
  };
  diffKeyed(out, 'column', columns(expected), columns(actual));
  const constraints = (c: PgCatalog) => new Map(c.constraints.map((con) => [`${con.table}.${con.name}`, con]));
  diffKeyed(out, 'constraint', constraints(expected), constraints(actual));
  const indexes = (c: PgCatalog) => new Map(c.indexes.map((i) => [`${i.table}.${i.name}`, i]));
  diffKeyed(out, 'index', indexes(expected), indexes(actual));
  const functions = (c: PgCatalog) => new Map(c.functions.map((f) => [f.name, f]));
  diffKeyed(out, 'function', functions(expected), functions(actual));
  const triggers = (c: PgCatalog) => new Map(c.triggers.map((t) => [`${t.table}.${t.name}`, t]));
  diffKeyed(out, 'trigger', triggers(expected), triggers(actual));
  return out;
}
