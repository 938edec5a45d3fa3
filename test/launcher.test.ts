// `npm run demo` and `npm test` run through scripts/node22.mjs, which runs them on Node ≥ 22 when
// the machine's Node is older (better-sqlite3 13 crashes on Node 20); dist/cli.js on an older Node
// says so in one line instead of crashing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, ROOT } from './faults/support';
import { tempDir } from './support/instances';

const LAUNCHER = join(ROOT, 'scripts', 'node22.mjs');
const major = (v: string) => Number(v.replace(/^v/, '').split('.')[0]);

/** A Node older than 22 on this machine (the one `npm install` and `npm run` would use), if any. */
function olderNode(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/bin', '/usr/bin', '/bin'];
  for (const d of dirs) {
    const node = join(d, 'node');
    if (!d || !existsSync(node)) continue;
    const r = spawnSync(node, ['--version'], { encoding: 'utf8' });
    if (r.status === 0 && major(r.stdout.trim()) < 22) return node;
  }
  return null;
}

function script(): string {
  const file = join(tempDir(), 'probe.cjs');
  writeFileSync(
    file,
    `const { execSync } = require('node:child_process');
console.log(JSON.stringify({ version: process.version, args: process.argv.slice(2), child: execSync('node --version').toString().trim() }));
process.exit(Number(process.argv[2] ?? 0));`,
  );
  return file;
}

describe('scripts/node22.mjs', () => {
  it('on Node ≥ 22 runs the script on the same Node, with its arguments and its exit code', () => {
    const r = spawnSync(process.execPath, [LAUNCHER, script(), '3', 'b c'], { encoding: 'utf8' });
    assert.equal(r.status, 3, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { version: process.version, args: ['3', 'b c'], child: process.version });
  });

  const old = olderNode();
  it('on an older Node runs the script on Node ≥ 22 (its children too)', { skip: old ? false : 'no Node older than 22 on this machine' }, () => {
    const r = spawnSync(old!, [LAUNCHER, script(), '0'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const seen = JSON.parse(r.stdout) as { version: string; child: string };
    assert.ok(major(seen.version) >= 22, seen.version);
    assert.ok(major(seen.child) >= 22, seen.child);
  });

  it('dist/cli.js on an older Node: one line saying what to do, exit 1', { skip: old ? false : 'no Node older than 22 on this machine' }, () => {
    const r = spawnSync(old!, [CLI, 'instances'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^lamin-sync: Node v\d+\.\d+\.\d+ is older than 22, which lamin-sync needs \(better-sqlite3 crashes on it\): run it with Node 22 or newer \(in the repository: node scripts\/node22\.mjs dist\/cli\.js ARGS…\)\.\n$/);
  });
});
