import type { Catalog } from '../instance/catalog';
import { modelName, tableDisplayName } from '../schema/registries';
import type { KeptLatest, PlannedRow, RegistryUid, ReportGroup, SyncPlan, SyncResult } from './types';

function entries(list: RegistryUid[]): string {
  return list.map((e) => `${e.registry}(uid='${e.uid}')`).join(', ');
}

/**
 * LaminDB's lines: `→ mapped: …` then `→ transferred: …`, each only when non-empty; per object
 * LaminDB saves apart (a collection's artifacts, then the collection) when the result has groups.
 */
export function formatReport(result: Pick<SyncResult, 'mapped' | 'transferred' | 'groups'>): string[] {
  const lines: string[] = [];
  for (const g of result.groups ?? [result]) {
    if (g.mapped.length > 0) lines.push(`→ mapped: ${entries(g.mapped)}`);
    if (g.transferred.length > 0) lines.push(`→ transferred: ${entries(g.transferred)}`);
  }
  return lines;
}

export const NOTHING_WRITTEN = '→ nothing to transfer: the target already holds everything (nothing written)';

/**
 * The line after LaminDB's report that says what the sync wrote into the target, always: records
 * per registry (the transfer transform and runs included), then the rows without a uid (link rows
 * per link table, named by what they link; feature values), the slots re-pointed (updated, not written) and the older
 * versions whose `is_latest` was cleared; or that
 * nothing was written. `catalog` is the target's.
 */
export function formatWritten(result: Pick<SyncResult, 'written' | 'demoted'> & Partial<Pick<SyncResult, 'updated'>>, catalog: Catalog): string {
  const records: string[] = [];
  const links: Array<[string, number]> = [];
  let values = 0;
  for (const [table, n] of Object.entries(result.written)) {
    if (n === 0) continue;
    if (catalog.tables.get(table)?.columnByName.has('uid')) records.push(`${n} ${modelName(table)}`);
    else if (table === 'lamindb_jsonvalue') values += n;
    else links.push([table, n]);
  }
  const parts = records;
  if (values > 0) parts.push(`${values} feature value${values === 1 ? '' : 's'}`);
  if (links.length > 0) {
    const n = links.reduce((a, [, k]) => a + k, 0);
    // Named by what they link (`Artifact–ULabel links`), never by table.
    const tables = links.length === 1 ? tableDisplayName(links[0]![0]) : links.map(([t, k]) => `${tableDisplayName(t)} × ${k}`).join(', ');
    parts.push(`${n} link row${n === 1 ? '' : 's'} (${tables})`);
  }
  // Rows updated in place: a slot re-pointed at its rebuilt schema (`1 slot re-pointed (Artifact–Schema links)`).
  for (const [table, n] of Object.entries(result.updated ?? {})) {
    if (n > 0) parts.push(`${n} slot${n === 1 ? '' : 's'} re-pointed (${tableDisplayName(table)})`);
  }
  for (const [table, n] of Object.entries(result.demoted ?? {})) {
    if (n > 0) parts.push(`is_latest cleared on ${n} older ${modelName(table)} version${n === 1 ? '' : 's'}`);
  }
  return parts.length === 0 ? NOTHING_WRITTEN : `→ written: ${parts.join(', ')}`;
}

/** Lines naming the target's latest versions that stay latest over an older synced version (the first few, then a count). */
export function formatKeptLatest(kept: readonly KeptLatest[], shown = 5): string[] {
  const lines = kept
    .slice(0, shown)
    .map((k) => `→ the target's ${k.registry}(uid='${k.latestUid}') stays latest: it is newer than ${k.registry}(uid='${k.olderUid}'), written as not latest`);
  if (kept.length > shown) lines.push(`→ … and ${kept.length - shown} more older versions written as not latest (their family's latest in the target is newer)`);
  return lines;
}

/** The `--json` shape. */
export function reportJson(result: SyncResult): Record<string, unknown> {
  return {
    transferred: result.transferred,
    mapped: result.mapped,
    transform: result.transform,
    run: result.run,
    initiated_by_run: result.initiatedByRun,
    written: result.written,
    updated: result.updated,
    demoted: result.demoted,
    kept_latest: result.keptLatest,
    duration_ms: result.durationMs,
    phases_ms: { plan: result.phases.planMs, write: result.phases.writeMs, commit: result.phases.commitMs },
    statements: result.statements,
    // Each object once (the lists above repeat an object as LaminDB's report does).
    distinct: (() => {
      const s = summarizeReport(result);
      return { transferred: s.transferred.length, mapped: s.mapped.length, by_registry: s.byRegistry };
    })(),
  };
}

/** The report a plan will give: use this rather than reading `reportOrder` directly. */
export function plannedReport(plan: SyncPlan): ReportGroup & { groups: ReportGroup[] } {
  const mapped: RegistryUid[] = [];
  const transferred: RegistryUid[] = [];
  const groups: ReportGroup[] = [];
  const starts = new Set(plan.reportGroups ?? [0]);
  plan.reportOrder.forEach((row, i) => {
    if (starts.has(i) || groups.length === 0) groups.push({ transferred: [], mapped: [] });
    const g = groups[groups.length - 1]!;
    const entry = { registry: row.model, uid: row.uid! };
    (plan.reportActions[i] === 'map' ? mapped : transferred).push(entry);
    (plan.reportActions[i] === 'map' ? g.mapped : g.transferred).push(entry);
  });
  return { transferred, mapped, groups };
}

function describeRow(row: PlannedRow): string {
  return row.uid ? `${row.model}(uid='${row.uid}')` : `${row.model} link`;
}

/** What a dry run prints: the report lines as they would be, then every row with its reason. */
export function formatPlan(plan: SyncPlan): string[] {
  const { mapped, transferred, groups } = plannedReport(plan);
  const lines = [
    `Plan: ${plan.source.slug} → ${plan.target.slug}${plan.annotations ? ' (with annotations)' : ''} — nothing written (dry run)`,
    ...formatReport({ mapped, transferred, groups }),
  ];
  const links = [...plan.rows.values()].filter((r) => !r.reportable && r.uid === null && r.action === 'transfer');
  if (links.length > 0) {
    const byTable = new Map<string, number>();
    for (const l of links) byTable.set(l.table, (byTable.get(l.table) ?? 0) + 1);
    lines.push(`→ link rows: ${[...byTable].map(([t, n]) => `${tableDisplayName(t)} × ${n}`).join(', ')}`);
  }
  for (const d of plan.demote) {
    lines.push(`→ is_latest cleared on ${d.targetIds.length} older version(s) in ${d.table}`);
  }
  lines.push(...formatKeptLatest(plan.keptLatest));
  const total = [...plan.rows.values()].filter((r) => r.action === 'transfer').length;
  if (total > 0) {
    lines.push(`→ run: ${plan.transfer.key} (transform uid '${plan.transfer.uid}')`);
  }
  lines.push('', 'Rows:');
  for (const row of new Set(plan.reportOrder)) {
    lines.push(`  ${row.action === 'map' ? 'map     ' : 'transfer'} ${describeRow(row)}  — ${row.reason}`);
  }
  // Rows with a uid the report does not list (rebuilt slot schemas, as LaminDB does not list them).
  for (const row of plan.rows.values()) {
    if (!row.reportable && row.uid !== null && row.action === 'transfer') lines.push(`  transfer ${describeRow(row)}  — ${row.reason}`);
  }
  for (const w of plan.warnings) lines.push(`! ${w}`);
  return lines;
}

/** Each object once, in first-seen order (LaminDB's report lists a label once per link). */
export function distinctObjects(list: readonly RegistryUid[]): RegistryUid[] {
  const seen = new Set<string>();
  const out: RegistryUid[] = [];
  for (const e of list) {
    const k = `${e.registry}\u0000${e.uid}`;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(e);
  }
  return out;
}

export interface RegistryCounts {
  registry: string;
  transferred: number;
  mapped: number;
}

/**
 * Distinct objects of a report: an object counts once, and a transferred one (which LaminDB's
 * report repeats as mapped where it is linked again) only as transferred. Registries in the order
 * they first appear.
 */
export interface ReportSummary {
  transferred: RegistryUid[];
  mapped: RegistryUid[];
  byRegistry: RegistryCounts[];
}

export function summarizeReport(result: Pick<SyncResult, 'mapped' | 'transferred'>): ReportSummary {
  const transferred = distinctObjects(result.transferred);
  const moved = new Set(transferred.map((e) => `${e.registry}\u0000${e.uid}`));
  const mapped = distinctObjects(result.mapped).filter((e) => !moved.has(`${e.registry}\u0000${e.uid}`));
  const by = new Map<string, RegistryCounts>();
  const at = (registry: string): RegistryCounts => {
    let c = by.get(registry);
    if (!c) by.set(registry, (c = { registry, transferred: 0, mapped: 0 }));
    return c;
  };
  for (const e of transferred) at(e.registry).transferred++;
  for (const e of mapped) at(e.registry).mapped++;
  return { transferred, mapped, byRegistry: [...by.values()] };
}

/** `22249 transferred, 1203 mapped` (distinct objects). */
export function summaryCounts(summary: ReportSummary): string {
  return `${summary.transferred.length} transferred, ${summary.mapped.length} mapped`;
}

function perRegistry(summary: ReportSummary, action: 'transferred' | 'mapped'): string {
  return summary.byRegistry
    .filter((c) => c[action] > 0)
    .map((c) => `${c.registry} ${c[action]}`)
    .join(', ');
}

/** LaminDB's report lines up to this many entries each; past it, counts per registry only. */
export const LISTED_ENTRIES = 100;

/**
 * Report lines that stay readable at any size: LaminDB's own lines while they are short, else
 * distinct objects per registry (`→ transferred 20000 objects: Artifact 20000, …`); the full
 * list is `fullReport` (or `--json`).
 */
export function formatReportSummary(result: Pick<SyncResult, 'mapped' | 'transferred' | 'groups'>, listed = LISTED_ENTRIES): string[] {
  if (result.mapped.length <= listed && result.transferred.length <= listed) return formatReport(result);
  const s = summarizeReport(result);
  const lines: string[] = [];
  const objects = (n: number) => `${n} object${n === 1 ? '' : 's'}`;
  if (s.mapped.length > 0) lines.push(`→ mapped ${objects(s.mapped.length)}: ${perRegistry(s, 'mapped')}`);
  if (s.transferred.length > 0) lines.push(`→ transferred ${objects(s.transferred.length)}: ${perRegistry(s, 'transferred')}`);
  return lines;
}

/** The whole report, one object a line, grouped by registry: for a document opened on demand. */
export function fullReport(result: Pick<SyncResult, 'mapped' | 'transferred'>, header: string[] = []): string {
  const s = summarizeReport(result);
  const lines = [...header, `${summaryCounts(s)} (distinct objects)`, ''];
  for (const action of ['transferred', 'mapped'] as const) {
    const list = s[action];
    if (list.length === 0) continue;
    lines.push(`${action}: ${perRegistry(s, action)}`);
    const byRegistry = new Map<string, string[]>();
    for (const e of list) {
      let uids = byRegistry.get(e.registry);
      if (!uids) byRegistry.set(e.registry, (uids = []));
      uids.push(e.uid);
    }
    for (const [registry, uids] of byRegistry) {
      lines.push(`  ${registry} (${uids.length})`);
      for (const uid of uids) lines.push(`    ${registry}(uid='${uid}')`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
