// The differences lamin-sync makes on purpose, and the comparison that allows only them: the one
// list the parity suite (SQLite and Postgres) checks lamin-sync's targets and reports against.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Instance } from '../../src/core/instance/types';
import { canonical, describeDifference, differences, snapshot, uidsOf, type Difference } from './compare';
import { REFERENCE, V1, V2, type Step } from './support';

export const README = readFileSync(join(REFERENCE, '..', '..', '..', 'README.md'), 'utf8');

interface Context {
  /** Our rows of a table, as compared. */
  ours: (table: string) => Array<Record<string, unknown>>;
  theirs: (table: string) => Array<Record<string, unknown>>;
}

interface Allowed {
  name: string;
  /** The README line that explains it (the test checks the README says so). */
  readme: string;
  matches: (d: Difference, ctx: Context) => boolean;
}

const target = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>)['→'] : v);
const withoutFeature = (row: Record<string, unknown>) => JSON.stringify({ ...row, feature_id: undefined });

/** The differences lamin-sync makes on purpose. Every other difference fails the suite. */
export const ALLOWED_DIFFERENCES: Allowed[] = [
  {
    name: 'JSON feature values',
    readme: '**Feature values** (`JsonValue`) are transferred too',
    matches: (d, ctx) =>
      d.kind === 'only-ours' &&
      (/jsonvalue$/.test(d.table) ||
        (d.table === 'lamindb_feature' && ctx.ours('lamindb_jsonvalue').some((v) => target(v.feature_id) === d.identity))),
  },
  {
    name: "a label's link under a second feature",
    readme: "**A label's link under a second feature** is kept",
    matches: (d, ctx) =>
      d.kind === 'only-ours' &&
      'feature_id' in d.row &&
      ctx.theirs(d.table).some((t) => withoutFeature(t) === withoutFeature(d.row)),
  },
  {
    name: 'non-latest versions',
    readme: '**Non-latest versions** (LaminDB refuses them)',
    matches: (d) => d.kind === 'only-ours' && d.row.is_latest === false && 'version_tag' in d.row,
  },
];

export async function compareWithLamindb(ours: Instance, theirs: Instance, knownFrom: Instance[]): Promise<{ unexplained: string[]; extras: Difference[] }> {
  const known = uidsOf(...(await Promise.all(knownFrom.map(snapshot))));
  const a = canonical(await snapshot(ours), known);
  const b = canonical(await snapshot(theirs), known);
  const rows = (m: typeof a) => (table: string) => [...(m.get(table)?.byIdentity.values() ?? [])];
  const ctx: Context = { ours: rows(a), theirs: rows(b) };
  const unexplained: string[] = [];
  const extras: Difference[] = [];
  for (const d of differences(a, b)) {
    if (ALLOWED_DIFFERENCES.some((x) => x.matches(d, ctx))) extras.push(d);
    else unexplained.push(describeDifference(d));
  }
  return { unexplained, extras };
}

/** Report lines without the entries of the listed extras (the rows only lamin-sync writes). */
export function withoutExtras(lines: readonly string[], extras: readonly Difference[]): string[] {
  const uids = new Set(extras.map((d) => d.identity));
  const out: string[] = [];
  for (const line of lines) {
    const m = /^(→ (?:mapped|transferred): )(.*)$/.exec(line)!;
    const kept = m[2]!.split(', ').filter((e) => !uids.has(/uid='([^']+)'/.exec(e)?.[1] ?? ''));
    if (kept.length > 0) out.push(m[1] + kept.join(', '));
  }
  return out;
}

/**
 * lamindb refuses a version that is not the latest (NotImplementedError); lamin-sync transfers it
 * with its family's latest, so the step that asks for the latest then finds it mapped. Listed
 * under 'non-latest versions': our lines for the refused step (the extra removed) are lamindb's
 * for the latest, and the latest's own step maps it.
 */
export function assertReportsEqual(steps: readonly Step[], ours: Map<string, string[]>, theirs: Map<string, string[]>, extras: Difference[]): void {
  for (const step of steps) {
    const mine = withoutExtras(ours.get(step.name)!, extras);
    const lamindb = theirs.get(step.name)!;
    if (lamindb.some((l) => /^EXCEPTION NotImplementedError: .*not the latest/.test(l))) {
      assert.deepEqual(ours.get(step.name), [`→ transferred: Artifact(uid='${V1}'), Artifact(uid='${V2}')`], step.name);
      assert.deepEqual(mine, theirs.get('v2'), `${step.name}: the latest version arrives as lamindb transfers it`);
      continue;
    }
    if (step.name === 'v2' && steps.some((s) => s.name === 'v1')) {
      assert.deepEqual(mine, [`→ mapped: Artifact(uid='${V2}')`], 'v2 came with v1');
      continue;
    }
    assert.deepEqual(mine, lamindb, `report of step ${step.name}`);
  }
}

