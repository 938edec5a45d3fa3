// Two syncs into one target at once serialize (the second maps what the first wrote); another
// process holding a SQLite target's lock makes a sync wait, then succeed or fail with one line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GUIDE_ARTIFACT } from '../../src/core/example/guide';
import { DIALECTS } from '../support/instances';
import { assertNoStackTrace, assertOneErrorLine, changedTables, spawnCli } from './support';
import { assertExit, checksums, countUid, emptyTarget, guideSource, holdSqliteLock, outputWatcher } from './fixtures';

describe('two syncs of the same objects into one target at once', () => {
  for (const dialect of DIALECTS) {
    it(`${dialect}: both exit 0, the target holds one copy, the second maps it`, async () => {
      const source = await guideSource('sqlite');
      const target = await emptyTarget(dialect);
      const args = ['sync', source, target, '--uid', GUIDE_ARTIFACT.uid, '--annotations'];
      // The first pauses while it plans and writes (test hook), holding the target: the second starts meanwhile.
      const planning = outputWatcher(/\[test-pause plan\]/);
      const first = spawnCli(args, { env: { LAMIN_SYNC_TEST_PAUSE_MS: '400' }, onOutput: planning.onOutput, timeoutMs: 120_000 });
      await planning.seen;
      const second = spawnCli(args, { timeoutMs: 120_000 });
      const [a, b] = await Promise.all([first, second]);
      assertExit(a, 0);
      assertExit(b, 0);
      assertNoStackTrace(a.err + a.out + b.err + b.out);
      assert.match(a.out, new RegExp(`→ transferred: Artifact\\(uid='${GUIDE_ARTIFACT.uid}'\\)`));
      assert.match(b.out, new RegExp(`→ mapped: Artifact\\(uid='${GUIDE_ARTIFACT.uid}'\\)`));
      assert.match(b.out, /nothing written/);
      // The same words on both dialects, as the README documents them.
      assert.match(b.err, /^… \S+ is locked by another process; waiting up to \d+ s for it to finish \(LAMIN_SYNC_LOCK_TIMEOUT sets the seconds\)$/m);
      assert.equal(await countUid(target, 'lamindb_artifact', GUIDE_ARTIFACT.uid), 1);
    });
  }
});

describe('another process holds the SQLite target', () => {
  it('an exclusive lock: the sync waits, then fails with one line (locked, not damaged); the target is unchanged', async () => {
    const source = await guideSource('sqlite');
    const target = await emptyTarget('sqlite');
    const before = await checksums(target);
    const holder = holdSqliteLock(target, 'EXCLUSIVE');
    await holder.held;
    try {
      const run = await spawnCli(['sync', source, target, '--uid', GUIDE_ARTIFACT.uid], { env: { LAMIN_SYNC_LOCK_TIMEOUT: '1' }, timeoutMs: 60_000 });
      assertExit(run, 1);
      assertOneErrorLine(run, /^error: .*lamin\.db is locked by another process.*; retry when it finishes/m);
      assert.doesNotMatch(run.err, /damaged|not a readable/);
      // A read-only command says the same.
      const ls = await spawnCli(['ls', target], { env: { LAMIN_SYNC_LOCK_TIMEOUT: '1' }, timeoutMs: 60_000 });
      assertExit(ls, 1);
      assertOneErrorLine(ls, /is locked by another process.*retry when it finishes/);
    } finally {
      await holder.release();
    }
    assert.deepEqual(changedTables(before, await checksums(target)), []);
  });

  it('a writer holding the lock: the sync says it waits, and succeeds once the writer finishes', async () => {
    const source = await guideSource('sqlite');
    const target = await emptyTarget('sqlite');
    const holder = holdSqliteLock(target, 'IMMEDIATE');
    await holder.held;
    const waiting = outputWatcher(/waiting up to/);
    const run = spawnCli(['sync', source, target, '--uid', GUIDE_ARTIFACT.uid], { onOutput: waiting.onOutput, timeoutMs: 60_000 });
    await waiting.seen;
    await holder.release();
    const r = await run;
    assertExit(r, 0);
    assertNoStackTrace(r.err + r.out);
    assert.match(r.err, /lamin\.db is locked by another process; waiting up to \d+ s/);
    assert.match(r.out, /→ transferred: Artifact/);
    assert.equal(await countUid(target, 'lamindb_artifact', GUIDE_ARTIFACT.uid), 1);
  });

  it('a reader holding the file past the lock timeout: the commit cannot take it; one line, nothing written', async () => {
    const source = await guideSource('sqlite');
    const target = await emptyTarget('sqlite');
    const before = await checksums(target);
    const holder = holdSqliteLock(target, 'SHARED');
    await holder.held;
    try {
      const run = await spawnCli(['sync', source, target, '--uid', GUIDE_ARTIFACT.uid], { env: { LAMIN_SYNC_LOCK_TIMEOUT: '1' }, timeoutMs: 60_000 });
      assertExit(run, 1);
      assertOneErrorLine(run, /^error: .*lamin\.db is locked by another process.*retry when it finishes\. Nothing was written\./m);
    } finally {
      await holder.release();
    }
    assert.deepEqual(changedTables(before, await checksums(target)), []);
  });
});
