import type { PlannedRow, RegistryUid, SyncPlan, SyncResult } from './types';

function entries(list: RegistryUid[]): string {
  return list.map((e) => `${e.registry}(uid='${e.uid}')`).join(', ');
}

/** LaminDB's lines: `→ mapped: …` then `→ transferred: …`, each only when non-empty. */
export function formatReport(result: Pick<SyncResult, 'mapped' | 'transferred'>): string[] {
  const lines: string[] = [];
  if (result.mapped.length > 0) lines.push(`→ mapped: ${entries(result.mapped)}`);
  if (result.transferred.length > 0) lines.push(`→ transferred: ${entries(result.transferred)}`);
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
    duration_ms: result.durationMs,
    phases_ms: { plan: result.phases.planMs, write: result.phases.writeMs, commit: result.phases.commitMs },
    statements: result.statements,
  };
}

/** The report a plan will give: use this rather than reading `reportOrder` directly. */
export function plannedReport(plan: SyncPlan): { transferred: RegistryUid[]; mapped: RegistryUid[] } {
  const mapped: RegistryUid[] = [];
  const transferred: RegistryUid[] = [];
  plan.reportOrder.forEach((row, i) => {
    (plan.reportActions[i] === 'map' ? mapped : transferred).push({ registry: row.model, uid: row.uid! });
  });
  return { transferred, mapped };
}

function describeRow(row: PlannedRow): string {
  return row.uid ? `${row.model}(uid='${row.uid}')` : `${row.model} link`;
}

/** What a dry run prints: the report lines as they would be, then every row with its reason. */
export function formatPlan(plan: SyncPlan): string[] {
  const { mapped, transferred } = plannedReport(plan);
  const lines = [
    `Plan: ${plan.source.slug} → ${plan.target.slug}${plan.annotations ? ' (with annotations)' : ''} — nothing written (dry run)`,
    ...formatReport({ mapped, transferred }),
  ];
  const links = [...plan.rows.values()].filter((r) => !r.reportable && r.action === 'transfer');
  if (links.length > 0) {
    const byTable = new Map<string, number>();
    for (const l of links) byTable.set(l.table, (byTable.get(l.table) ?? 0) + 1);
    lines.push(`→ link rows: ${[...byTable].map(([t, n]) => `${t} × ${n}`).join(', ')}`);
  }
  for (const d of plan.demote) {
    lines.push(`→ is_latest cleared on ${d.targetIds.length} older version(s) in ${d.table}`);
  }
  const total = [...plan.rows.values()].filter((r) => r.action === 'transfer').length;
  if (total > 0) {
    lines.push(`→ run: ${plan.transfer.key} (transform uid '${plan.transfer.uid}')`);
  }
  lines.push('', 'Rows:');
  for (const row of new Set(plan.reportOrder)) {
    lines.push(`  ${row.action === 'map' ? 'map     ' : 'transfer'} ${describeRow(row)}  — ${row.reason}`);
  }
  for (const w of plan.warnings) lines.push(`! ${w}`);
  return lines;
}
