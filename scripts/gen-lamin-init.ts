// Generates, from what the real `lamin init` made (lamindb 2.9.1, bionty 2.4.2; test/data/reference/):
// - src/core/schema/lamin-init.json: the tables `lamin init --modules bionty` creates, each
//   table's column order per dialect, its django_migrations rows in their order per dialect
//   (SQLite: init/lamin-init-bionty.db; Postgres: postgres/pgtgt_empty.*), and on Postgres the
//   functions and CHECK constraints lamindb's migrations add outside the migration dumps;
// - src/core/schema/bionty-sources.json: the bionty_source rows it writes (the ontology sources
//   bionty ships), without ids and timestamps.
// lamindb-schema.json (from the migration dumps) stays the description of every table's columns,
// constraints and indexes; `init` lays it out as lamin init does (description.ts, laminInitSchema).
//
//   node --import tsx scripts/gen-lamin-init.ts [--check]   (--check: fail if a file would change)
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const REFERENCE = join(root, 'test', 'data', 'reference');
const LAYOUT = join(root, 'src', 'core', 'schema', 'lamin-init.json');
const SOURCES = join(root, 'src', 'core', 'schema', 'bionty-sources.json');

const tmp = mkdtempSync(join(tmpdir(), 'lamin-init-ref-'));
const file = join(tmp, 'lamin.db');
writeFileSync(file, gunzipSync(readFileSync(join(REFERENCE, 'lamin-init-bionty.db.gz'))));
const db = new Database(file, { readonly: true });

const sqliteTables = db
  .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
  .pluck()
  .all() as string[];
const sqliteOrder = new Map(
  sqliteTables.map((t) => [t, (db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').pluck().all(t) as string[])]),
);
const sqliteMigrations = db.prepare('SELECT app, name FROM django_migrations ORDER BY id').all() as { app: string; name: string }[];
const listed = readFileSync(join(REFERENCE, 'lamin-init-bionty.migrations.txt'), 'utf8').trim().split('\n');
if (listed.join('\n') !== sqliteMigrations.map((m) => `${m.app} ${m.name}`).join('\n')) {
  throw new Error('lamin-init-bionty.migrations.txt and the django_migrations rows of lamin-init-bionty.db.gz differ');
}

const SOURCE_COLUMNS = ['uid', 'entity', 'organism', 'name', 'version', 'in_db', 'currently_used', 'description', 'url', 'md5', 'source_website'];
const sources = (db.prepare(`SELECT ${SOURCE_COLUMNS.map((c) => `"${c}"`).join(', ')} FROM bionty_source ORDER BY id`).all() as Record<string, unknown>[]).map(
  (r) => ({ ...r, in_db: Boolean(r.in_db), currently_used: Boolean(r.currently_used) }),
);
db.close();
rmSync(tmp, { recursive: true, force: true });

// pg_dump's plain SQL: `CREATE TABLE public.<name> (` then one column per line until `);`.
const pgSchema = gunzipSync(readFileSync(join(REFERENCE, 'postgres', 'pgtgt_empty.schema.sql.gz'))).toString('utf8');
const pgOrder = new Map<string, string[]>();
for (const m of pgSchema.matchAll(/^CREATE TABLE public\.(\w+) \(\n([\s\S]*?)\n\);$/gm)) {
  const columns = m[2]!
    .split('\n')
    .map((line) => /^ {4}("?)(\w+)\1 /.exec(line)?.[2])
    .filter((c): c is string => c !== undefined && !/^CONSTRAINT$/i.test(c));
  pgOrder.set(m[1]!, columns);
}
// What lamindb's migrations create on Postgres outside what `sqlmigrate` dumps (0177_squashed's
// RunPython): the is_valid_<model>_type() functions and the CHECK constraints calling them.
const described = JSON.parse(readFileSync(join(root, 'src', 'core', 'schema', 'lamindb-schema.json'), 'utf8')) as {
  postgres: { functions: { name: string }[] };
  tables: { name: string; checks: { name: string }[] }[];
};
const knownFunctions = new Set(described.postgres.functions.map((f) => f.name));
const pgFunctions = [...pgSchema.matchAll(/^CREATE FUNCTION public\.(\w+)\((?:(?!^CREATE )[\s\S])*?^\$\w*\$;$/gm)]
  .filter((m) => !knownFunctions.has(m[1]!))
  .map((m) => ({ name: m[1]!, sql: m[0].replace(/^CREATE FUNCTION public\./, 'CREATE FUNCTION ') }));
const knownChecks = new Set(described.tables.flatMap((t) => t.checks.map((c) => `${t.name}.${c.name}`)));
const pgChecks: { table: string; name: string; sql: string }[] = [];
for (const [table] of pgOrder) {
  const body = new RegExp(`^CREATE TABLE public\\.${table} \\(\\n([\\s\\S]*?)\\n\\);$`, 'm').exec(pgSchema)![1]!;
  for (const m of body.matchAll(/^ {4}CONSTRAINT (\w+) (CHECK .*?),?$/gm)) {
    if (knownChecks.has(`${table}.${m[1]}`)) continue;
    if (!pgFunctions.some((f) => m[2]!.includes(`public.${f.name}(`))) throw new Error(`${table}.${m[1]}: a CHECK constraint the description lacks`);
    pgChecks.push({ table, name: m[1]!, sql: m[2]!.replace(/\bpublic\./g, '') });
  }
}

const pgData = gunzipSync(readFileSync(join(REFERENCE, 'postgres', 'pgtgt_empty.data.sql.gz'))).toString('utf8');
const pgMigrations = [...pgData.matchAll(/^INSERT INTO public\.django_migrations VALUES \(\d+, '(\w+)', '(\w+)',/gm)].map((m) => ({ app: m[1]!, name: m[2]! }));
const pgSources = [...pgData.matchAll(/^INSERT INTO public\.bionty_source VALUES/gm)].length;

const tables = [...new Set([...sqliteTables, ...pgOrder.keys()])].sort();
const problems: string[] = [];
for (const t of tables) {
  const s = sqliteOrder.get(t);
  const p = pgOrder.get(t);
  if (!s) problems.push(`${t}: only on Postgres`);
  else if (!p) problems.push(`${t}: only on SQLite`);
  else if ([...s].sort().join() !== [...p].sort().join()) problems.push(`${t}: other columns on Postgres`);
}
if (pgSources !== sources.length) problems.push(`bionty_source: ${sources.length} rows on SQLite, ${pgSources} on Postgres`);
if (problems.length > 0) throw new Error(`the SQLite and Postgres references disagree:\n${problems.join('\n')}`);

const layout = {
  source: {
    generatedBy: 'scripts/gen-lamin-init.ts',
    references: [
      'test/data/reference/lamin-init-bionty.db.gz',
      'test/data/reference/lamin-init-bionty.migrations.txt',
      'test/data/reference/postgres/pgtgt_empty.schema.sql.gz',
      'test/data/reference/postgres/pgtgt_empty.data.sql.gz',
    ],
    notes: ['lamin init (lamindb 2.9.1, bionty 2.4.2) --modules bionty, on SQLite and on Postgres 15'],
  },
  migrations: { sqlite: sqliteMigrations, postgres: pgMigrations },
  postgres: { functions: pgFunctions, checks: pgChecks },
  tables: Object.fromEntries(
    tables.map((t) => {
      const s = sqliteOrder.get(t)!;
      const p = pgOrder.get(t)!;
      return [t, s.join() === p.join() ? { columns: s } : { columns: s, postgresColumns: p }];
    }),
  ),
};

const outputs: [string, string][] = [
  [LAYOUT, `${JSON.stringify(layout, null, 2)}\n`],
  [SOURCES, `${JSON.stringify(sources, null, 2)}\n`],
];
if (process.argv.includes('--check')) {
  const stale = outputs.filter(([path, text]) => readFileSync(path, 'utf8') !== text).map(([path]) => path);
  if (stale.length > 0) {
    console.error(`out of date: ${stale.join(', ')} (run node --import tsx scripts/gen-lamin-init.ts)`);
    process.exit(1);
  }
} else {
  for (const [path, text] of outputs) writeFileSync(path, text);
  console.log(
    `${tables.length} tables, ${sqliteMigrations.length}/${pgMigrations.length} migrations (SQLite/Postgres), ` +
      `${pgFunctions.length} functions and ${pgChecks.length} checks on Postgres besides the description's, ${sources.length} bionty sources`,
  );
}
