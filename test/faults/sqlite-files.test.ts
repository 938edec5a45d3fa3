// SQLite files in a bad way (a full disk, a corrupt page, no read permission, WAL mode in a
// read-only folder), sources that break the schema, and one instance reached by two names:
// each gets one clear line, exit 1 (2 for a usage error), the target unchanged.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, existsSync, linkSync, mkdirSync, openSync, readdirSync, rmSync, statSync, symlinkSync, writeSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { GUIDE_ARTIFACT, GUIDE_STORAGE } from '../../src/core/example/guide';
import { DIALECTS, fileHash, tempDir } from '../support/instances';
import { assertNoStackTrace, assertOneErrorLine, changedTables, CLI, ROOT, spawnCli, type CliRun } from './support';
import { artifactsSource, assertExit, checksums, countUid, emptyTarget, guideSource } from './fixtures';

function edit(file: string, fn: (db: Database.Database) => void): void {
  const db = new Database(file);
  try {
    db.pragma('foreign_keys = OFF');
    fn(db);
  } finally {
    db.close();
  }
}

/** Mounts a tmpfs of `bytes` (root only); null where mounting is not allowed. */
function mountTmpfs(bytes: number): string | null {
  const dir = tempDir('lamin-sync-tmpfs-');
  const r = spawnSyncQuiet('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
  return r === 0 ? dir : null;
}

function spawnSyncQuiet(cmd: string, args: string[]): number | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
  return spawnSync(cmd, args, { stdio: 'ignore' }).status;
}

/** Copies an instance's storage root (its .lamindb/lamin.db and marker) into `dir`; returns the new lamin.db. */
function copyInstance(file: string, dir: string): string {
  const root = dirname(dirname(file));
  const to = join(dir, 'inst');
  cpSync(root, to, { recursive: true });
  return join(to, '.lamindb', 'lamin.db');
}

describe('SQLite targets and sources in a bad way', () => {
  it('disk full on the target (a small tmpfs): one line, exit 1, the target unchanged', async (t) => {
    const source = await artifactsSource('sqlite', 2000);
    const empty = await emptyTarget('sqlite');
    const size = Math.ceil((statSync(empty).size + 96 * 1024) / 4096) * 4096;
    const mnt = mountTmpfs(size + 4096 * 4);
    if (!mnt) return t.skip('cannot mount a tmpfs here (needs root)');
    try {
      const target = copyInstance(empty, mnt);
      const before = await checksums(target);
      const run = await spawnCli(['sync', source, target, '--registry', 'Artifact', '--all'], { timeoutMs: 120_000 });
      assertExit(run, 1);
      assertOneErrorLine(run, /^error: The disk holding .*lamin\.db is full .*Nothing was written: free some space there and retry\.$/m);
      assert.doesNotMatch(run.err, /cannot rollback/);
      assert.deepEqual(changedTables(before, await checksums(target)), []);
    } finally {
      spawnSyncQuiet('umount', [mnt]);
    }
  });

  it('a corrupt page in the middle of a source: one line naming the file, the source unchanged', async () => {
    const source = await guideSource('sqlite');
    const target = await emptyTarget('sqlite');
    let root = 0;
    let pageSize = 0;
    edit(source, (db) => {
      root = db.prepare("select rootpage from sqlite_master where name = 'lamindb_artifact'").pluck().get() as number;
      pageSize = db.pragma('page_size', { simple: true }) as number;
    });
    const fd = openSync(source, 'r+');
    writeSync(fd, Buffer.alloc(pageSize, 0xa5), 0, pageSize, (root - 1) * pageSize);
    closeSync(fd);
    const hash = fileHash(source);
    const before = await checksums(target);
    for (const args of [
      ['sync', source, target, '--uid', GUIDE_ARTIFACT.uid],
      ['ls', source, 'Artifact'],
    ]) {
      const run = await spawnCli(args);
      assertExit(run, 1);
      assertOneErrorLine(run, /^error: .*lamin\.db is damaged \(database disk image is malformed\)\. Restore it from a backup/m);
    }
    assert.equal(fileHash(source), hash);
    assert.deepEqual(changedTables(before, await checksums(target)), []);
  });

  it('a source the user may not read (the CLI run as nobody): "permission denied", not "damaged"', async (t) => {
    const source = await guideSource('sqlite');
    const target = await emptyTarget('sqlite');
    // The folders are open to everyone; the file is root's alone.
    // (.lamindb, the storage root and the temporary folder holding it; nothing above.)
    for (let d = dirname(source), i = 0; i < 3; d = dirname(d), i++) chmodSync(d, 0o755);
    chmodSync(source, 0o600);
    const settings = tempDir();
    chmodSync(settings, 0o755);
    const run = await new Promise<CliRun | null>((resolve) => {
      const child = spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, CLI, 'ls', source], {
        cwd: ROOT,
        env: { ...process.env, HOME: settings, LAMIN_SETTINGS_DIR: settings },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      child.on('error', () => resolve(null));
      child.on('exit', (code, signal) => resolve({ code, signal, out, err }));
    });
    if (!run || /setpriv:/.test(run.err)) return t.skip('cannot run a process as nobody here');
    assertExit(run, 1);
    assertOneErrorLine(run, /^error: Cannot read .*lamin\.db: permission denied for this user\./m);
    assert.doesNotMatch(run.err, /damaged/);
    void target;
  });
});

describe('a source that breaks the schema', () => {
  for (const dialect of DIALECTS) {
    it(`into ${dialect}: a foreign key pointing nowhere: one line naming the row and the missing row, the target unchanged`, async () => {
      const source = await guideSource('sqlite');
      const target = await emptyTarget(dialect);
      edit(source, (db) => db.prepare('update lamindb_artifact set storage_id = 9999 where uid = ?').run(GUIDE_ARTIFACT.uid));
      const before = await checksums(target);
      const run = await spawnCli(['sync', source, target, '--uid', GUIDE_ARTIFACT.uid]);
      assertExit(run, 1);
      assertOneErrorLine(
        run,
        new RegExp(`^error: The source .* is inconsistent: storage_id of Artifact\\(uid='${GUIDE_ARTIFACT.uid}'\\) points at lamindb_storage id 9999, which the source does not hold\\. Fix or remove that row`, 'm'),
      );
      assert.deepEqual(changedTables(before, await checksums(target)), []);
    });

    it(`into ${dialect}: a NULL where the target forbids one: one line naming the column, the target unchanged`, async (t) => {
      const source = await guideSource('sqlite');
      const target = await emptyTarget(dialect);
      // A source whose schema lost a NOT NULL (edited by hand, or another tool's migration): the
      // sqlite3 shell may edit the schema (better-sqlite3 runs in SQLite's defensive mode).
      const edited = spawnSyncQuiet('sqlite3', [
        source,
        'PRAGMA writable_schema = ON; ' +
          "UPDATE sqlite_master SET sql = replace(sql, '\"storage_id\" integer NOT NULL', '\"storage_id\" integer NULL') WHERE name = 'lamindb_artifact';",
      ]);
      if (edited !== 0) return t.skip('the sqlite3 shell is not installed');
      edit(source, (db) => db.prepare('update lamindb_artifact set storage_id = NULL where uid = ?').run(GUIDE_ARTIFACT.uid));
      const before = await checksums(target);
      const run = await spawnCli(['sync', source, target, '--uid', GUIDE_ARTIFACT.uid]);
      assertExit(run, 1);
      assertOneErrorLine(run, /^error: Nothing was written: a row of this sync has no value \(NULL\) in lamindb_artifact\.storage_id, which .* requires\./m);
      assert.deepEqual(changedTables(before, await checksums(target)), []);
    });
  }
});

describe('a WAL-mode source', () => {
  function toWal(file: string): void {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.close();
    assert.ok(!existsSync(`${file}-wal`));
  }

  it('is read without -wal/-shm files appearing beside it', async () => {
    const source = await guideSource('sqlite');
    const target = await emptyTarget('sqlite');
    toWal(source);
    const files = readdirSync(dirname(source)).sort();
    const run = await spawnCli(['sync', source, target, '--uid', GUIDE_ARTIFACT.uid]);
    assertExit(run, 0);
    assert.match(run.out, /→ transferred: Artifact/);
    const ls = await spawnCli(['ls', source]);
    assertExit(ls, 0);
    assert.deepEqual(readdirSync(dirname(source)).sort(), files);
  });

  it('works in a read-only folder (a read-only tmpfs)', async (t) => {
    const original = await guideSource('sqlite');
    toWal(original);
    const mnt = mountTmpfs(statSync(original).size * 2 + 1024 * 1024);
    if (!mnt) return t.skip('cannot mount a tmpfs here (needs root)');
    try {
      const source = copyInstance(original, mnt);
      assert.equal(spawnSyncQuiet('mount', ['-o', 'remount,ro', mnt]), 0);
      const target = await emptyTarget('sqlite');
      const run = await spawnCli(['sync', source, target, '--uid', GUIDE_ARTIFACT.uid]);
      assertExit(run, 0);
      assertNoStackTrace(run.out + run.err);
      assert.equal(await countUid(target, 'lamindb_storage', GUIDE_STORAGE.uid), 1);
    } finally {
      spawnSyncQuiet('umount', [mnt]);
    }
  });
});

describe('one instance reached by two names is refused as source = target', () => {
  async function refused(source: string, target: string): Promise<void> {
    const before = await checksums(source);
    const run = await spawnCli(['sync', source, target, '--uid', GUIDE_ARTIFACT.uid]);
    assertExit(run, 2);
    assertOneErrorLine(run, /^error: Source and target are the same instance .*Choose another target\./m);
    assert.deepEqual(changedTables(before, await checksums(source)), []);
  }

  it('a symbolic link and a hard link to the same file', async () => {
    const source = await guideSource('sqlite');
    const links = tempDir();
    mkdirSync(join(links, 'sym', '.lamindb'), { recursive: true });
    symlinkSync(source, join(links, 'sym', '.lamindb', 'lamin.db'));
    await refused(source, join(links, 'sym', '.lamindb', 'lamin.db'));
    const hard = join(dirname(source), 'hard.db');
    linkSync(source, hard);
    await refused(source, hard);
    rmSync(hard);
  });

  it('a Postgres database as localhost and as 127.0.0.1', async () => {
    const source = await guideSource('postgres');
    const u = new URL(source);
    const other = new URL(source);
    other.hostname = u.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
    await refused(source, other.toString());
  });
});
