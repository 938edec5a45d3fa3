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

/** `Artifact(uid='…', key='…', …)` in LaminDB's repr style, skipping private columns. */
export function formatRecord(model: string, record: Record<string, unknown>): string {
  const parts = Object.entries(record)
    .filter(([k, v]) => !k.startsWith('_') && v !== undefined)
    .map(([k, v]) => `${k}=${v === null ? 'None' : typeof v === 'string' ? `'${v}'` : String(v)}`);
  return `${model}(${parts.join(', ')})`;
}
