// Instances for tests: built on LaminDB's own schema (the dumps of what its migrations create)
// or by `initInstance` (the project's declarative schema), on SQLite files and on Postgres.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { openInstance } from '../../src/core/instance/open';
import type { Instance } from '../../src/core/instance/types';
import { initInstance, writeInitialRows, writeStorageMarker } from '../../src/core/schema/init';
import { instanceUidFromUuid, localInstanceUuid } from '../../src/core/instance/settings';
import { DUMP_DIR, replayPostgresDump, replaySqliteDump } from './lamindb-dumps';
import { ddlStatements } from '../../src/core/schema/ddl';
import { LAMINDB_SCHEMA } from '../../src/core/schema/description';
import { testPostgres } from './postgres';

export type DialectName = 'sqlite' | 'postgres';
export const DIALECTS: DialectName[] = ['sqlite', 'postgres'];
export const PAIRS: Array<[DialectName, DialectName]> = [
  ['sqlite', 'sqlite'],
  ['sqlite', 'postgres'],
  ['postgres', 'sqlite'],
  ['postgres', 'postgres'],
];

export function tempDir(prefix = 'lamin-sync-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface MakeOptions {
  name: string;
  owner?: string;
  instanceUid?: string;
  /** `dump`: LaminDB's migrations' schema replayed; `init`: lamin-sync's own init. */
  via?: 'dump' | 'init';
  modules?: string[];
}

const templates = new Map<string, Promise<string>>();

/**
 * A Postgres template database holding the schema (LaminDB's dump, or lamin-sync's DDL for some
 * modules), made once per server: new test databases are copies of it, in milliseconds.
 */
async function postgresTemplate(kind: 'dump' | 'init', modules: string[]): Promise<string> {
  const fingerprint = createHash('sha256')
    .update(kind)
    .update(modules.join(','))
    .update(readFileSync(join(DUMP_DIR, 'schema-postgres.sql')))
    .update(JSON.stringify(LAMINDB_SCHEMA))
    .digest('hex')
    .slice(0, 12);
  const name = `lamin_tpl_${kind}_${fingerprint}`;
  const cached = templates.get(name);
  if (cached) return cached;
  const made = (async () => {
    const base = (await testPostgres()).baseUrl;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    try {
      await admin.query('SELECT pg_advisory_lock(hashtext($1))', [name]);
      const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (exists.rowCount === 0) {
        const building = `${name}_building`;
        await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(building)}`);
        await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(building)}`);
        const url = new URL(base);
        url.pathname = `/${building}`;
        const client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
        try {
          if (kind === 'dump') await replayPostgresDump(client);
          else {
            await client.query('BEGIN');
            for (const statement of ddlStatements('postgres', ['lamindb', ...modules])) await client.query(statement);
            await client.query('COMMIT');
          }
        } finally {
          await client.end();
        }
        await admin.query(`ALTER DATABASE ${admin.escapeIdentifier(building)} RENAME TO ${admin.escapeIdentifier(name)}`);
      }
      await admin.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
    } finally {
      await admin.end();
    }
    return name;
  })();
  templates.set(name, made);
  return made;
}

async function postgresDatabaseFrom(template: string): Promise<string> {
  const base = (await testPostgres()).baseUrl;
  const name = `lamin_sync_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)} TEMPLATE ${admin.escapeIdentifier(template)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates an empty instance and returns what `openInstance` takes (file path or Postgres URL). */
export async function makeInstance(dialect: DialectName, o: MakeOptions): Promise<string> {
  const owner = o.owner ?? 'anonymous';
  const instanceUid = o.instanceUid ?? instanceUidFromUuid(localInstanceUuid(owner, o.name));
  const storageRoot = join(tempDir(), o.name);
  mkdirSync(storageRoot, { recursive: true });
  const storageUid = createHash('md5').update(storageRoot).digest('base64url').replace(/[-_]/g, 'x').slice(0, 12);
  const via = o.via ?? 'dump';
  const modules = o.modules ?? ['bionty'];
  if (dialect === 'postgres') {
    // The schema from a template (the same statements, run once); the rows as init writes them.
    const db = await postgresDatabaseFrom(await postgresTemplate(via, via === 'dump' ? ['bionty'] : modules));
    const k = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db, max: 1 }) }) });
    await writeInitialRows(k, 'postgres', { storageRoot, storageUid, instanceUid, modules: via === 'dump' ? ['bionty'] : modules });
    await k.destroy();
    writeStorageMarker(storageRoot, { storageUid, owner, name: o.name, instanceUid });
    return db;
  }
  if (via === 'init') {
    const r = await initInstance({
      storage: storageRoot,
      modules,
      name: o.name,
      owner,
      instanceUid,
      storageUid,
    });
    return r.locator;
  }
  {
    const rows = { storageRoot, storageUid, instanceUid, modules: ['bionty'] };
    const file = join(storageRoot, '.lamindb', 'lamin.db');
    mkdirSync(join(storageRoot, '.lamindb'), { recursive: true });
    const raw = new Database(file);
    replaySqliteDump(raw);
    const k = new Kysely<any>({ dialect: new SqliteDialect({ database: raw }) });
    await writeInitialRows(k, 'sqlite', rows);
    await k.destroy();
    writeStorageMarker(storageRoot, { storageUid, owner, name: o.name, instanceUid });
    return file;
  }
}

/** Row counts of every table: the whole observable state of an instance, for "nothing changed" checks. */
export async function tableCounts(instance: Instance): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of [...instance.catalog.tables.keys()].sort()) {
    const r = await instance.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    out[table] = Number(r.n);
  }
  return out;
}

export function fileHash(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export async function withInstances<T>(
  locators: Array<[string, boolean]>,
  fn: (...instances: Instance[]) => Promise<T>,
): Promise<T> {
  const opened: Instance[] = [];
  let ok = false;
  try {
    for (const [loc, readOnly] of locators) opened.push(await openInstance(loc, { readOnly }));
    const out = await fn(...opened);
    ok = true;
    return out;
  } finally {
    // Sync writes SQLite with the row-by-row foreign-key checks off and checks its rows itself:
    // every test that wrote a SQLite instance also has SQLite check the whole file.
    if (ok) for (const i of opened) if (!i.readOnly && i.dialect === 'sqlite') await assertForeignKeysHold(i);
    for (const i of opened) await i.close();
  }
}

/** SQLite's `PRAGMA foreign_key_check` over the whole instance finds nothing. */
export async function assertForeignKeysHold(instance: Instance): Promise<void> {
  const { rows } = await sql`PRAGMA foreign_key_check`.execute(instance.db);
  assert.deepEqual(rows, [], `foreign keys of ${instance.location} point at missing rows`);
}

export function truthy(v: unknown): boolean {
  return v === true || v === 1;
}
