// A fast bulk generator of annotated artifacts for the benchmark: explicit ids, multi-row
// parameterized INSERTs through the raw drivers (better-sqlite3, pg), one transaction.
// Identifiers are checked against the instance's catalog before they reach SQL.
import Database from 'better-sqlite3';
import pg from 'pg';
import { openInstance } from '../src/core/instance/open';
import type { Catalog } from '../src/core/instance/catalog';
import type { Dialect } from '../src/core/instance/types';
import { quoteIdentifier } from '../src/core/schema/column-types';
import { lamindbSchemaHash } from '../src/core/sync/slot-schemas';
import { BASE62 } from '../src/core/sync/uid';

const DATETIME_COLUMNS = new Set(['created_at', 'updated_at', 'started_at', 'finished_at']);

/** A unique uid of `length` characters: a prefix, then a base62 counter. */
export function uidOf(prefix: string, i: number, length: number): string {
  let s = '';
  let n = i;
  do {
    s = BASE62[n % 62]! + s;
    n = Math.floor(n / 62);
  } while (n > 0);
  const body = prefix + s.padStart(length - prefix.length, '0');
  if (body.length !== length) throw new Error(`uid ${body} is not ${length} characters`);
  return body;
}

/** A table (or a column of it) quoted for SQL, once the instance's catalog is found to have it. */
export function quote(catalog: Catalog, table: string, column?: string): string {
  const info = catalog.tables.get(table);
  if (!info) throw new Error(`no table ${table}`);
  if (column !== undefined && !info.columnByName.has(column)) throw new Error(`no column ${table}.${column}`);
  return quoteIdentifier(column ?? table);
}

export interface BulkWriter {
  insert(table: string, columns: string[], rows: unknown[][]): Promise<void>;
  finish(): Promise<void>;
}

/** Opens a writer on an initialised instance (SQLite file or Postgres URL); all writes in one transaction. */
export async function openWriter(locator: string): Promise<BulkWriter> {
  const probe = await openInstance(locator, { readOnly: true });
  const catalog = probe.catalog;
  const dialect: Dialect = probe.dialect;
  await probe.close();
  const touched = new Set<string>();

  const sqlFor = (table: string, columns: string[], rowCount: number, dollar: boolean): string => {
    const cols = columns.map((c) => quote(catalog, table, c)).join(', ');
    let p = 0;
    const tuples: string[] = [];
    for (let r = 0; r < rowCount; r++) {
      tuples.push(`(${columns.map(() => (dollar ? `$${++p}` : '?')).join(', ')})`);
    }
    return `INSERT INTO ${quote(catalog, table)} (${cols}) VALUES ${tuples.join(', ')}`;
  };
  const convert = (columns: string[], row: unknown[]): unknown[] =>
    row.map((v, i) => {
      if (dialect === 'sqlite') return typeof v === 'boolean' ? (v ? 1 : 0) : v;
      if (typeof v === 'string' && DATETIME_COLUMNS.has(columns[i]!)) return `${v}+00`;
      return v;
    });

  if (dialect === 'sqlite') {
    const db = new Database(locator);
    db.pragma('journal_mode = WAL');
    db.exec('BEGIN');
    const cache = new Map<string, Database.Statement>();
    return {
      async insert(table, columns, rows) {
        const per = Math.max(1, Math.floor(30_000 / columns.length));
        for (let i = 0; i < rows.length; i += per) {
          const part = rows.slice(i, i + per);
          const key = `${table}|${columns.join(',')}|${part.length}`;
          let stmt = cache.get(key);
          if (!stmt) cache.set(key, (stmt = db.prepare(sqlFor(table, columns, part.length, false))));
          stmt.run(part.flatMap((r) => convert(columns, r)));
        }
      },
      async finish() {
        db.exec('COMMIT');
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.pragma('journal_mode = DELETE');
        db.close();
      },
    };
  }
  const client = new pg.Client({ connectionString: locator });
  await client.connect();
  await client.query('BEGIN');
  return {
    async insert(table, columns, rows) {
      touched.add(table);
      const per = Math.max(1, Math.floor(60_000 / columns.length));
      for (let i = 0; i < rows.length; i += per) {
        const part = rows.slice(i, i + per);
        await client.query(sqlFor(table, columns, part.length, true), part.flatMap((r) => convert(columns, r)));
      }
    },
    async finish() {
      // Explicit ids leave identity sequences behind: move them on.
      for (const t of touched) {
        if (!catalog.tables.get(t)?.columnByName.has('id')) continue;
        await client.query(`SELECT setval(pg_get_serial_sequence($1, 'id'), (SELECT GREATEST(MAX(id), 1) FROM ${quote(catalog, t)}))`, [t]);
      }
      await client.query('COMMIT');
      await client.query('ANALYZE');
      await client.end();
    },
  };
}

function stamp(base: number, i: number): string {
  const iso = new Date(base + i * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.000000`;
}

const range = (n: number, start = 1) => Array.from({ length: n }, (_, i) => i + start);

export interface GeneratedCounts {
  artifacts: number;
  rows: Record<string, number>;
}

/**
 * N annotated artifacts: each on one of 4 storages, made by a run of a transform, with a schema
 * slot (8 features), 5 labels from 3 registries (2 ULabels, 2 bionty CellTypes, 1 Project) and
 * 2 feature values (one its own, one shared). Pools of labels, schemas, runs grow with N.
 */
export async function generateAnnotated(locator: string, n: number): Promise<GeneratedCounts> {
  const w = await openWriter(locator);
  const rows: Record<string, number> = {};
  const ins = async (table: string, columns: string[], data: unknown[][]) => {
    await w.insert(table, columns, data);
    rows[table] = (rows[table] ?? 0) + data.length;
  };
  const base = Date.UTC(2025, 0, 1);
  const STORAGES = 4;
  const storageIds = range(STORAGES, 100);
  await ins(
    'lamindb_storage',
    ['id', 'uid', 'root', 'type', 'region', 'created_by_id'],
    storageIds.map((id, i) => [id, uidOf('BS', i, 12), `s3://bench-bucket-${i}`, 's3', 'us-east-1', 1]),
  );
  const T = Math.max(1, Math.ceil(n / 100));
  await ins(
    'lamindb_transform',
    ['id', 'uid', 'key', 'kind', 'is_latest', 'created_by_id', 'created_at'],
    range(T).map((id) => [id, uidOf('BT', id, 12) + '0000', `bench/transform-${id}.py`, 'script', true, 1, stamp(base, id)]),
  );
  const R = Math.max(1, Math.ceil(n / 10));
  await ins(
    'lamindb_run',
    ['id', 'uid', 'transform_id', 'created_by_id', 'started_at', 'created_at', '_status_code'],
    range(R).map((id) => [id, uidOf('BR', id, 20), ((id - 1) % T) + 1, 1, stamp(base, id), stamp(base, id), 0]),
  );
  // An id after the ontology sources `init` writes (as lamin init does: bionty's 43).
  const BENCH_SOURCE = 100;
  await ins(
    'bionty_source',
    ['id', 'uid', 'entity', 'organism', 'name', 'version', 'in_db', 'currently_used', 'created_by_id'],
    [[BENCH_SOURCE, 'BSrcCL01', 'bionty.CellType', 'all', 'cl', '2024-08-16', false, true, 1]],
  );
  // 24 features: ULabel-typed, CellType-typed and plain ones.
  const F = 24;
  const dtype = (k: number) => (k % 3 === 0 ? 'cat[ULabel]' : k % 3 === 1 ? 'cat[bionty.CellType]' : k % 6 === 2 ? 'str' : 'num');
  await ins(
    'lamindb_feature',
    ['id', 'uid', 'name', '_dtype_str', 'array_rank', 'array_size', 'created_by_id', 'run_id'],
    range(F).map((id) => [id, uidOf('BF', id, 12), `bench_feature_${id}`, dtype(id - 1), 0, 0, 1, 1]),
  );
  const featULabel = 1; // dtype cat[ULabel]
  const featCell = 2; // cat[bionty.CellType]
  const featNote = 3; // str
  const featNum = 6; // num
  const K = Math.max(1, Math.ceil(n / 100));
  const schemaFeatures: unknown[][] = [];
  let sf = 0;
  for (let s = 1; s <= K; s++) {
    for (let j = 0; j < 8; j++) schemaFeatures.push([++sf, s, ((s % 3) * 8 + j) % F + 1]);
  }
  // Each schema's hash as LaminDB computes it from its features (a target finds it by that hash).
  const schemaHash = (s: number) =>
    lamindbSchemaHash('Feature', null, schemaFeatures.filter((l) => l[1] === s).map((l) => uidOf('BF', Number(l[2]), 12)));
  await ins(
    'lamindb_schema',
    ['id', 'uid', 'itype', 'n_members', 'hash', 'minimal_set', 'ordered_set', 'maximal_set', 'created_by_id', 'run_id'],
    range(K).map((id) => [id, uidOf('BSc', id, 16), 'Feature', 8, schemaHash(id), true, false, false, 1, 1]),
  );
  await ins('lamindb_schemafeature', ['id', 'schema_id', 'feature_id'], schemaFeatures);
  const U = Math.max(20, Math.ceil(n / 20));
  const C = Math.max(20, Math.ceil(n / 20));
  const P = 20;
  await ins(
    'lamindb_ulabel',
    ['id', 'uid', 'name', 'created_by_id', 'run_id'],
    range(U).map((id) => [id, uidOf('U', id, 8), `bench label ${id}`, 1, 1]),
  );
  await ins(
    'bionty_celltype',
    ['id', 'uid', 'name', 'ontology_id', 'source_id', 'created_by_id', 'run_id'],
    range(C).map((id) => [id, uidOf('BC', id, 14), `bench cell type ${id}`, `CL:${String(9_000_000 + id)}`, BENCH_SOURCE, 1, 1]),
  );
  await ins(
    'lamindb_project',
    ['id', 'uid', 'name', 'created_by_id', 'run_id'],
    range(P).map((id) => [id, uidOf('BP', id, 12), `bench project ${id}`, 1, 1]),
  );
  // Feature values: one per artifact (its note), 50 shared numbers.
  const SHARED = 50;
  await ins(
    'lamindb_jsonvalue',
    ['id', 'feature_id', 'value', 'hash', 'created_by_id', 'run_id'],
    [
      ...range(SHARED).map((id) => [id, featNum, String(id), uidOf('num', id, 22), 1, 1]),
      ...range(n, SHARED + 1).map((id) => [id, featNote, JSON.stringify(`note for dataset ${id - SHARED}`), null, 1, 1]),
    ],
  );
  // The artifacts.
  const ids = range(n);
  await ins(
    'lamindb_artifact',
    ['id', 'uid', 'key', 'description', 'suffix', 'kind', 'otype', 'size', 'hash', 'n_observations', 'is_latest', '_key_is_virtual', '_overwrite_versions', 'storage_id', 'schema_id', 'run_id', 'created_by_id', 'created_at', 'updated_at'],
    ids.map((id) => [
      id,
      uidOf('BA', id, 16) + '0000',
      `bench/dataset-${id}.h5ad`,
      `benchmark dataset ${id}`,
      '.h5ad',
      'dataset',
      'AnnData',
      1000 + id,
      uidOf('H', id, 22),
      100,
      true,
      true,
      false,
      storageIds[id % STORAGES],
      ((id - 1) % K) + 1,
      ((id - 1) % R) + 1,
      1,
      stamp(base, id),
      stamp(base, id),
    ]),
  );
  await ins(
    'lamindb_artifactschema',
    ['id', 'artifact_id', 'schema_id', 'slot', 'created_by_id'],
    ids.map((id) => [id, id, ((id - 1) % K) + 1, 'obs', 1]),
  );
  await ins(
    'lamindb_artifactulabel',
    ['id', 'artifact_id', 'ulabel_id', 'feature_id', 'created_by_id'],
    ids.flatMap((id) => [
      [2 * id - 1, id, ((2 * id) % U) + 1, featULabel, 1],
      [2 * id, id, ((2 * id + 1) % U) + 1, featULabel, 1],
    ]),
  );
  await ins(
    'bionty_artifactcelltype',
    ['id', 'artifact_id', 'celltype_id', 'feature_id', 'created_by_id'],
    ids.flatMap((id) => [
      [2 * id - 1, id, ((3 * id) % C) + 1, featCell, 1],
      [2 * id, id, ((3 * id + 1) % C) + 1, featCell, 1],
    ]),
  );
  await ins(
    'lamindb_artifactproject',
    ['id', 'artifact_id', 'project_id', 'created_by_id'],
    ids.map((id) => [id, id, (id % P) + 1, 1]),
  );
  await ins(
    'lamindb_artifactjsonvalue',
    ['id', 'artifact_id', 'jsonvalue_id', 'created_by_id'],
    ids.flatMap((id) => [
      [2 * id - 1, id, SHARED + id, 1],
      [2 * id, id, (id % SHARED) + 1, 1],
    ]),
  );
  await w.finish();
  return { artifacts: n, rows };
}

/** A registry listing at scale: `n` plain artifacts on one storage, created one second apart. */
export async function generatePlainArtifacts(locator: string, n: number): Promise<void> {
  const w = await openWriter(locator);
  await w.insert('lamindb_storage', ['id', 'uid', 'root', 'type', 'created_by_id'], [[100, 'BListStor001', 's3://bench-listing', 's3', 1]]);
  const base = Date.UTC(2024, 0, 1);
  const ids = range(n);
  await w.insert(
    'lamindb_artifact',
    ['id', 'uid', 'key', 'suffix', 'size', 'hash', 'is_latest', '_key_is_virtual', '_overwrite_versions', 'storage_id', 'created_by_id', 'created_at', 'updated_at'],
    ids.map((id) => [id, uidOf('BL', id, 16) + '0000', `listing/file-${id}.parquet`, '.parquet', id, uidOf('L', id, 22), true, true, false, 100, 1, stamp(base, id), stamp(base, id)]),
  );
  await w.finish();
}
