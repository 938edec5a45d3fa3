import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { ddlStatements } from '../../src/core/schema/ddl';
import {
  LAMINDB_SCHEMA,
  migrationRows,
  tablesForModules,
  type SchemaDescription,
} from '../../src/core/schema/description';
import { introspectPostgres, type PgCatalog } from '../support/introspect-postgres';
import { introspectSqlite, type SqliteTableInfo } from '../support/introspect-sqlite';
import { replayPostgresDump, replaySqliteDump } from '../support/lamindb-dumps';
import { testPostgres, withPgClient } from '../support/postgres';
import { diffPostgres, diffSqlite } from '../support/schema-diff';

const MODULES = ['lamindb', 'bionty'];

/** The description without one column (to check that the comparison notices). */
function withoutColumn(table: string, column: string): SchemaDescription {
  const copy = structuredClone(LAMINDB_SCHEMA);
  const t = copy.tables.find((x) => x.name === table);
  assert.ok(t, `no table ${table}`);
  t.columns = t.columns.filter((c) => c.name !== column);
  if (t.postgresColumnOrder) t.postgresColumnOrder = t.postgresColumnOrder.filter((c) => c !== column);
  t.indexes = t.indexes.filter((i) => !i.columns.includes(column));
  return copy;
}

describe('tablesForModules / migrationRows', () => {
  test('lamindb alone omits bionty tables but keeps the Django tables', () => {
    const names = tablesForModules(['lamindb']).map((t) => t.name);
    assert.equal(names.filter((n) => n.startsWith('bionty_')).length, 0);
    assert.ok(names.includes('lamindb_artifact'));
    assert.ok(names.includes('django_migrations'));
    assert.ok(names.includes('django_content_type'));
    const all = tablesForModules(MODULES).map((t) => t.name);
    assert.ok(all.some((n) => n.startsWith('bionty_')));
    assert.equal(all.length, LAMINDB_SCHEMA.tables.length);
  });

  test('unknown modules are rejected', () => {
    assert.throws(() => tablesForModules(['nope']), /unknown module 'nope'/);
  });

  test('migration rows per module', () => {
    const rows = migrationRows(['lamindb']);
    assert.ok(rows.some((r) => r.app === 'lamindb' && r.name === '0193_v2_9_part_2'));
    assert.ok(rows.some((r) => r.app === 'contenttypes'));
    assert.equal(rows.filter((r) => r.app === 'bionty').length, 0);
    assert.equal(migrationRows(MODULES).length, LAMINDB_SCHEMA.migrations.length);
  });

  test('bionty without lamindb is refused (bionty references lamindb tables)', () => {
    assert.throws(() => ddlStatements('sqlite', ['bionty']), /references lamindb_/);
  });
});

describe('ddlStatements on SQLite', () => {
  let dir: string;
  let expected: SqliteTableInfo[];

  function generated(modules: string[], schema?: SchemaDescription): SqliteTableInfo[] {
    const db = new Database(join(dir, `generated-${Math.random().toString(36).slice(2)}.db`));
    try {
      db.pragma('foreign_keys = ON');
      db.transaction(() => {
        for (const statement of ddlStatements('sqlite', modules, schema)) db.exec(statement);
      })();
      return introspectSqlite(db);
    } finally {
      db.close();
    }
  }

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'lamin-sync-ddl-'));
    const db = new Database(join(dir, 'dump.db'));
    replaySqliteDump(db);
    expected = introspectSqlite(db);
    db.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('creates the schema of schema-sqlite.sql (tables, PRAGMA table_info, foreign keys, indexes, checks)', () => {
    assert.deepEqual(diffSqlite(expected, generated(MODULES)), []);
  });

  test('a missing column shows in the comparison', () => {
    const diff = diffSqlite(expected, generated(MODULES, withoutColumn('lamindb_artifact', 'n_files')));
    assert.ok(diff.some((line) => line.startsWith('column lamindb_artifact.n_files: missing')), diff.join('\n'));
  });

  test('lamindb alone creates no bionty table', () => {
    const names = generated(['lamindb']).map((t) => t.name);
    assert.deepEqual(names.filter((n) => n.startsWith('bionty_')), []);
    assert.ok(names.includes('lamindb_artifact'));
  });
});

describe('ddlStatements on Postgres', () => {
  let createDatabase: () => Promise<string>;
  let expected: PgCatalog;

  async function generated(modules: string[], schema?: SchemaDescription): Promise<PgCatalog> {
    return withPgClient(await createDatabase(), async (client) => {
      await client.query('BEGIN');
      for (const statement of ddlStatements('postgres', modules, schema)) await client.query(statement);
      await client.query('COMMIT');
      return introspectPostgres(client);
    });
  }

  before(async () => {
    const server = await testPostgres();
    createDatabase = () => server.createDatabase();
    expected = await withPgClient(await createDatabase(), async (client) => {
      await replayPostgresDump(client);
      return introspectPostgres(client);
    });
  });

  test('creates the schema of schema-postgres.sql (columns, constraints, indexes, functions, triggers)', async () => {
    const actual = await generated(MODULES);
    assert.deepEqual(diffPostgres(expected, actual), []);
    assert.equal(actual.triggers.length, LAMINDB_SCHEMA.postgres.triggers.length);
    assert.ok(actual.triggers.length > 0);
  });

  test('a missing column shows in the comparison', async () => {
    const diff = diffPostgres(expected, await generated(MODULES, withoutColumn('lamindb_artifact', 'n_files')));
    assert.ok(diff.some((line) => line.startsWith('column lamindb_artifact.n_files: missing')), diff.join('\n'));
  });

  test('the reproduced triggers work: a ulabel cannot be its own type', async () => {
    await withPgClient(await createDatabase(), async (client) => {
      for (const statement of ddlStatements('postgres', ['lamindb'])) await client.query(statement);
      await client.query('BEGIN'); // foreign keys are deferred: no user row needed before the trigger fires
      await assert.rejects(
        client.query(
          "INSERT INTO lamindb_ulabel (id, uid, name, created_by_id, type_id) VALUES (1, 'aaaaaaaa', 'x', 1, 1)",
        ),
        /cannot be its own type/,
      );
      await client.query('ROLLBACK');
    });
  });
});
