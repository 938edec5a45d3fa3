import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from './support/instances';

const ROOT = join(__dirname, '..');

describe('bench smoke run', () => {
  it('`npm run bench -- --n 200 --repeat 2` on SQLite runs end to end: each run’s floors copy what its sync wrote, the re-sync writes nothing, the ratios are medians', () => {
    const out = join(tempDir(), 'results.json');
    const args = ['--import', 'tsx', 'bench/bench.ts', '--n', '200', '--repeat', '2', '--dialects', 'sqlite', '--no-memory', '--listing', '0', '--out', out];
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /sqlite→sqlite/);
    const json = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(json.pairs.length, 1);
    const p = json.pairs[0];
    assert.equal(p.n, 200);
    // 200 artifacts, each with a schema link, 5 label links, 2 value links and a value: at least 9 rows each.
    assert.ok(p.rowsWritten >= 200 * 9, `rows written: ${p.rowsWritten}`);
    assert.equal(p.floorRows, p.rowsWritten);
    assert.equal(p.resyncWritten, 0);
    assert.ok(p.syncMs > 0 && p.floorMs > 0 && p.checkedFloorMs > 0);
    assert.ok(p.statements.total > 0 && p.resyncStatements.total > 0);
    // Two measurements into fresh instances, each copying what its sync wrote; the ratios are the runs' medians.
    assert.equal(p.runs.length, 2);
    for (const run of p.runs) {
      assert.equal(run.rowsWritten, p.rowsWritten);
      assert.equal(run.floorRows, run.rowsWritten);
      assert.equal(run.resyncWritten, 0);
    }
    assert.equal(p.ratio, (p.runs[0].ratio + p.runs[1].ratio) / 2);
    assert.deepEqual(p.ratioRange, [Math.min(p.runs[0].ratio, p.runs[1].ratio), Math.max(p.runs[0].ratio, p.runs[1].ratio)]);
  });
});
