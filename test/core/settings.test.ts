// LaminDB's settings files: slugs resolve to instances, uids derive as lamindb-setup derives them.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { openInstance } from '../../src/core/instance/open';
import { instanceUidFromUuid, laminSettingsDir, listInstanceSettings, localInstanceUuid, registerInstance } from '../../src/core/instance/settings';
import { initIdentity, initInstance } from '../../src/core/schema/init';
import { GUIDE_ARTIFACT, GUIDE_SOURCE, seedGuideExample } from '../../src/core/example/guide';
import { insertRecords } from '../../src/core/example/insert';
import { CLI_TRACKING } from '../../src/core/sync/context';
import { sync } from '../../src/core/sync/index';
import { makeInstance, tempDir, withInstances } from '../support/instances';

describe('LaminDB settings', () => {
  it('derives instance uids like lamindb-setup', () => {
    assert.equal(localInstanceUuid('anonymous', 'test-sync'), '0e13a4df558659f4886e9fa5fdcd9311');
    assert.equal(instanceUidFromUuid('0e13a4df558659f4886e9fa5fdcd9311'), '6hNgJtpKbtMK');
    assert.equal(instanceUidFromUuid(localInstanceUuid('anonymous', 'source')), '2fcWBN70EfKb');
  });

  it('puts the settings folder under $LAMIN_SETTINGS_DIR/.lamin', () => {
    assert.equal(laminSettingsDir({ LAMIN_SETTINGS_DIR: '/x/y' }), '/x/y/.lamin');
  });

  it('opens an instance by owner/name from its settings file, with the uid from the instance id', async () => {
    const base = tempDir();
    const storage = join(base, 'test-sync');
    const made = await initInstance({ storage, modules: ['bionty'] });
    assert.equal(made.slug, 'anonymous/test-sync');
    assert.equal(made.instanceUid, '6hNgJtpKbtMK');
    const settings = join(base, 'settings', '.lamin');
    mkdirSync(settings, { recursive: true });
    writeFileSync(
      join(settings, 'instance--anonymous--test-sync.env'),
      [
        'lamindb_instance_owner=anonymous',
        'lamindb_instance_name=test-sync',
        `lamindb_instance_storage_root=${storage}`,
        'lamindb_instance_storage_region=null',
        'lamindb_instance_db=null',
        'lamindb_instance_schema_str=bionty',
        'lamindb_instance_id=0e13a4df558659f4886e9fa5fdcd9311',
        'lamindb_instance_git_repo=null',
        'lamindb_instance_keep_artifacts_local=False',
      ].join('\n') + '\n',
    );
    const list = listInstanceSettings(settings);
    assert.deepEqual(list.map((s) => [s.owner, s.name, s.modules]), [['anonymous', 'test-sync', ['bionty']]]);
    const i = await openInstance('anonymous/test-sync', { readOnly: true, settingsDir: settings });
    try {
      assert.equal(i.identity.slug, 'anonymous/test-sync');
      assert.equal(i.identity.uid, '6hNgJtpKbtMK');
      assert.equal(i.dialect, 'sqlite');
      assert.ok(i.catalog.tables.has('bionty_celltype'));
    } finally {
      await i.close();
    }
  });

  it('writes as LaminDB\'s current user when the target has it, else as its first user', async () => {
    const src = await makeInstance('sqlite', { name: GUIDE_SOURCE.name, owner: GUIDE_SOURCE.owner, instanceUid: GUIDE_SOURCE.instanceUid });
    const tgt = await makeInstance('sqlite', { name: 'target', via: 'init' });
    const base = tempDir();
    mkdirSync(join(base, '.lamin'), { recursive: true });
    writeFileSync(join(base, '.lamin', 'current_user.env'), 'lamin_user_email=null\nlamin_user_uid=testuser\nlamin_user_handle=testuser\n');
    const previous = process.env.LAMIN_SETTINGS_DIR;
    process.env.LAMIN_SETTINGS_DIR = base;
    try {
      await withInstances([[src, false], [tgt, false]], async (source, target) => {
        await seedGuideExample(source);
        const [me] = await insertRecords(target, 'lamindb_user', [{ uid: 'testuser', handle: 'testuser' }]);
        await sync(source, target, { keys: [GUIDE_ARTIFACT.key] }, { tracking: CLI_TRACKING });
        const art = await target.db.selectFrom('lamindb_artifact').select('created_by_id').where('uid', '=', GUIDE_ARTIFACT.uid).executeTakeFirstOrThrow();
        assert.equal(Number(art.created_by_id), me);
      });
    } finally {
      if (previous === undefined) delete process.env.LAMIN_SETTINGS_DIR;
      else process.env.LAMIN_SETTINGS_DIR = previous;
    }
  });
});

describe('registering an instance in LaminDB\'s settings', () => {
  it('writes the settings files (which may hold a Postgres URL with its password) readable by the owner only', () => {
    const dir = tempDir();
    const file = registerInstance(
      { owner: 'o', name: 'n', storageRoot: dir, db: 'postgresql://u:SECRET@h/db', modules: [], id: localInstanceUuid('o', 'n') },
      join(dir, 'settings'),
    );
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'settings', 'current_instance.env')).mode & 0o777, 0o600);
  });

  it('refuses an owner or name that would put the settings file elsewhere, before anything is written', () => {
    const dir = tempDir();
    for (const [owner, name] of [['o', 'a/b'], ['o', '..'], ['../x', 'n'], ['o', 'a\\b'], ['o', 'x..y']]) {
      assert.throws(() => initIdentity({ storage: dir, owner, name }), (e: Error & { code?: string }) => {
        assert.equal(e.code, 'INVALID_ARGUMENT');
        assert.match(e.message, /^The instance (owner|name) ".*" cannot name LaminDB's settings file/);
        return true;
      });
    }
    assert.deepEqual(readdirSync(dir), []);
    assert.equal(initIdentity({ storage: dir, owner: 'lab-1', name: 'My_Instance.v2' }).name, 'my_instance.v2');
  });
});
