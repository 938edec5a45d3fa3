import { LaminSyncError } from '../errors';
import { LAMINDB_SCHEMA, tablesForModules } from '../schema/description';
import { appOf } from '../schema/registries';
import type { Catalog } from './catalog';
import { readIdentity } from './identity';
import { introspect } from './introspect';
import { resolveLocator, type Locator } from './locator';
import { connectPostgres } from './postgres';
import { redactLocation } from './redact';
import { connectSqlite } from './sqlite';
import { postgresPhysicalId, postgresSnapshot, postgresWriteLock } from './postgres-session';

/** Connections of a Postgres pool the planner's snapshot reads may use at once. */
const PLAN_CONNECTIONS = 4;
import type { Instance, StatementCounter } from './types';

export interface OpenOptions {
  /** Sources are always opened read-only. */
  readOnly: boolean;
  /** Password for a Postgres URL that has none (the extension keeps it in SecretStorage). */
  password?: string;
  /** Overrides LaminDB's settings folder (default: `$LAMIN_SETTINGS_DIR/.lamin` or `~/.lamin`). */
  settingsDir?: string;
  /** Name the instance `owner/name` (a Postgres database does not hold its own name). */
  slug?: string;
}

/** Tables every LaminDB instance has; a database without them is not one. */
export const REQUIRED_TABLES = [
  'django_migrations',
  'lamindb_user',
  'lamindb_storage',
  'lamindb_transform',
  'lamindb_run',
  'lamindb_artifact',
  'lamindb_space',
  'lamindb_branch',
] as const;

export function assertLaminDb(catalog: Catalog, location: string): void {
  const missing = REQUIRED_TABLES.filter((t) => !catalog.tables.has(t));
  if (missing.length > 0) {
    throw new LaminSyncError(
      'NOT_LAMINDB',
      `${location} is not a LaminDB instance: it lacks the table${missing.length > 1 ? 's' : ''} ` +
        `${missing.join(', ')}. Point at a database that LaminDB (or \`lamin-sync init\`) created.`,
    );
  }
}

/**
 * A Postgres role that cannot read a table LaminDB's schema has for the instance's modules (or
 * any table of a module the instance's migrations name) would sync a part and say it synced all:
 * refused, naming the tables and the GRANT that fixes it. Other unreadable tables are left out of
 * the catalog.
 */
export function assertReadable(catalog: Catalog, location: string): void {
  const unreadable = catalog.unreadable ?? [];
  if (unreadable.length === 0) return;
  const known = new Set(LAMINDB_SCHEMA.tables.map((t) => t.app));
  const expected = new Set(tablesForModules([...catalog.apps].filter((a) => known.has(a))).map((t) => t.name));
  const blocked = unreadable.filter(
    (t) => expected.has(t) || catalog.apps.has(appOf(t)) || (REQUIRED_TABLES as readonly string[]).includes(t),
  );
  if (blocked.length === 0) {
    // Tables of no LaminDB module the role may not read stay out of sight, as before.
    for (const t of unreadable) catalog.tables.delete(t);
    return;
  }
  const role = catalog.role ?? 'the role';
  const list = blocked.sort().join(', ');
  throw new LaminSyncError(
    'PERMISSION',
    `The role ${role} may not read ${blocked.length > 1 ? 'the tables' : 'the table'} ${list} of ${location} ` +
      `(no SELECT privilege), so it would see only part of the instance. Grant it (GRANT SELECT ON ${list} TO ${role}) ` +
      'or connect as a role that may read every LaminDB table.',
  );
}

/** Opens an instance by path, storage root, Postgres URL or owner/name slug. */
export async function openInstance(input: string | Locator, options: OpenOptions): Promise<Instance> {
  const locator = typeof input === 'string' ? resolveLocator(input, options.settingsDir) : input;
  const counter: StatementCounter = { statements: 0 };
  const location = locator.kind === 'sqlite' ? locator.file : redactLocation(locator.url);
  let conn: { db: Instance['db']; close(): Promise<void> };
  let sessions: Pick<Instance, 'withSnapshot' | 'withWriteLock'>;
  let physicalId: string;
  if (locator.kind === 'sqlite') {
    const c = connectSqlite(locator.file, options.readOnly, counter);
    conn = c;
    sessions = c;
    physicalId = c.physicalId;
  } else {
    const c = await connectPostgres(locator.url, options.readOnly, counter, options.password);
    conn = c;
    sessions = {
      withSnapshot: (fn) => postgresSnapshot(c.pool, counter, PLAN_CONNECTIONS, fn),
      withWriteLock: (fn, o) => postgresWriteLock(c.pool, counter, location, fn, o),
    };
    try {
      physicalId = await postgresPhysicalId(c.pool);
    } catch (e) {
      await c.close().catch(() => undefined);
      throw e;
    }
  }
  try {
    const catalog = await introspect(conn.db, locator.kind);
    assertReadable(catalog, location);
    assertLaminDb(catalog, location);
    if (options.slug !== undefined && !/^[^/\s]+\/[^/\s]+$/.test(options.slug)) {
      throw new LaminSyncError('INVALID_ARGUMENT', `An instance name is owner/name; got '${options.slug}'.`);
    }
    const identity = await readIdentity(conn.db, locator, options.settingsDir, options.slug);
    return {
      dialect: locator.kind,
      db: conn.db,
      location,
      readOnly: options.readOnly,
      catalog,
      identity,
      counter,
      physicalId,
      withSnapshot: sessions.withSnapshot,
      withWriteLock: (fn, o) => {
        if (options.readOnly) {
          throw new LaminSyncError('READ_ONLY', `${identity.slug} (${location}) was opened read-only.`);
        }
        return sessions.withWriteLock(fn, o);
      },
      close: conn.close,
    };
  } catch (e) {
    await conn.close().catch(() => undefined);
    throw e;
  }
}
