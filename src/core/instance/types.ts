import type { Kysely } from 'kysely';
import type { Catalog } from './catalog';
import type { WriteLockOptions, WriteSession } from './sqlite';

export type { WriteLockOptions, WriteSession };

export type Dialect = 'sqlite' | 'postgres';

/** Who an instance is: LaminDB's `owner/name` slug and its 12-character instance uid. */
export interface InstanceIdentity {
  owner: string;
  name: string;
  /** `owner/name` */
  slug: string;
  /** 12-character instance uid (the `instance_uid` of the instance's own storage row). */
  uid: string;
  /** Root of the instance's own storage, when known. */
  storageRoot: string | null;
}

/** Counts what the engine sent to a database; the benchmark and the tests read it. */
export interface StatementCounter {
  statements: number;
}

export interface Instance {
  readonly dialect: Dialect;
  /** Kysely over the connection. Tables are untyped: identifiers come from `catalog`. */
  readonly db: Kysely<any>;
  /** Where it lives: a file path, or a Postgres URL with the password removed. */
  readonly location: string;
  readonly readOnly: boolean;
  readonly catalog: Catalog;
  readonly identity: InstanceIdentity;
  readonly counter: StatementCounter;
  /**
   * What the instance physically is (SQLite: device and inode; Postgres: server and database), so
   * that one instance reached by two paths, a link or two host names is recognised.
   */
  readonly physicalId: string;
  /**
   * Runs `fn` with a Kysely whose every read sees one consistent snapshot of the instance (one
   * read transaction), then ends it. The planner reads a source through it.
   */
  withSnapshot<T>(fn: (db: Kysely<any>) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in the instance's one write transaction, which holds its write lock from the start
   * (SQLite `BEGIN IMMEDIATE`, Postgres a transaction-scoped advisory lock), waiting for another
   * writer as long as `LAMIN_SYNC_LOCK_TIMEOUT` allows. Commits when `fn` returns, rolls back when
   * it throws.
   */
  withWriteLock<T>(fn: (session: WriteSession) => Promise<T>, options?: WriteLockOptions): Promise<T>;
  close(): Promise<void>;
}
