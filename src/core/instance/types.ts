import type { Kysely } from 'kysely';
import type { Catalog } from './catalog';

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
  close(): Promise<void>;
}
