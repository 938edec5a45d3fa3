import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from './support/instances';

const ROOT = join(__dirname, '..');

describe('bench smoke run', () => {
  it('`npm run bench -- --n 200` on SQLite runs end to end: the floors copy what the sync wrote, the re-sync writes nothing', () => {
    const out = join(tempDir(), 'results.json');
    const args = ['--import', 'tsx', 'bench/bench.ts', '--n', '200', '--dialects', 'sqlite', '--no-memory', '--listing', '0', '--out', out];
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
  });
});
