// Instances for tests: built on LaminDB's own schema (the dumps of what its migrations create)
// or by `initInstance` (the project's declarative schema), on SQLite files and on Postgres.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { openInstance } from '../../src/core/instance/open';
import type { Instance } from '../../src/core/instance/types';
import { initInstance, writeInitialRows, writeStorageMarker } from '../../src/core/schema/init';
import { instanceUidFromUuid, localInstanceUuid } from '../../src/core/instance/settings';
import { replayPostgresDump, replaySqliteDump } from './lamindb-dumps';
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

/** Creates an empty instance and returns what `openInstance` takes (file path or Postgres URL). */
export async function makeInstance(dialect: DialectName, o: MakeOptions): Promise<string> {
  const owner = o.owner ?? 'anonymous';
  const instanceUid = o.instanceUid ?? instanceUidFromUuid(localInstanceUuid(owner, o.name));
  const storageRoot = join(tempDir(), o.name);
  mkdirSync(storageRoot, { recursive: true });
  const storageUid = createHash('md5').update(storageRoot).digest('base64url').replace(/[-_]/g, 'x').slice(0, 12);
  const db = dialect === 'postgres' ? await (await testPostgres()).createDatabase() : undefined;
  if ((o.via ?? 'dump') === 'init') {
    const r = await initInstance({
      storage: storageRoot,
      modules: o.modules ?? ['bionty'],
      name: o.name,
      owner,
      instanceUid,
      storageUid,
      ...(db ? { db } : {}),
    });
    return r.locator;
  }
  const rows = { storageRoot, storageUid, instanceUid, modules: ['bionty'] };
  if (dialect === 'sqlite') {
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
  const client = new pg.Client({ connectionString: db });
  await client.connect();
  try {
    await replayPostgresDump(client);
  } finally {
    await client.end();
  }
  const k = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db, max: 1 }) }) });
  await writeInitialRows(k, 'postgres', rows);
  await k.destroy();
  writeStorageMarker(storageRoot, { storageUid, owner, name: o.name, instanceUid });
  return db!;
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
  try {
    for (const [loc, readOnly] of locators) opened.push(await openInstance(loc, { readOnly }));
    return await fn(...opened);
  } finally {
    for (const i of opened) await i.close();
  }
}

export function truthy(v: unknown): boolean {
  return v === true || v === 1;
}
