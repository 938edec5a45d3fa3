import { valueKind } from '../core/instance/values';
import type { Registry } from '../core/schema/registries';
import { isTrue } from '../core/sync/selection';

/** Plain-text tables and records for the terminal. */
function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

export function formatTable(rows: Record<string, unknown>[]): string[] {
  if (rows.length === 0) return ['(none)'];
  const cols = Object.keys(rows[0]!);
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))];
}

/**
 * `Artifact(uid='…', key='…', is_latest=True, …)` in LaminDB's repr style, skipping private
 * columns; `registry` tells which columns are booleans (SQLite stores them as 0/1).
 */
export function formatRecord(registry: Registry, record: Record<string, unknown>): string {
  const parts = Object.entries(record)
    .filter(([k, v]) => !k.startsWith('_') && v !== undefined)
    .map(([k, v]) => {
      const column = registry.info.columnByName.get(k);
      if (v !== null && column && valueKind(column) === 'bool') return `${k}=${isTrue(v) ? 'True' : 'False'}`;
      return `${k}=${v === null ? 'None' : typeof v === 'string' ? `'${v}'` : String(v)}`;
    });
  return `${registry.model}(${parts.join(', ')})`;
}
