// A source written by another process while a sync plans is read as one snapshot: the sync sees
// the source as it was at its first read, and succeeds with that.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { GUIDE_ARTIFACT, GUIDE_STORAGE } from '../../src/core/example/guide';
import { DIALECTS, type DialectName } from '../support/instances';
import { assertNoStackTrace, ROOT, spawnCli } from './support';
import { assertExit, countUid, emptyTarget, guideSource, outputWatcher } from './fixtures';

/** Deletes the guide's storage row from the source (another process, foreign-key checks off); resolves when committed. */
function deleteStorage(dialect: DialectName, source: string): Promise<void> {
  if (dialect === 'postgres') {
    return (async () => {
      const c = new pg.Client({ connectionString: source });
      await c.connect();
      try {
        await c.query("SET session_replication_role = 'replica'");
        const r = await c.query('DELETE FROM lamindb_storage WHERE uid = $1', [GUIDE_STORAGE.uid]);
        assert.equal(r.rowCount, 1);
      } finally {
        await c.end();
      }
    })();
  }
  const script = `
    const Database = require(${JSON.stringify(join(ROOT, 'node_modules', 'better-sqlite3'))});
    const db = new Database(process.argv[1], { timeout: 60000 });
    db.pragma('foreign_keys = OFF');
    const r = db.prepare('DELETE FROM lamindb_storage WHERE uid = ?').run(process.argv[2]);
    process.exit(r.changes === 1 ? 0 : 3);
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, source, GUIDE_STORAGE.uid], { stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`the source writer exited with ${code}`))));
  });
}

describe('a source changed by another process while the sync plans', () => {
  for (const dialect of DIALECTS) {
    it(`${dialect}: the sync reads one snapshot and transfers what the source held when it started`, async () => {
      const source = await guideSource(dialect);
      const target = await emptyTarget('sqlite');
      const planning = outputWatcher(/\[test-pause plan\]/);
      // The pause comes after the selection was read and before the foreign keys are followed.
      const run = spawnCli(['sync', source, target, '--uid', GUIDE_ARTIFACT.uid], {
        env: { LAMIN_SYNC_TEST_PAUSE_MS: '1500', LAMIN_SYNC_TEST_PAUSE_AT: 'plan' },
        onOutput: planning.onOutput,
        timeoutMs: 120_000,
      });
      await planning.seen;
      // Postgres commits at once (the snapshot does not see it); a SQLite writer waits for the plan's read to end.
      const writer = deleteStorage(dialect, source);
      const r = await run;
      await writer;
      assertExit(r, 0);
      assertNoStackTrace(r.out + r.err);
      assert.match(r.out, new RegExp(`→ transferred: Artifact\\(uid='${GUIDE_ARTIFACT.uid}'\\), Storage\\(uid='${GUIDE_STORAGE.uid}'\\)`));
      assert.equal(await countUid(target, 'lamindb_storage', GUIDE_STORAGE.uid), 1);
      assert.equal(await countUid(target, 'lamindb_artifact', GUIDE_ARTIFACT.uid), 1);
      assert.equal(await countUid(source, 'lamindb_storage', GUIDE_STORAGE.uid), 0, 'the writer deleted the row meanwhile');
    });
  }
});
