import type { ColumnInfo } from './catalog';
import type { Dialect } from './types';

/**
 * Column values moving between dialects. SQLite (as Django writes it) keeps booleans as 0/1 and
 * timestamps as naive UTC text with microseconds; Postgres has boolean and timestamptz. The
 * Postgres connection returns timestamps and JSON as text, so nothing is lost on the way.
 */
export type ValueKind = 'bool' | 'datetime' | 'other';

export function valueKind(column: ColumnInfo): ValueKind {
  const t = column.type;
  if (t === 'bool' || t === 'boolean') return 'bool';
  if (t === 'datetime' || t.startsWith('timestamp')) return 'datetime';
  return 'other';
}

/** Postgres `2025-07-29 12:27:25.123456+00` → Django's SQLite text `2025-07-29 12:27:25.123456`. */
function toSqliteDatetime(v: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(v);
  if (!m) return v;
  const offset = m[3];
  if (!offset || offset === 'Z' || /^[+-]00(:?00)?$/.test(offset)) return `${m[1]} ${m[2]}`;
  const d = new Date(`${m[1]}T${m[2]}${offset.length === 3 ? offset + ':00' : offset}`);
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/** Django's naive-UTC SQLite text → a timestamptz literal Postgres reads exactly. */
function toPostgresDatetime(v: string): string {
  return /(Z|[+-]\d{2}(:?\d{2})?)$/.test(v) ? v : `${v}+00`;
}

export function convertValue(
  value: unknown,
  kind: ValueKind,
  from: Dialect,
  to: Dialect,
): unknown {
  if (value === null || value === undefined) return null;
  if (kind === 'bool') {
    const b = value === true || value === 1 || value === '1' || value === 't' || value === 'true';
    return to === 'sqlite' ? (b ? 1 : 0) : b;
  }
  if (kind === 'datetime' && typeof value === 'string' && from !== to) {
    return to === 'sqlite' ? toSqliteDatetime(value) : toPostgresDatetime(value);
  }
  if (to === 'sqlite' && typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

/** "Now" in the form each dialect stores it. */
export function nowValue(dialect: Dialect, at = new Date()): string {
  const iso = at.toISOString(); // 2026-11-26T14:00:00.123Z
  const text = `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
  return dialect === 'sqlite' ? text : `${text}+00`;
}

const INSTANT = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * A timestamp of either dialect (SQLite's naive-UTC text, Postgres' text with an offset, a Date)
 * as `YYYY-MM-DD HH:MM:SS.ffffff` in UTC, so that two instants compare as strings; null when the
 * value is no timestamp.
 */
export function instantKey(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : `${value.toISOString().slice(0, 23).replace('T', ' ')}000`;
  if (typeof value !== 'string') return null;
  const m = INSTANT.exec(value.trim());
  if (!m) return null;
  const fraction = (m[3] ?? '').padEnd(6, '0').slice(0, 6);
  let seconds = `${m[1]} ${m[2]}`;
  const offset = m[4];
  if (offset && offset !== 'Z' && !/^[+-]00(:?00)?$/.test(offset)) {
    const digits = offset.replace(':', '');
    const minutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5) || 0);
    const utc = new Date(`${m[1]}T${m[2]}Z`).getTime() - (offset[0] === '-' ? -1 : 1) * minutes * 60_000;
    seconds = new Date(utc).toISOString().slice(0, 19).replace('T', ' ');
  }
  return `${seconds}.${fraction}`;
}

/**
 * A new row as Django writes it: JSON fields whose model default is `None` (`_aux`) are sent as
 * SQL NULL. Left out, the column's database default applies, which on SQLite is the JSON text
 * `null` — not what LaminDB writes (`filter(_aux__isnull=True)` would miss the row).
 */
export function withModelNulls(columns: ReadonlyMap<string, unknown> | undefined, values: Record<string, unknown>): Record<string, unknown> {
  return columns?.has('_aux') && !('_aux' in values) ? { ...values, _aux: null } : values;
}
