// A skipped suite is counted in the runner's summary (the browser and real-editor suites skip
// where Chromium is missing; the closing line must say so, not `# skipped 0`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { ROOT } from './faults/support';

it('a skipped suite shows in the summary as skipped, with its reason', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', join(ROOT, 'test', 'support', 'skip-fixture.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
    // Not as a subtest of this run: a test process of its own, with its own summary.
    env: { ...process.env, NODE_TEST_CONTEXT: undefined },
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok \d+ - skipped # SKIP no Chromium here$/m);
  assert.match(r.stdout, /^# pass 1$/m);
  assert.match(r.stdout, /^# skipped 1$/m);
  assert.doesNotMatch(r.stdout, /never runs/);
});
