// Postgres for tests: one server per test run (started by test/run-tests.mjs, or any server you
// point LAMIN_SYNC_TEST_PG_URL at), a fresh empty database per test that asks for one.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export interface TestPostgres {
  /** The server URL from LAMIN_SYNC_TEST_PG_URL (its database is the maintenance database). */
  baseUrl: string;
  /** Create a fresh empty database and return its postgresql:// URL. */
  createDatabase(name?: string): Promise<string>;
}

export const TEST_PG_URL_ENV = 'LAMIN_SYNC_TEST_PG_URL';

export async function testPostgres(): Promise<TestPostgres> {
  const baseUrl = process.env[TEST_PG_URL_ENV];
  if (!baseUrl) {
    throw new Error(
      `${TEST_PG_URL_ENV} is not set. Run the tests through \`node test/run-tests.mjs\` (it starts an ` +
        `embedded Postgres), or set ${TEST_PG_URL_ENV} to a server URL such as ` +
        'postgresql://postgres:pw@127.0.0.1:5432/postgres',
    );
  }
  const createDatabase = async (name?: string): Promise<string> => {
    const dbName = name ?? `lamin_sync_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(dbName)) {
      throw new Error(`invalid test database name: ${dbName}`);
    }
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(dbName)}`);
    } finally {
      await client.end();
    }
    const url = new URL(baseUrl);
    url.pathname = `/${dbName}`;
    return url.toString();
  };
  return { baseUrl, createDatabase };
}

/** A client connected to `url` for the time of `fn`. */
export async function withPgClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
