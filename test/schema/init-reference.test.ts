// `lamin-sync init` against what the real `lamin init` (lamindb 2.9.1, bionty 2.4.2) made:
// test/data/reference/lamin-init-bionty.db.gz (SQLite), postgres/pgtgt_empty.* (Postgres), and
// the settings file it writes (settings/instance--anonymous--lninit.env).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { runCli } from '../support/cli';
import { tempDir } from '../support/instances';
import { introspectPostgres } from '../support/introspect-postgres';
import { testPostgres, withPgClient } from '../support/postgres';
import { diffPostgres } from '../support/schema-diff';

const REFERENCE = join(__dirname, '..', 'data', 'reference');

/** The CLI's init with LaminDB's settings in a folder of the test's own. */
async function init(args: string[]): Promise<{ settings: string }> {
  const settings = join(tempDir(), 'settings');
  const previous = process.env.LAMIN_SETTINGS_DIR;
  process.env.LAMIN_SETTINGS_DIR = settings;
  try {
    const r = await runCli(['init', ...args]);
    assert.equal(r.code, 0, r.err);
  } finally {
    process.env.LAMIN_SETTINGS_DIR = previous;
  }
  return { settings: join(settings, '.lamin') };
}

function referenceDb(): Database.Database {
  const file = join(tempDir(), 'lamin-init-bionty.db');
  writeFileSync(file, gunzipSync(readFileSync(join(REFERENCE, 'lamin-init-bionty.db.gz'))));
  return new Database(file, { readonly: true });
}

function rows(db: Database.Database, sql: string): unknown[] {
  return db.prepare(sql).all();
}

describe('init equals lamin init on SQLite', () => {
  it('the same tables, columns in the same order, indexes and constraints (sqlite_master), migrations, rows', async () => {
    const storage = join(tempDir(), 'lninit');
    const { settings } = await init(['--storage', storage, '--modules', 'bionty']);
    const ours = new Database(join(storage, '.lamindb', 'lamin.db'), { readonly: true });
    const ref = referenceDb();
    try {
      // Every table and index, with its SQL as SQLite keeps it: names, column order, types, defaults, constraints.
      const master = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name";
      assert.deepEqual(rows(ours, master), rows(ref, master));
      assert.deepEqual(rows(ours, "SELECT name FROM sqlite_master WHERE name = 'django_content_type'"), []);
      // django_migrations: the same rows in the same order (lamin-init-bionty.migrations.txt).
      const listed = readFileSync(join(REFERENCE, 'lamin-init-bionty.migrations.txt'), 'utf8').trim().split('\n');
      assert.deepEqual(
        (rows(ours, 'SELECT app, name FROM django_migrations ORDER BY id') as { app: string; name: string }[]).map((m) => `${m.app} ${m.name}`),
        listed,
      );
      // The rows: every column but timestamps and what names this instance (storage uid, root, instance uid).
      const same = (table: string, skip: string[]) => {
        const columns = (rows(ref, `SELECT name FROM pragma_table_info('${table}')`) as { name: string }[])
          .map((c) => c.name)
          .filter((c) => !['created_at', 'updated_at', ...skip].includes(c));
        const select = `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${table}" ORDER BY id`;
        assert.deepEqual(rows(ours, select), rows(ref, select), table);
      };
      same('bionty_source', []);
      same('lamindb_branch', []);
      same('lamindb_space', []);
      same('lamindb_user', []);
      same('lamindb_storage', ['uid', 'root', 'instance_uid']);
      assert.equal((rows(ours, 'SELECT count(*) AS n FROM bionty_source') as { n: number }[])[0]!.n, 43);
      // lamindb leaves _aux SQL NULL, not the JSON text null.
      for (const t of ['lamindb_branch', 'lamindb_storage', 'bionty_source']) {
        assert.deepEqual(rows(ours, `SELECT count(*) AS n FROM ${t} WHERE _aux IS NOT NULL`), [{ n: 0 }], t);
      }
    } finally {
      ours.close();
      ref.close();
    }
    // Registered as lamin init registers it, and made the current instance.
    const expected = readFileSync(join(REFERENCE, 'settings', 'instance--anonymous--lninit.env'), 'utf8').replace('/tmp/pl/lninit', storage);
    assert.equal(readFileSync(join(settings, 'instance--anonymous--lninit.env'), 'utf8'), expected);
    assert.equal(readFileSync(join(settings, 'current_instance.env'), 'utf8'), expected);
  });
});

describe('init equals lamin init on Postgres', () => {
  /** pg_dump's plain SQL as the reference README says it loads: without psql meta-commands and the empty search_path. */
  function loadable(file: string): string {
    return gunzipSync(readFileSync(join(REFERENCE, 'postgres', file)))
      .toString('utf8')
      .split('\n')
      .filter((l) => !l.startsWith('\\') && !l.startsWith("SELECT pg_catalog.set_config('search_path', '', false);"))
      .join('\n');
  }

  it('the same tables, columns in the same order, constraints, indexes, triggers (pgtgt_empty.schema.sql), migrations, sources', async () => {
    const server = await testPostgres();
    const refUrl = await server.createDatabase();
    const ref = await withPgClient(refUrl, async (c) => {
      for (const f of ['pgtgt_empty.schema.sql.gz', 'pgtgt_empty.data.sql.gz']) {
        await c.query('BEGIN');
        await c.query(loadable(f));
        await c.query('COMMIT');
      }
      return {
        catalog: await introspectPostgres(c),
        migrations: (await c.query('SELECT app, name FROM django_migrations ORDER BY id')).rows,
        sources: (await c.query('SELECT uid, entity, organism, name, version, in_db, currently_used, description, url, md5, source_website, is_locked, _aux, branch_id, space_id, created_by_id, created_on_id, run_id FROM bionty_source ORDER BY id')).rows,
      };
    });
    const db = await server.createDatabase();
    await init(['--storage', join(tempDir(), 'pgtgt'), '--modules', 'bionty', '--db', db]);
    const ours = await withPgClient(db, async (c) => ({
      catalog: await introspectPostgres(c),
      migrations: (await c.query('SELECT app, name FROM django_migrations ORDER BY id')).rows,
      sources: (await c.query('SELECT uid, entity, organism, name, version, in_db, currently_used, description, url, md5, source_website, is_locked, _aux, branch_id, space_id, created_by_id, created_on_id, run_id FROM bionty_source ORDER BY id')).rows,
    }));
    assert.deepEqual(diffPostgres(ref.catalog, ours.catalog), []);
    assert.deepEqual(ours.migrations, ref.migrations);
    assert.equal(ours.sources.length, 43);
    assert.deepEqual(ours.sources, ref.sources);
  });
});
