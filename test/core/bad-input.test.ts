// Every bad input gets its clear error, and nothing is written.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { LaminSyncError, type LaminSyncErrorCode } from '../../src/core/errors';
import { GUIDE_ARTIFACT, GUIDE_SOURCE, seedGuideExample } from '../../src/core/example/guide';
import { openInstance } from '../../src/core/instance/open';
import { CLI_TRACKING } from '../../src/core/sync/context';
import { sync } from '../../src/core/sync/index';
import { testPostgres } from '../support/postgres';
import { fileHash, makeInstance, tableCounts, tempDir, withInstances } from '../support/instances';

function isError(code: LaminSyncErrorCode, pattern: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof LaminSyncError, `expected a LaminSyncError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, pattern);
    return true;
  };
}

async function source(): Promise<string> {
  const loc = await makeInstance('sqlite', { name: GUIDE_SOURCE.name, owner: GUIDE_SOURCE.owner, instanceUid: GUIDE_SOURCE.instanceUid });
  await withInstances([[loc, false]], (i) => seedGuideExample(i));
  return loc;
}

describe('opening bad inputs', () => {
  it('refuses a missing file, naming it', async () => {
    const missing = join(tempDir(), 'nope', 'lamin.db');
    await assert.rejects(openInstance(missing, { readOnly: true }), isError('NOT_FOUND', /nope/));
  });

  it('refuses a folder without .lamindb/lamin.db', async () => {
    const dir = tempDir();
    await assert.rejects(openInstance(dir, { readOnly: true }), isError('NOT_FOUND', /holds no LaminDB instance/));
  });

  it('refuses a corrupt file, and leaves it as it was', async () => {
    const file = join(tempDir(), 'lamin.db');
    writeFileSync(file, Buffer.from('this is not a database, just some bytes '.repeat(200)));
    const before = fileHash(file);
    await assert.rejects(openInstance(file, { readOnly: true }), isError('CORRUPT', /not a readable SQLite database/));
    await assert.rejects(openInstance(file, { readOnly: false }), isError('CORRUPT', /not a readable SQLite database/));
    assert.equal(fileHash(file), before);
  });

  it('refuses a SQLite database that is not a LaminDB instance, naming the missing tables', async () => {
    const file = join(tempDir(), 'other.db');
    const db = new Database(file);
    db.exec('CREATE TABLE notes (id integer primary key, body text)');
    db.close();
    await assert.rejects(
      openInstance(file, { readOnly: true }),
      isError('NOT_LAMINDB', /not a LaminDB instance.*django_migrations.*lamindb_artifact/),
    );
  });

  it('refuses a Postgres database that is not a LaminDB instance', async () => {
    const url = await (await testPostgres()).createDatabase();
    await assert.rejects(openInstance(url, { readOnly: true }), isError('NOT_LAMINDB', /lamindb_storage/));
  });

  it('gives a clear error for a wrong Postgres password, without printing it', async () => {
    const url = new URL(await (await testPostgres()).createDatabase());
    url.password = 'wrong-password-123';
    await assert.rejects(openInstance(url.toString(), { readOnly: true }), (e: unknown) => {
      isError('CONNECTION', /refused the credentials/)(e);
      assert.doesNotMatch((e as Error).message, /wrong-password-123/);
      return true;
    });
  });

  it('refuses an unknown owner/name slug, naming the settings folder', async () => {
    const dir = tempDir();
    await assert.rejects(openInstance('someone/unknown', { readOnly: true, settingsDir: dir }), isError('NOT_FOUND', /instance--someone--unknown\.env/));
  });
});

describe('sync bad inputs write nothing', () => {
  it('unknown uid or key', async () => {
    const src = await source();
    const tgt = await makeInstance('sqlite', { name: 'target', via: 'init' });
    await withInstances([[src, true], [tgt, false]], async (s, t) => {
      const counts = await tableCounts(t);
      await assert.rejects(sync(s, t, { uids: ['NoSuchUid0000000'] }, { tracking: CLI_TRACKING }), isError('NOT_FOUND', /NoSuchUid0000000/));
      await assert.rejects(
        sync(s, t, { keys: [GUIDE_ARTIFACT.key, 'missing/key.csv'] }, { tracking: CLI_TRACKING }),
        isError('NOT_FOUND', /No Artifact with key 'missing\/key\.csv'/),
      );
      assert.deepEqual(await tableCounts(t), counts);
    });
  });

  it('a module the target lacks', async () => {
    const src = await source();
    const tgt = await makeInstance('postgres', { name: 'target', via: 'init', modules: [] });
    await withInstances([[src, true], [tgt, false]], async (s, t) => {
      const counts = await tableCounts(t);
      assert.ok(!t.catalog.tables.has('bionty_celltype'));
      await assert.rejects(
        sync(s, t, { registry: 'CellType', uids: ['ryEtgi1yGtAcX2'] }, { tracking: CLI_TRACKING }),
        isError('INCOMPATIBLE', /lacks the module bionty/),
      );
      assert.deepEqual(await tableCounts(t), counts);
      // Syncing what the target can hold still works.
      const ok = await sync(s, t, { keys: [GUIDE_ARTIFACT.key] }, { tracking: CLI_TRACKING });
      assert.equal(ok.result.transferred.length, 3);
    });
  });

  it('a target behind the source in migrations', async () => {
    const src = await source();
    const tgt = await makeInstance('sqlite', { name: 'target', via: 'init' });
    const raw = new Database(tgt);
    raw.prepare("DELETE FROM django_migrations WHERE app = 'lamindb' AND name LIKE '0193%'").run();
    raw.close();
    await withInstances([[src, true], [tgt, false]], async (s, t) => {
      const counts = await tableCounts(t);
      await assert.rejects(
        sync(s, t, { keys: [GUIDE_ARTIFACT.key] }, { tracking: CLI_TRACKING }),
        isError('INCOMPATIBLE', /Migration mismatch.*target at 0192_v2_9, source at 0193_v2_9_part_2/),
      );
      assert.deepEqual(await tableCounts(t), counts);
    });
  });

  it('a column the target lacks, when the rows hold a value for it', async () => {
    const src = await source();
    const tgt = await makeInstance('sqlite', { name: 'target', via: 'init' });
    const raw = new Database(tgt);
    raw.exec('DROP INDEX lamindb_artifact_n_observations_2e209c2d; ALTER TABLE lamindb_artifact DROP COLUMN n_observations');
    raw.close();
    await withInstances([[src, true], [tgt, false]], async (s, t) => {
      const counts = await tableCounts(t);
      await assert.rejects(
        sync(s, t, { keys: [GUIDE_ARTIFACT.key] }, { tracking: CLI_TRACKING }),
        isError('INCOMPATIBLE', /lacks the columns lamindb_artifact\.n_observations/),
      );
      assert.deepEqual(await tableCounts(t), counts);
    });
  });

  it('source and target the same instance', async () => {
    const src = await source();
    await withInstances([[src, true], [src, false]], async (s, t) => {
      await assert.rejects(sync(s, t, { keys: [GUIDE_ARTIFACT.key] }), isError('INVALID_ARGUMENT', /same instance/));
    });
  });

  it('a storage root folder works as a locator', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'x'));
    const src = await source();
    const root = src.replace(/\/\.lamindb\/lamin\.db$/, '');
    const i = await openInstance(root, { readOnly: true });
    try {
      assert.equal(i.identity.slug, 'laminlabs/lamindata');
      assert.equal(i.identity.uid, GUIDE_SOURCE.instanceUid);
    } finally {
      await i.close();
    }
  });
});

describe('Postgres passwords', () => {
  it('takes the password as an option when the URL has none (as the extension keeps it in SecretStorage)', async () => {
    const url = new URL(await (await testPostgres()).createDatabase());
    const password = decodeURIComponent(url.password);
    url.password = '';
    await assert.rejects(openInstance(url.toString(), { readOnly: true, password: 'not-it' }), isError('CONNECTION', /refused the credentials/));
    // Right password, wrong database kind: the connection itself succeeded.
    await assert.rejects(openInstance(url.toString(), { readOnly: true, password }), isError('NOT_LAMINDB', /not a LaminDB instance/));
  });
});
