// `--key` takes one key per flag, as it is: a key may hold commas (`results/a,b.h5ad`).
// The same for `--uid`. The CLI runs as a child process.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { insertRecords } from '../../src/core/example/insert';
import { makeInstance, withInstances } from '../support/instances';
import { assertNoStackTrace, assertOneErrorLine, spawnCli, sqliteChecksums } from './support';

const STORAGE = { uid: 'KeyStor1', root: 's3://key-flag-bucket', type: 's3', region: 'us-east-1', instance_uid: 'KeyFlagSrc00' };

async function source(): Promise<string> {
  const loc = await makeInstance('sqlite', { name: 'key-flag-source', via: 'init' });
  await withInstances([[loc, false]], async (s) => {
    const [storageId] = await insertRecords(s, 'lamindb_storage', [STORAGE]);
    await insertRecords(s, 'lamindb_artifact', [
      { uid: 'KeyFlagArtA00000000', key: 'results/a,b.h5ad', suffix: '.h5ad', size: 1, hash: 'hA', storage_id: storageId, _key_is_virtual: false },
      { uid: 'KeyFlagArtC00000000', key: 'results/c.h5ad', suffix: '.h5ad', size: 2, hash: 'hC', storage_id: storageId, _key_is_virtual: false },
      { uid: 'KeyFlagArtB00000000', key: 'results/b.h5ad', suffix: '.h5ad', size: 3, hash: 'hB', storage_id: storageId, _key_is_virtual: false },
    ]);
  });
  return loc;
}

async function artifactKeys(loc: string): Promise<string[]> {
  return withInstances([[loc, true]], async (t) =>
    (await t.db.selectFrom('lamindb_artifact').select('key').orderBy('key').execute()).map((r) => String(r.key)),
  );
}

describe('--key and --uid: one value per flag, never split', () => {
  it('a key with a comma is one key; repeated flags sync several', async () => {
    const src = await source();
    const tgt = await makeInstance('sqlite', { name: 'key-flag-target', via: 'init' });
    const show = await spawnCli(['show', src, '--key', 'results/a,b.h5ad']);
    assert.equal(show.code, 0, show.err);
    const one = await spawnCli(['sync', src, tgt, '--key', 'results/a,b.h5ad']);
    assert.equal(one.code, 0, one.err);
    assertNoStackTrace(one.out + one.err);
    assert.match(one.out, /→ transferred: Artifact\(uid='KeyFlagArtA00000000'\)/);
    assert.deepEqual(await artifactKeys(tgt), ['results/a,b.h5ad']);
    const two = await spawnCli(['sync', src, tgt, '--key', 'results/a,b.h5ad', '--key', 'results/c.h5ad']);
    assert.equal(two.code, 0, two.err);
    assert.match(two.out, /→ mapped: Artifact\(uid='KeyFlagArtA00000000'\)/);
    assert.match(two.out, /→ transferred: Artifact\(uid='KeyFlagArtC00000000'\)/);
    // results/b.h5ad was not asked for, though "a,b" could be read as a and b.
    assert.deepEqual(await artifactKeys(tgt), ['results/a,b.h5ad', 'results/c.h5ad']);
  });

  it('a uid with a comma is one (unknown) uid: one clear line, nothing written', async () => {
    const src = await source();
    const tgt = await makeInstance('sqlite', { name: 'key-flag-target', via: 'init' });
    const before = sqliteChecksums(tgt);
    const r = await spawnCli(['sync', src, tgt, '--uid', 'KeyFlagArtA00000000,KeyFlagArtC00000000']);
    assert.equal(r.code, 1, r.out);
    assertOneErrorLine(r, /No record with uid 'KeyFlagArtA00000000,KeyFlagArtC00000000' in /);
    assert.deepEqual(sqliteChecksums(tgt), before);
    const both = await spawnCli(['sync', src, tgt, '--uid', 'KeyFlagArtA00000000', '--uid', 'KeyFlagArtC00000000']);
    assert.equal(both.code, 0, both.err);
    assert.deepEqual(await artifactKeys(tgt), ['results/a,b.h5ad', 'results/c.h5ad']);
  });
});
