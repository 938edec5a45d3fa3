// The CLI as people meet it: --version, per-command help, usage errors, TARGET defaulting to
// LaminDB's current instance, errors as one line (a stack trace only with --debug), and a demo
// that a crashed earlier demo does not block.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { GUIDE_ARTIFACT } from '../src/core/example/guide';
import { createGuideInstances } from '../src/core/example/guide-instances';
import { openInstance } from '../src/core/instance/open';
import { ROOT, assertNoStackTrace, spawnCli } from './faults/support';
import { runCli as run } from './support/cli';
import { tempDir } from './support/instances';

const VERSION = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
const COMMANDS = ['sync', 'ls', 'show', 'describe', 'lineage', 'instances', 'init', 'demo'];

describe('lamin-sync CLI: version and help', () => {
  it('--version and -V print the version, exit 0', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await run([flag]);
      assert.equal(r.code, 0);
      assert.equal(r.out, `lamin-sync ${VERSION}`);
      assert.equal(r.err, '');
    }
  });

  it('COMMAND --help prints that command\'s usage, exit 0', async () => {
    const sync = await run(['sync', '--help']);
    assert.equal(sync.code, 0, sync.err);
    assert.equal(sync.err, '');
    assert.match(sync.out, /^usage: lamin-sync sync SOURCE \[TARGET\] \(--uid U \| --key K\)/);
    assert.match(sync.out, /--dry-run\s+print the plan, write nothing/);
    for (const c of COMMANDS) {
      for (const args of [[c, '--help'], [c, 'x', '-h'], ['help', c]]) {
        const r = await run(args);
        assert.equal(r.code, 0, `${args.join(' ')}: ${r.err}`);
        assert.match(r.out, new RegExp(`^usage: lamin-sync ${c} `), args.join(' '));
      }
    }
  });

  it('a parse error is one line and the command\'s usage, exit 2', async () => {
    const unknown = await run(['sync', 'a', 'b', '--key', 'k', '--frob']);
    assert.equal(unknown.code, 2);
    assert.deepEqual(unknown.err.split('\n'), ["error: Unknown option '--frob'.", `usage: ${(await run(['sync', '--help'])).out.split('\n')[0]!.slice(7)}`]);
    const missing = await run(['ls', 'x', '--limit']);
    assert.equal(missing.code, 2);
    assert.deepEqual(missing.err.split('\n'), ["error: Option '--limit <value>' argument missing.", 'usage: lamin-sync ls INSTANCE [REGISTRY] [--limit N] [--offset N] [--filter TEXT] [--json]']);
    const none = await run(['sync']);
    assert.equal(none.code, 2);
    assert.match(none.err, /^error: sync needs a SOURCE\.\nusage: lamin-sync sync SOURCE \[TARGET\]/);
  });
});

describe('lamin-sync CLI: TARGET defaults to LaminDB\'s current instance', () => {
  const dir = tempDir();
  const settings = join(dir, 'settings');

  it('sync SOURCE writes into the current instance, saying which', async () => {
    const { source, target } = await createGuideInstances(join(dir, 'guide'));
    mkdirSync(join(settings, '.lamin'), { recursive: true });
    writeFileSync(
      join(settings, '.lamin', 'current_instance.env'),
      `lamindb_instance_owner=anonymous\nlamindb_instance_name=test-sync\nlamindb_instance_storage_root=${target.storageRoot}\nlamindb_instance_db=null\nlamindb_instance_schema_str=bionty\n`,
    );
    const r = await spawnCli(['sync', source.location, '--key', GUIDE_ARTIFACT.key], { env: { LAMIN_SETTINGS_DIR: settings } });
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^→ target: LaminDB's current instance anonymous\/test-sync\n→ transferred: Artifact\(uid='9K1dteZ6Qx0EXK8g0000'\)/);
    const t = await openInstance(target.location, { readOnly: true });
    const rows = await t.db.selectFrom('lamindb_artifact').select('uid').execute();
    await t.close();
    assert.deepEqual(rows.map((a) => a.uid), [GUIDE_ARTIFACT.uid]);
  });

  it('without a current instance: one line saying so, exit 1', async () => {
    const r = await spawnCli(['sync', join(dir, 'guide', 'lamindata'), '--key', GUIDE_ARTIFACT.key], { env: { LAMIN_SETTINGS_DIR: join(dir, 'none') } });
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.match(r.err, /^error: No TARGET given and LaminDB has no current instance \(.*none\/\.lamin\/current_instance\.env is missing\): pass TARGET, or make one current with `lamin connect OWNER\/NAME`\.\n$/);
  });
});

describe('lamin-sync CLI: failures', () => {
  const dir = tempDir();

  it('an unforeseen failure is one line pointing at --debug; --debug adds the stack', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const r = await spawnCli(['init', '--storage', join(file, 'x')]);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assertNoStackTrace(r.err, 'stderr');
    assert.match(r.err, /^error: ENOTDIR: not a directory, mkdir '.*a-file\/x\/\.lamindb' \(run with --debug for details\)\n$/);
    const d = await spawnCli(['init', '--storage', join(file, 'x'), '--debug']);
    assert.equal(d.code, 1);
    assert.match(d.err, /^error: ENOTDIR.*\nError: ENOTDIR.*\n\s+at /);
  });

  it('demo: a half-made demo instance (an earlier demo crashed) is rebuilt', async () => {
    const demo = join(tempDir(), 'demo');
    mkdirSync(join(demo, 'lamindata'), { recursive: true }); // what a crash at the first open left
    mkdirSync(join(demo, 'test-sync', '.lamindb'), { recursive: true });
    writeFileSync(join(demo, 'test-sync', '.lamindb', 'lamin.db'), '');
    const r = await run(['demo', '--dir', demo]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /→ nothing transferred: everything is mapped/);
  });

  it('demo: a folder that is not a demo instance is refused in one line, and kept', async () => {
    const demo = join(tempDir(), 'demo');
    mkdirSync(join(demo, 'lamindata'), { recursive: true });
    writeFileSync(join(demo, 'lamindata', 'notes.txt'), 'mine');
    const r = await run(['demo', '--dir', demo]);
    assert.equal(r.code, 2);
    assert.match(r.err, /^error: .*lamindata exists and is not a demo instance: move it away or pass --dir with another folder\.\nusage: lamin-sync demo \[--dir DIR\]$/);
    assert.equal(readFileSync(join(demo, 'lamindata', 'notes.txt'), 'utf8'), 'mine');
  });
});
