import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { sql, type Kysely } from 'kysely';
import { LaminSyncError } from '../errors';
import { connectPostgres } from '../instance/postgres';
import { redactLocation } from '../instance/redact';
import { instanceUidFromUuid, localInstanceUuid } from '../instance/settings';
import { connectSqlite } from '../instance/sqlite';
import type { Dialect } from '../instance/types';
import { nowValue } from '../instance/values';
import { base62Uid } from '../sync/uid';
import { ddlStatements } from './ddl';
import biontySources from './bionty-sources.json';
import { laminInitSchema, migrationRows } from './description';

export interface InitOptions {
  /** Storage root: a local folder (created if missing) or a remote root such as `s3://bucket`. */
  storage: string;
  /** Modules besides lamindb (`bionty`). */
  modules?: string[];
  /** Instance name; default: the storage folder's name, lower-cased, as `lamin init` names it. */
  name?: string;
  owner?: string;
  /** A Postgres database to create the tables in; default: a SQLite file under the storage root. */
  db?: string;
  /** Password for a `db` URL that has none. */
  password?: string;
  /** Fix the instance uid (tests and the demo); default: derived from owner/name as lamindb-setup does. */
  instanceUid?: string;
  /** Fix the storage uid; default: random. */
  storageUid?: string;
}

export interface InitResult {
  dialect: Dialect;
  /** The SQLite file or the Postgres URL (password removed). */
  location: string;
  /** What to pass to `openInstance` (the SQLite file or the full Postgres URL). */
  locator: string;
  slug: string;
  instanceUid: string;
  storageRoot: string;
  storageUid: string;
}

function isRemote(root: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(root);
}

/** The rows LaminDB's setup writes into a new instance (lamindb-setup `register_initial_records`). */
export async function writeInitialRows(
  db: Kysely<any>,
  dialect: Dialect,
  o: { storageRoot: string; storageUid: string; instanceUid: string; modules: string[] },
): Promise<void> {
  const now = nowValue(dialect);
  const no = dialect === 'sqlite' ? 0 : false;
  for (const m of migrationRows(['lamindb', ...o.modules], laminInitSchema(dialect))) {
    await db.insertInto('django_migrations').values({ app: m.app, name: m.name, applied: now }).execute();
  }
  await db
    .insertInto('lamindb_space')
    .values({
      id: 1,
      uid: 'aaaaaaaaaaaa',
      name: 'all',
      description: 'Every team & user with access to the instance has access.',
    })
    .execute();
  await db.insertInto('lamindb_user').values({ id: 1, uid: '00000000', handle: 'anonymous', name: null }).execute();
  await db
    .insertInto('lamindb_branch')
    .values([
      { id: -1, uid: 'tttttttttttt', name: 'trash', description: 'The trash.', created_by_id: 1, _aux: null },
      { id: 0, uid: 'aaaaaaaaaaaa', name: 'archive', description: 'The archive.', created_by_id: 1, _aux: null },
      { id: 1, uid: 'mmmmmmmmmmmm', name: 'main', description: 'The main & default branch of the instance.', created_by_id: 1, _aux: null },
    ])
    .execute();
  await db
    .insertInto('lamindb_storage')
    .values({
      uid: o.storageUid,
      root: o.storageRoot,
      type: isRemote(o.storageRoot) ? o.storageRoot.split(':')[0]! : 'local',
      region: null,
      instance_uid: o.instanceUid,
      created_by_id: 1,
      is_locked: no,
      _aux: null,
    })
    .execute();
  if (o.modules.includes('bionty')) {
    // The ontology sources bionty ships, as bionty's setup writes them (bionty-sources.json).
    await db
      .insertInto('bionty_source')
      .values(
        biontySources.map((s, i) => ({
          id: i + 1,
          ...s,
          in_db: dialect === 'sqlite' ? Number(s.in_db) : s.in_db,
          currently_used: dialect === 'sqlite' ? Number(s.currently_used) : s.currently_used,
          is_locked: no,
          _aux: null,
          created_at: now,
          updated_at: now,
          branch_id: 1,
          space_id: 1,
          created_by_id: 1,
          created_on_id: 1,
        })),
      )
      .execute();
  }
  if (dialect === 'postgres') {
    // Rows inserted with explicit ids leave the identity sequences behind: move them on.
    for (const t of ['lamindb_space', 'lamindb_user', 'lamindb_branch', ...(o.modules.includes('bionty') ? ['bionty_source'] : [])]) {
      await sql`SELECT setval(pg_get_serial_sequence(${t}, 'id'), (SELECT GREATEST(MAX(id), 1) FROM ${sql.table(t)}))`.execute(db);
    }
  }
}

/** `<root>/.lamindb/storage_uid.txt` as lamindb-setup writes it: the storage's and the instance's identity. */
export function writeStorageMarker(
  root: string,
  o: { storageUid: string; owner: string; name: string; instanceUid: string },
): void {
  mkdirSync(join(root, '.lamindb'), { recursive: true });
  writeFileSync(
    join(root, '.lamindb', 'storage_uid.txt'),
    `${o.storageUid}\ncreation info:\ninstance_slug=${o.owner}/${o.name}\ninstance_id=${localInstanceUuid(o.owner, o.name)}\ninstance_uid=${o.instanceUid}`,
  );
}

/** The storage root, owner and name `init` gives an instance (`lamin init`'s rules). */
export function initIdentity(options: Pick<InitOptions, 'storage' | 'name' | 'owner'>): { storageRoot: string; owner: string; name: string } {
  const storageRoot = isRemote(options.storage) ? options.storage.replace(/\/+$/, '') : resolve(options.storage);
  const owner = options.owner ?? 'anonymous';
  const name = (options.name ?? basename(storageRoot)).toLowerCase();
  // Both name LaminDB's settings file (instance--OWNER--NAME.env): no path may come out of them.
  for (const [what, value] of [['owner', owner], ['name', name]] as const) {
    if (value === '' || /[/\\\0]|\.\./.test(value) || value === '.') {
      throw new LaminSyncError(
        'INVALID_ARGUMENT',
        `The instance ${what} ${JSON.stringify(value)} cannot name LaminDB's settings file (instance--OWNER--NAME.env): use one without /, \\ or "..".`,
      );
    }
  }
  return { storageRoot, owner, name };
}

/**
 * Creates an empty LaminDB instance, as `lamin init --storage DIR --modules bionty` does:
 * LaminDB's tables (from the schema description), its migration rows, and the rows its setup
 * writes (user, space, branches, the storage row carrying the instance uid). One transaction.
 */
export async function initInstance(options: InitOptions): Promise<InitResult> {
  const modules = [...new Set((options.modules ?? []).filter((m) => m && m !== 'lamindb'))];
  const { storageRoot, owner, name } = initIdentity(options);
  const instanceUid = options.instanceUid ?? instanceUidFromUuid(localInstanceUuid(owner, name));
  const storageUid = options.storageUid ?? base62Uid(12);
  let statements: string[];
  try {
    const dialect = options.db ? 'postgres' : 'sqlite';
    statements = ddlStatements(dialect, ['lamindb', ...modules], laminInitSchema(dialect));
  } catch (e) {
    throw new LaminSyncError('INVALID_ARGUMENT', `Cannot create the instance: ${(e as Error).message}`, { cause: e });
  }
  const counter = { statements: 0 };
  const rows = { storageRoot, storageUid, instanceUid, modules };

  if (options.db) {
    const conn = await connectPostgres(options.db, false, counter, options.password);
    try {
      const existing = await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_name = 'lamindb_artifact'`.execute(conn.db);
      if (existing.rows[0]!.n > 0) {
        throw new LaminSyncError('INVALID_ARGUMENT', `${redactLocation(options.db)} already holds a LaminDB instance.`);
      }
      await conn.db.transaction().execute(async (trx) => {
        for (const s of statements) await sql.raw(s).execute(trx);
        await writeInitialRows(trx, 'postgres', rows);
      });
    } finally {
      await conn.close();
    }
    if (!isRemote(storageRoot)) writeStorageMarker(storageRoot, { storageUid, owner, name, instanceUid });
    return {
      dialect: 'postgres',
      location: redactLocation(options.db),
      locator: options.db,
      slug: `${owner}/${name}`,
      instanceUid,
      storageRoot,
      storageUid,
    };
  }

  if (isRemote(storageRoot)) {
    throw new LaminSyncError(
      'INVALID_ARGUMENT',
      'A SQLite instance needs a local storage folder; pass --db postgresql://… for a remote storage root.',
    );
  }
  const dir = join(storageRoot, '.lamindb');
  const file = join(dir, 'lamin.db');
  if (existsSync(file)) {
    throw new LaminSyncError('INVALID_ARGUMENT', `${file} exists already: ${storageRoot} holds an instance.`);
  }
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, '');
  const conn = connectSqlite(file, false, counter);
  try {
    await conn.db.transaction().execute(async (trx) => {
      for (const s of statements) await sql.raw(s).execute(trx);
      await writeInitialRows(trx, 'sqlite', rows);
    });
  } finally {
    await conn.close();
  }
  writeStorageMarker(storageRoot, { storageUid, owner, name, instanceUid });
  return { dialect: 'sqlite', location: file, locator: file, slug: `${owner}/${name}`, instanceUid, storageRoot, storageUid };
}
