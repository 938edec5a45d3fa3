// Generates src/core/schema/lamindb-schema.json, the declarative description of LaminDB's
// schema, from the dumps in test/data/lamindb/: schema-sqlite.sql is replayed into an in-memory
// SQLite database, schema-postgres.sql into a fresh embedded Postgres (or the server in
// LAMIN_SYNC_TEST_PG_URL); both are introspected and merged into one logical description.
// Differences the mapping rules of src/core/schema/column-types.ts do not explain are printed
// (and recorded as per-dialect overrides / notes).
//
//   node --import tsx scripts/gen-schema.ts [--check]   (--check: fail if the JSON would change)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  defaultFromPostgres,
  defaultFromSqlite,
  logicalTypeFromPostgres,
  logicalTypeFromSqlite,
} from '../src/core/schema/column-types';
import type {
  CheckConstraintDescription,
  ColumnDescription,
  IndexDescription,
  MigrationRow,
  SchemaDescription,
  TableDescription,
  UniqueConstraintDescription,
} from '../src/core/schema/description';
import { startEmbeddedPostgres } from '../test/support/embedded-postgres.mjs';
import { introspectPostgres, type PgCatalog } from '../test/support/introspect-postgres';
import { introspectSqlite, type SqliteTableInfo } from '../test/support/introspect-sqlite';
import { readDump, replayPostgresDump, replaySqliteDump } from '../test/support/lamindb-dumps';
import { postgresDefaultUniqueName } from '../src/core/schema/postgres-names';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUTPUT = join(root, 'src', 'core', 'schema', 'lamindb-schema.json');

const problems: string[] = [];
function differ(message: string): void {
  problems.push(message);
}

function jsonCheck(column: string): RegExp {
  const c = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^CHECK \\(\\(JSON_VALID\\("${c}"\\) OR "${c}" IS NULL\\)\\)$`);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Django's names end in an 8-hex digest (+ a suffix); Postgres's copy is shortened before it. */
function djangoDigest(name: string): string | undefined {
  return /_([0-9a-f]{8})(_uniq|_like)?$/.exec(name)?.[1];
}

function sameElements(sqliteColumns: string[], pgColumns: string[], pgExpressions: boolean[]): boolean {
  // expression elements are compared by position only (SQLite keeps their text, Postgres deparses it)
  return (
    sqliteColumns.length === pgColumns.length &&
    sqliteColumns.every((c, i) => (c.startsWith('(') ? pgExpressions[i] : !pgExpressions[i] && c === pgColumns[i]))
  );
}

function normalizeCondition(sql: string): string {
  return sql.replace(/["()\s]/g, '').toLowerCase();
}

function describeTable(s: SqliteTableInfo | undefined, p: PgCatalog, name: string): TableDescription {
  const pgColumns = p.columns.filter((c) => c.table === name);
  const pgConstraints = p.constraints.filter((c) => c.table === name);
  const pgIndexes = p.indexes.filter((i) => i.table === name);
  if (!s) differ(`${name}: only on Postgres`);
  if (pgColumns.length === 0) differ(`${name}: only on SQLite`);
  const app = name.slice(0, name.indexOf('_'));

  const sqliteOrder = s ? s.columns.map((c) => c.name) : pgColumns.map((c) => c.name);
  const pgOrder = pgColumns.map((c) => c.name);
  const names = [...sqliteOrder, ...pgOrder.filter((n) => !sqliteOrder.includes(n))];

  const columns: ColumnDescription[] = names.map((colName) => {
    const sc = s?.columns.find((c) => c.name === colName);
    const pc = pgColumns.find((c) => c.name === colName);
    if (!sc) differ(`${name}.${colName}: only on Postgres`);
    if (!pc) differ(`${name}.${colName}: only on SQLite`);
    const sIsJson = !!s?.checks.some((ch) => ch.column === colName && jsonCheck(colName).test(ch.sql));
    const sType = sc ? logicalTypeFromSqlite(sc.type, sIsJson) : undefined;
    const pType = pc ? logicalTypeFromPostgres(pc.type) : undefined;
    if (sc && !sType) throw new Error(`${name}.${colName}: unknown SQLite type ${sc.type}`);
    if (pc && !pType) throw new Error(`${name}.${colName}: unknown Postgres type ${pc.type}`);
    const autoIncrement = pc ? pc.identity !== '' : !!(s?.autoincrement && sc?.pk);
    // the logical type: Postgres's (SQLite's auto-increment key is always `integer`)
    const logical = (pType ?? sType)!;
    const sNullable = sc ? sc.notnull === 0 : undefined;
    const pNullable = pc ? !pc.notnull : undefined;
    const column: ColumnDescription = { name: colName, type: logical.type, nullable: (pNullable ?? sNullable)! };
    if (logical.length !== undefined) column.length = logical.length;
    if (sc && sType && !(autoIncrement && sc.type.toLowerCase() === 'integer') && !sameJson(sType, logical)) {
      differ(`${name}.${colName}: type ${sc.type} on SQLite, ${pc?.type} on Postgres`);
      column.typeOverride = { sqlite: sc.type.toLowerCase() };
    }
    if (sNullable !== undefined && pNullable !== undefined && sNullable !== pNullable) {
      differ(`${name}.${colName}: nullable ${sNullable} on SQLite, ${pNullable} on Postgres`);
    }
    const sDefault = sc ? defaultFromSqlite(sc.dflt_value, logical.type) : undefined;
    const pDefault = pc ? defaultFromPostgres(pc.default, logical.type) : undefined;
    if (sc && pc && !sameJson(sDefault, pDefault)) {
      differ(`${name}.${colName}: default ${sc.dflt_value} on SQLite, ${pc.default} on Postgres`);
    }
    const dflt = pc ? pDefault : sDefault;
    if (dflt) column.default = dflt;
    const pk = pgConstraints.find((c) => c.type === 'p');
    const sPk = sc ? sc.pk > 0 : undefined;
    const pPk = pk ? pk.columns.includes(colName) : undefined;
    if (sPk !== undefined && pPk !== undefined && sPk !== pPk) differ(`${name}.${colName}: primary key differs`);
    if (pPk ?? sPk) column.primaryKey = true;
    if (autoIncrement) column.autoIncrement = true;
    if (sc && pc && s && !!s.autoincrement && !!sc.pk !== (pc.identity !== '')) {
      differ(`${name}.${colName}: auto-increment differs`);
    }
    const sUnique = s ? s.uniqueColumns.includes(colName) : undefined;
    const pUniqueConstraint = pgConstraints.find(
      (c) => c.type === 'u' && c.columns.length === 1 && c.columns[0] === colName && c.name === postgresDefaultUniqueName(name, colName),
    );
    if (s && pc && sUnique !== !!pUniqueConstraint) {
      // a differently named single-column unique constraint is handled with the multi-column ones
      const other = pgConstraints.find((c) => c.type === 'u' && c.columns.length === 1 && c.columns[0] === colName);
      if (!other) differ(`${name}.${colName}: unique ${sUnique} on SQLite, ${!!pUniqueConstraint} on Postgres`);
    }
    if (pc ? pUniqueConstraint : sUnique) column.unique = true;
    const sFk = s?.foreignKeys.find((fk) => fk.from === colName);
    const pFk = pgConstraints.find((c) => c.type === 'f' && c.columns.length === 1 && c.columns[0] === colName);
    if (sFk && pFk && (sFk.table !== pFk.refTable || sFk.to !== pFk.refColumns[0])) {
      differ(`${name}.${colName}: references ${sFk.table}.${sFk.to} on SQLite, ${pFk.refTable}.${pFk.refColumns[0]} on Postgres`);
    }
    if (s && pc && !!sFk !== !!pFk) differ(`${name}.${colName}: foreign key on one dialect only`);
    if (pFk && !(pFk.deferrable && pFk.deferred)) differ(`${name}.${colName}: Postgres FK not DEFERRABLE INITIALLY DEFERRED`);
    if (pFk) column.references = { table: pFk.refTable!, column: pFk.refColumns[0], constraint: pFk.name };
    else if (sFk) column.references = { table: sFk.table, column: sFk.to, constraint: '' };
    return column;
  });

  const table: TableDescription = { name, app, columns, uniqueConstraints: [], checks: [], indexes: [] };
  if (s && pgColumns.length > 0 && !sameJson(sqliteOrder, pgOrder)) table.postgresColumnOrder = pgOrder;

  // multi-column (and non-default-named) unique constraints
  const consumedSqliteIndexes = new Set<string>();
  const sqliteNamedUniques = [...(s?.namedUniques ?? [])];
  for (const c of pgConstraints.filter((c) => c.type === 'u')) {
    if (c.columns.length === 1 && c.name === postgresDefaultUniqueName(name, c.columns[0])) continue;
    const key = c.columns.join(',');
    const named = sqliteNamedUniques.find((u) => u.columns.join(',') === key);
    const index = s?.indexes.find((i) => i.origin === 'c' && i.unique && !i.partial && i.columns.join(',') === key);
    const unique: UniqueConstraintDescription = { name: c.name, columns: c.columns, sqlite: { as: 'index', name: c.name } };
    if (named) {
      unique.sqlite = { as: 'constraint', name: named.name };
      sqliteNamedUniques.splice(sqliteNamedUniques.indexOf(named), 1);
    } else if (index) {
      unique.sqlite = { as: 'index', name: index.name };
      consumedSqliteIndexes.add(index.name);
    } else if (c.columns.length === 1 && s?.uniqueColumns.includes(c.columns[0])) {
      differ(`${name}: unique constraint ${c.name} (${key}) is an inline UNIQUE on SQLite`);
      continue;
    } else if (s) {
      differ(`${name}: unique constraint ${c.name} (${key}) only on Postgres`);
    }
    if (unique.sqlite.name !== c.name && djangoDigest(unique.sqlite.name) !== djangoDigest(c.name)) {
      differ(`${name}: unique constraint named ${c.name} on Postgres, ${unique.sqlite.name} on SQLite`);
    }
    table.uniqueConstraints.push(unique);
  }
  for (const u of sqliteNamedUniques) {
    differ(`${name}: unique constraint ${u.name} (${u.columns.join(',')}) only on SQLite`);
    table.uniqueConstraints.push({ name: u.name, columns: u.columns, sqlite: { as: 'constraint', name: u.name } });
  }

  // check constraints other than SQLite's JSON_VALID ones
  const sChecks = (s?.checks ?? []).filter((ch) => !(ch.column && jsonCheck(ch.column).test(ch.sql)));
  for (const ch of sChecks.filter((ch) => ch.name === null)) differ(`${name}: unnamed SQLite check ${ch.sql}`);
  const pChecks = pgConstraints.filter((c) => c.type === 'c');
  for (const name2 of new Set([...sChecks.flatMap((c) => (c.name ? [c.name] : [])), ...pChecks.map((c) => c.name)])) {
    const sc = sChecks.find((c) => c.name === name2);
    const pc = pChecks.find((c) => c.name === name2);
    if (!sc || !pc) differ(`${name}: check ${name2} only on ${sc ? 'SQLite' : 'Postgres'}`);
    const check: CheckConstraintDescription = { name: name2, sql: { sqlite: sc?.sql ?? '', postgres: pc?.def ?? '' } };
    table.checks.push(check);
  }

  // indexes (not backing constraints)
  const sIndexes = (s?.indexes ?? []).filter((i) => i.origin === 'c' && !consumedSqliteIndexes.has(i.name));
  const pIdx = pgIndexes.filter((i) => !i.constraint);
  const matchedPg = new Set<string>();
  for (const si of sIndexes) {
    let pi = pIdx.find((i) => i.name === si.name);
    if (!pi) {
      pi = pIdx.find(
        (i) =>
          !matchedPg.has(i.name) &&
          i.unique === si.unique &&
          sameElements(si.columns, i.columns, i.expressions) &&
          !!i.predicate === !!si.where &&
          i.opclasses.every((o) => o === null) &&
          djangoDigest(i.name) !== undefined &&
          djangoDigest(i.name) === djangoDigest(si.name),
      );
    }
    const index: IndexDescription = { name: si.name, columns: si.columns, unique: si.unique };
    if (si.where) index.where = si.where;
    if (pi) {
      matchedPg.add(pi.name);
      if (pi.name !== si.name) index.postgresName = pi.name;
      if (pi.unique !== si.unique || !sameElements(si.columns, pi.columns, pi.expressions)) {
        differ(`${name}: index ${si.name} differs: ${pi.def}`);
      }
      if (pi.opclasses.some((o) => o !== null)) index.opclasses = pi.opclasses;
      if (si.where && normalizeCondition(si.where) !== normalizeCondition(pi.predicate ?? '')) {
        differ(`${name}: index ${si.name} condition ${si.where} on SQLite, ${pi.predicate} on Postgres`);
      }
    } else if (pgColumns.length > 0) {
      index.only = 'sqlite';
      differ(`${name}: index ${si.name} only on SQLite`);
    }
    table.indexes.push(index);
  }
  for (const pi of pIdx.filter((i) => !matchedPg.has(i.name))) {
    const elements = pi.columns.map((c, i) => (pi.expressions[i] ? `(${c})` : c));
    const index: IndexDescription = { name: pi.name, columns: elements, unique: pi.unique };
    if (pi.predicate) index.where = pi.predicate;
    if (pi.opclasses.some((o) => o !== null)) index.opclasses = pi.opclasses;
    if (s) index.only = 'postgres';
    // Django's `_like` indexes (varchar_pattern_ops / text_pattern_ops) exist on Postgres only
    if (s && !/_like$/.test(pi.name)) differ(`${name}: index ${pi.name} only on Postgres (${pi.def})`);
    table.indexes.push(index);
  }
  return table;
}

function readMigrations(): MigrationRow[] {
  const lines = readDump('django_migrations.tsv').split('\n').filter((l) => l.trim() !== '');
  const [header, ...rows] = lines;
  if (header.trim() !== 'app\tname') throw new Error(`unexpected django_migrations.tsv header: ${header}`);
  return rows.map((line) => {
    const [app, name] = line.split('\t');
    return { app, name };
  });
}

async function introspectPostgresDump(): Promise<PgCatalog> {
  const external = process.env.LAMIN_SYNC_TEST_PG_URL;
  const server = external ? undefined : await startEmbeddedPostgres();
  const serverUrl = external ?? server!.url;
  const dbName = `lamin_sync_gen_schema_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(dbName)}`);
    const url = new URL(serverUrl);
    url.pathname = `/${dbName}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      await replayPostgresDump(client);
      return await introspectPostgres(client);
    } finally {
      await client.end();
      await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(dbName)}`);
    }
  } finally {
    await admin.end();
    await server?.stop();
  }
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const sqliteDb = new Database(':memory:');
  replaySqliteDump(sqliteDb);
  const sqlite = introspectSqlite(sqliteDb);
  sqliteDb.close();
  const postgres = await introspectPostgresDump();

  const tableNames = [...sqlite.map((t) => t.name), ...postgres.tables.filter((t) => !sqlite.some((s) => s.name === t))];
  const tables = tableNames.map((name) => describeTable(sqlite.find((t) => t.name === name), postgres, name));

  const triggers = postgres.triggers.map((t) => ({
    name: t.name,
    table: t.table,
    function: t.function,
    sql: t.def,
    comment: t.comment,
  }));
  const functions = postgres.functions.map((f) => ({ name: f.name, sql: f.def }));
  for (const f of functions) {
    if (f.name !== '_pgtrigger_should_ignore' && !triggers.some((t) => t.function === f.name)) {
      differ(`function ${f.name} is used by no trigger`);
    }
  }

  const description: SchemaDescription = {
    source: {
      generatedBy: 'scripts/gen-schema.ts',
      dumps: ['test/data/lamindb/schema-sqlite.sql', 'test/data/lamindb/schema-postgres.sql', 'test/data/lamindb/django_migrations.tsv'],
      notes: [
        'django_migrations and django_content_type on Postgres: not in schema-postgres.sql; from POSTGRES_DJANGO_TABLES_SQL in test/support/lamindb-dumps.ts',
        ...problems.map((p) => `dialects differ: ${p}`),
      ],
    },
    tables,
    migrations: readMigrations(),
    postgres: { functions, triggers },
  };
  const json = `${JSON.stringify(description, null, 1)}\n`;
  if (problems.length > 0) {
    console.error(`differences between the dumps beyond the mapping rules (${problems.length}):`);
    for (const p of problems) console.error(`  - ${p}`);
  }
  console.error(
    `${tables.length} tables, ${tables.reduce((n, t) => n + t.columns.length, 0)} columns, ` +
      `${functions.length} functions, ${triggers.length} triggers, ${description.migrations.length} migrations`,
  );
  if (check) {
    let current = '';
    try {
      current = readFileSync(OUTPUT, 'utf8');
    } catch {
      // missing
    }
    if (current !== json) {
      console.error(`${OUTPUT} is out of date; run node --import tsx scripts/gen-schema.ts`);
      process.exitCode = 1;
    }
    return;
  }
  writeFileSync(OUTPUT, json);
  console.error(`wrote ${OUTPUT}`);
}

// explicit exit: embedded-postgres's exit hook would otherwise end the process with code 0
main().then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
