// Instances and helper processes for the SQLite / locking / crash fault tests.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { GUIDE_SOURCE, seedGuideExample } from '../../src/core/example/guide';
import { generatePlainArtifacts } from '../../bench/generate';
import { makeInstance, withInstances, type DialectName } from '../support/instances';
import { postgresChecksums, ROOT, sqliteChecksums, type CliRun } from './support';

/** A source holding the sync guide's example (its artifact, storage, schema, features, labels). */
export async function guideSource(dialect: DialectName): Promise<string> {
  const loc = await makeInstance(dialect, { name: GUIDE_SOURCE.name, owner: GUIDE_SOURCE.owner, instanceUid: GUIDE_SOURCE.instanceUid });
  await withInstances([[loc, false]], (i) => seedGuideExample(i));
  return loc;
}

/** A source with `n` plain artifacts on one storage (`--registry Artifact --all` syncs them all). */
export async function artifactsSource(dialect: DialectName, n: number, name = 'many'): Promise<string> {
  const loc = await makeInstance(dialect, { name, owner: 'faults' });
  await generatePlainArtifacts(loc, n);
  return loc;
}

export function emptyTarget(dialect: DialectName, name = 'target'): Promise<string> {
  return makeInstance(dialect, { name, owner: 'faults' });
}

export function checksums(loc: string): Promise<Record<string, string>> | Record<string, string> {
  return loc.startsWith('postgres') ? postgresChecksums(loc) : sqliteChecksums(loc);
}

/** Resolves when `pattern` first appears in a child's output; pass the result's `onOutput` to spawnCli. */
export function outputWatcher(pattern: RegExp): { seen: Promise<void>; onOutput: (text: string) => void } {
  let text = '';
  let resolve!: () => void;
  const seen = new Promise<void>((r) => (resolve = r));
  return {
    seen,
    onOutput: (t: string) => {
      text += t;
      if (pattern.test(text)) resolve();
    },
  };
}

/** Another process holding a SQLite lock: `BEGIN EXCLUSIVE`, `BEGIN IMMEDIATE`, or a reader's `BEGIN` + SELECT. */
export interface LockHolder {
  child: ChildProcess;
  /** Resolves once the lock is held. */
  held: Promise<void>;
  /** Ends its transaction and waits for it to exit. */
  release(): Promise<void>;
}

export function holdSqliteLock(file: string, mode: 'EXCLUSIVE' | 'IMMEDIATE' | 'SHARED'): LockHolder {
  const script = `
    const Database = require(${JSON.stringify(join(ROOT, 'node_modules', 'better-sqlite3'))});
    const db = new Database(process.argv[1], { timeout: 0 });
    if (process.argv[2] === 'SHARED') { db.exec('BEGIN'); db.prepare('select count(*) from lamindb_artifact').get(); }
    else db.exec('BEGIN ' + process.argv[2]);
    process.stdout.write('held\\n');
    process.stdin.on('data', () => { db.exec('COMMIT'); db.close(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['-e', script, file, mode], { stdio: ['pipe', 'pipe', 'inherit'] });
  const held = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('held') && resolve());
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return {
    child,
    held,
    release: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on('exit', () => resolve());
        child.stdin!.write('go\n');
      }),
  };
}

/** The number of rows with this uid in a target table. */
export async function countUid(loc: string, table: string, uid: string): Promise<number> {
  return withInstances([[loc, true]], async (i) => {
    const r = await i.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).where('uid', '=', uid).executeTakeFirstOrThrow();
    return Number(r.n);
  });
}

export function assertExit(run: CliRun, code: number): void {
  assert.equal(run.code, code, `exit ${run.code} (signal ${run.signal})\nstdout:\n${run.out}\nstderr:\n${run.err}`);
}
