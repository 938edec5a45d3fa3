// `lamin-sync init` writes what `lamin init` writes: the schema (see test/schema) and these rows.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { LaminSyncError } from '../../src/core/errors';
import { openInstance } from '../../src/core/instance/open';
import { initInstance } from '../../src/core/schema/init';
import { testPostgres } from '../support/postgres';
import { tempDir } from '../support/instances';

for (const dialect of ['sqlite', 'postgres'] as const) {
  describe(`init on ${dialect}`, () => {
    it('creates an instance with the user, space, branches, storage and migration rows', async () => {
      const storage = join(tempDir(), 'test-sync');
      const db = dialect === 'postgres' ? await (await testPostgres()).createDatabase() : undefined;
      const made = await initInstance({ storage, modules: ['bionty'], ...(db ? { db } : {}) });
      assert.equal(made.slug, 'anonymous/test-sync');
      assert.equal(made.instanceUid, '6hNgJtpKbtMK');
      assert.ok(existsSync(join(storage, '.lamindb', 'storage_uid.txt')));
      assert.match(readFileSync(join(storage, '.lamindb', 'storage_uid.txt'), 'utf8'), /instance_uid=6hNgJtpKbtMK/);
      const i = await openInstance(made.locator, { readOnly: true });
      try {
        assert.equal(i.identity.slug, 'anonymous/test-sync');
        assert.equal(i.identity.uid, '6hNgJtpKbtMK');
        const users = await i.db.selectFrom('lamindb_user').select(['id', 'uid', 'handle']).execute();
        assert.deepEqual(users.map((u) => [Number(u.id), u.uid, u.handle]), [[1, '00000000', 'anonymous']]);
        const spaces = await i.db.selectFrom('lamindb_space').select(['id', 'uid', 'name']).execute();
        assert.deepEqual(spaces.map((s) => [Number(s.id), s.uid, s.name]), [[1, 'aaaaaaaaaaaa', 'all']]);
        const branches = await i.db.selectFrom('lamindb_branch').select(['id', 'uid', 'name']).orderBy('id').execute();
        assert.deepEqual(branches.map((b) => [Number(b.id), b.uid, b.name]), [
          [-1, 'tttttttttttt', 'trash'],
          [0, 'aaaaaaaaaaaa', 'archive'],
          [1, 'mmmmmmmmmmmm', 'main'],
        ]);
        const storages = await i.db.selectFrom('lamindb_storage').select(['root', 'type', 'instance_uid', 'uid']).execute();
        assert.deepEqual(storages.map((s) => [s.root, s.type, s.instance_uid]), [[storage, 'local', '6hNgJtpKbtMK']]);
        assert.match(String(storages[0]!.uid), /^[0-9A-Za-z]{12}$/);
        const migrations = await i.db.selectFrom('django_migrations').select(['app', 'name']).execute();
        assert.ok(migrations.some((m) => m.app === 'lamindb' && m.name === '0193_v2_9_part_2'));
        assert.ok(migrations.some((m) => m.app === 'bionty' && m.name === '0065_squashed'));
        assert.ok(i.catalog.tables.has('bionty_celltype'));
        // New rows get fresh ids after the fixed ones.
        if (dialect === 'postgres') {
          const w = await openInstance(made.locator, { readOnly: false });
          const r = await w.db.insertInto('lamindb_user').values({ uid: 'abcdefgh', handle: 'someone' }).returning('id').executeTakeFirstOrThrow();
          assert.equal(Number(r.id), 2);
          await w.close();
        }
      } finally {
        await i.close();
      }
      await assert.rejects(
        initInstance({ storage, ...(db ? { db } : {}) }),
        (e: unknown) => e instanceof LaminSyncError && /already holds|exists already/.test(e.message),
      );
    });
  });
}
