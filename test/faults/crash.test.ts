// A sync killed (SIGKILL), interrupted (SIGINT) or terminated (SIGTERM) while it writes or commits
// leaves the target as it was (Postgres: as it was, or complete once COMMIT was sent); a hot
// journal a killed SQLite commit leaves is named, not called damage, and `recover` rolls it back.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { GUIDE_ARTIFACT } from '../../src/core/example/guide';
import { DIALECTS } from '../support/instances';
import { assertNoStackTrace, assertOneErrorLine, changedTables, spawnCli } from './support';
import { artifactsSource, assertExit, checksums, emptyTarget, guideSource, outputWatcher } from './fixtures';

const N = 600;
/**
 * Starts a sync of the source's artifacts that pauses at `stage` (test hook, that stage only), and
 * calls `act` in the `nth` pause (the earlier ones are short; the last is long enough to act in).
 */
async function interrupted(source: string, target: string, stage: 'batch' | 'commit' | 'commit-sent', nth: number, act: (pid: number) => void) {
  const at = outputWatcher(new RegExp(`(\\[test-pause ${stage}\\][\\s\\S]*){${nth}}`));
  let pid = 0;
  const run = spawnCli(['sync', source, target, '--registry', 'Artifact', '--all'], {
    env: { LAMIN_SYNC_TEST_PAUSE_MS: nth > 1 ? '1500' : '30000', LAMIN_SYNC_TEST_PAUSE_AT: stage },
    onOutput: at.onOutput,
    onSpawn: (c) => (pid = c.pid!),
    timeoutMs: 120_000,
  });
  await at.seen;
  act(pid);
  return run;
}

describe('signals during a sync', () => {
  for (const dialect of DIALECTS) {
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      it(`${dialect}: ${signal} during the write rolls back, says "cancelled: nothing written", exits ${code}`, async () => {
        const source = await artifactsSource('sqlite', N);
        const target = await emptyTarget(dialect);
        const before = await checksums(target);
        const run = await interrupted(source, target, 'batch', 2, (pid) => process.kill(pid, signal));
        assertExit(run, code);
        assertOneErrorLine(run, /^cancelled: nothing written$/m);
        assert.deepEqual(changedTables(before, await checksums(target)), []);
      });
    }

    it(`${dialect}: kill -9 during the write leaves the target as it was`, async () => {
      const source = await artifactsSource('sqlite', N);
      const target = await emptyTarget(dialect);
      const before = await checksums(target);
      const run = await interrupted(source, target, 'batch', 2, (pid) => process.kill(pid, 'SIGKILL'));
      assert.equal(run.signal, 'SIGKILL');
      if (dialect === 'sqlite') {
        // The killed write may leave a hot journal: the next write-open (here: recover) rolls it back.
        assertExit(await spawnCli(['recover', target]), 0);
      }
      assert.deepEqual(changedTables(before, await checksums(target)), []);
    });
  }

  it('postgres: kill -9 once COMMIT is sent: the target is as it was or complete, never half; a sync started at once waits and maps', async () => {
    const source = await artifactsSource('sqlite', N);
    const target = await emptyTarget('postgres');
    const before = await checksums(target);
    const run = await interrupted(source, target, 'commit-sent', 1, (pid) => process.kill(pid, 'SIGKILL'));
    assert.equal(run.signal, 'SIGKILL');
    const after = await checksums(target);
    if (changedTables(before, after).length > 0) assert.ok(after.lamindb_artifact!.startsWith(`${N}:`), after.lamindb_artifact);
    // The next sync, started right away (the server may still be finishing the commit), never sees half of it.
    const again = await spawnCli(['sync', source, target, '--registry', 'Artifact', '--all'], { timeoutMs: 120_000 });
    assertExit(again, 0);
    assertNoStackTrace(again.out + again.err);
    assert.doesNotMatch(again.err, /already holds/);
    assert.ok((await checksums(target)).lamindb_artifact!.startsWith(`${N}:`));
  });
});

describe('a SQLite commit killed halfway (hot journal)', () => {
  it('read-only commands name the interrupted write and how to recover; recover restores the state before the sync', async () => {
    const source = await guideSource('sqlite');
    const target = await emptyTarget('sqlite');
    // A first sync, so that the target is not empty; the killed one comes on top of it.
    assertExit(await spawnCli(['sync', source, target, '--uid', GUIDE_ARTIFACT.uid]), 0);
    const before = await checksums(target);
    // With the test hook the page cache is tiny: written pages are in the file before the commit, as in the middle of a commit.
    const run = await interrupted(await artifactsSource('sqlite', N), target, 'commit', 1, (pid) => process.kill(pid, 'SIGKILL'));
    assert.equal(run.signal, 'SIGKILL');
    assert.ok(existsSync(`${target}-journal`), 'the killed commit left a journal');
    for (const args of [
      ['ls', target],
      ['ls', target, 'Artifact'],
      ['show', target, '--uid', GUIDE_ARTIFACT.uid],
      ['describe', target, '--uid', GUIDE_ARTIFACT.uid],
      ['lineage', target, '--uid', GUIDE_ARTIFACT.uid, '--json'],
      ['sync', source, target, '--uid', GUIDE_ARTIFACT.uid, '--dry-run'],
      ['sync', target, await emptyTarget('sqlite', 'other'), '--uid', GUIDE_ARTIFACT.uid],
    ]) {
      const r = await spawnCli(args);
      assertExit(r, 1);
      assertOneErrorLine(r, /has an interrupted write: a process writing it was killed or crashed and left its rollback journal .*lamin\.db-journal\. The database is intact once that journal is rolled back.*lamin-sync recover /);
      assert.doesNotMatch(r.err, /damaged/);
    }
    const rec = await spawnCli(['recover', target]);
    assertExit(rec, 0);
    assertNoStackTrace(rec.out + rec.err);
    assert.match(rec.out, /→ recovered .*lamin\.db: the interrupted write was rolled back \(integrity check: ok\)/);
    assert.deepEqual(changedTables(before, await checksums(target)), []);
    const ls = await spawnCli(['ls', target]);
    assertExit(ls, 0);
    const again = await spawnCli(['recover', target]);
    assert.match(again.out, /has no interrupted write to recover/);
  });
});

describe('the commit phase', () => {
  it('postgres: --json phases_ms.commit holds the COMMIT (run after the write lock is released), adding up to duration_ms', async () => {
    const source = await guideSource('sqlite');
    const target = await emptyTarget('postgres');
    const pause = 700;
    // The test hook holds the COMMIT in flight this long: it must show up in the commit phase.
    const run = await spawnCli(['sync', source, target, '--key', GUIDE_ARTIFACT.key, '--json'], {
      env: { LAMIN_SYNC_TEST_PAUSE_MS: String(pause), LAMIN_SYNC_TEST_PAUSE_AT: 'commit-sent' },
      timeoutMs: 120_000,
    });
    assertExit(run, 0);
    const j = JSON.parse(run.out) as { duration_ms: number; phases_ms: { plan: number; write: number; commit: number } };
    assert.ok(j.phases_ms.commit >= pause, `commit phase ${j.phases_ms.commit} ms < the ${pause} ms the COMMIT was held`);
    assert.equal(j.phases_ms.plan + j.phases_ms.write + j.phases_ms.commit, j.duration_ms);
  });
});

describe('a signal while the connections close', () => {
  it('SIGTERM while an instance closes (nothing left to cancel) ends the process at once with 143', async () => {
    const source = await guideSource('sqlite');
    const target = await emptyTarget('sqlite');
    const at = outputWatcher(/\[test-pause close\]/);
    let pid = 0;
    // The pause (30 s) stands for a close that does not finish (a connection that never ends).
    const running = spawnCli(['sync', source, target, '--key', GUIDE_ARTIFACT.key], {
      env: { LAMIN_SYNC_TEST_PAUSE_MS: '30000', LAMIN_SYNC_TEST_PAUSE_AT: 'close' },
      onOutput: at.onOutput,
      onSpawn: (c) => (pid = c.pid!),
      timeoutMs: 20_000,
    });
    await at.seen;
    process.kill(pid, 'SIGTERM');
    const run = await running;
    assertExit(run, 143);
    assertNoStackTrace(run.err, 'stderr');
  });
});
