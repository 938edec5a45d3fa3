// Shared by the fault suite: the CLI as a child process (so it can be killed, signalled, starved),
// checksums of every table of an instance (to assert "unchanged" or "complete"), and the check
// that nothing a user sees is a stack trace.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built CLI (`npm run build`; `npm test` builds first). */
export const CLI = join(ROOT, 'dist', 'cli.js');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  /** Called with the child once it is running (to kill it, signal it, watch its output). */
  onSpawn?: (child: ChildProcess) => void;
  /** Called with every chunk of stdout/stderr as it arrives. */
  onOutput?: (text: string, stream: 'out' | 'err') => void;
  /** Kill the child (SIGKILL) after this many ms; the test then fails on the result. */
  timeoutMs?: number;
}

/** Runs `node dist/cli.js …args` as a child process and resolves when it exits. */
export function spawnCli(args: string[], options: SpawnOptions = {}): Promise<CliRun> {
  assert.ok(existsSync(CLI), `${CLI} is missing: run \`npm run build\` first`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      options.onOutput?.(d, 'out');
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      options.onOutput?.(d, 'err');
    });
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      // 'exit' can come before the pipes are drained.
      setImmediate(() => resolvePromise({ code, signal, out, err }));
    });
    options.onSpawn?.(child);
  });
}

/** Lines that look like a JavaScript stack frame or an internal error dump. */
const STACK = /^\s+at .+\(.+:\d+:\d+\)$|^\s+at .+:\d+:\d+$|Unhandled 'error' event|internal:|node:internal|Error: .*\n\s+at /m;

/** What a user sees holds no stack trace and no internal error text. */
export function assertNoStackTrace(text: string, what = 'output'): void {
  assert.doesNotMatch(text, STACK, `${what} shows a stack trace or internal error:\n${text}`);
}

/** Asserts one clear error line on stderr (plus, at most, a hint line) and no stack trace. */
export function assertOneErrorLine(run: CliRun, pattern: RegExp): void {
  assertNoStackTrace(run.err, 'stderr');
  assertNoStackTrace(run.out, 'stdout');
  assert.match(run.err, pattern, `stderr:\n${run.err}`);
}

function digest(rows: unknown[]): string {
  const h = createHash('sha256');
  for (const r of rows) h.update(JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).update('\n');
  return h.digest('hex').slice(0, 16);
}

/**
 * Per table `rowcount:hash` of every row (SQLite, in rowid order where tables have one, else by
 * every column). Opened read-only without touching the file's journal mode.
 */
export function sqliteChecksums(file: string): Record<string, string> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db
      .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name")
      .pluck()
      .all() as string[];
    const out: Record<string, string> = {};
    for (const t of tables) {
      const q = `"${t.replaceAll('"', '""')}"`;
      const rows = db.prepare(`select * from ${q} order by 1`).raw().all();
      out[t] = `${rows.length}:${digest(rows)}`;
    }
    return out;
  } finally {
    db.close();
  }
}

/** The same for a Postgres database: every table of the public schema, rows as text, sorted. */
export async function postgresChecksums(url: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const tables = (
      await client.query<{ t: string }>(
        "select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1",
      )
    ).rows.map((r) => r.t);
    const out: Record<string, string> = {};
    for (const t of tables) {
      const q = client.escapeIdentifier(t);
      const rows = (await client.query<{ r: string }>(`select x::text as r from ${q} x order by 1`)).rows.map((r) => r.r);
      out[t] = `${rows.length}:${digest(rows)}`;
    }
    return out;
  } finally {
    await client.end();
  }
}

/** Tables whose checksum differs between two snapshots (added and removed tables included). */
export function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((n) => before[n] !== after[n]).sort();
}
