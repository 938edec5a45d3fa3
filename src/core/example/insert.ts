import type { Instance } from '../instance/types';
import { convertValue, valueKind } from '../instance/values';

/** Values LaminDB's models give required columns that have no database default. */
const MODEL_DEFAULTS: Record<string, unknown> = {
  is_latest: true,
  is_type: false,
  is_locked: false,
  _key_is_virtual: true,
  _overwrite_versions: false,
  array_rank: 0,
  array_size: 0,
  minimal_set: true,
  ordered_set: false,
  maximal_set: false,
  in_db: false,
  currently_used: true,
  created_by_id: 1,
};

/**
 * Inserts records as LaminDB's models would (defaults for required fields, booleans and
 * timestamps in the dialect's form) and returns their new ids. For examples and fixtures.
 */
export async function insertRecords(
  instance: Instance,
  table: string,
  rows: Record<string, unknown>[],
): Promise<number[]> {
  const info = instance.catalog.tables.get(table);
  if (!info) throw new Error(`${instance.identity.slug} has no table ${table}`);
  const ids: number[] = [];
  for (const row of rows) {
    const values: Record<string, unknown> = {};
    for (const col of info.columns) {
      let v = Object.prototype.hasOwnProperty.call(row, col.name) ? row[col.name] : undefined;
      if (v === undefined && !col.nullable && !col.hasDefault && !col.primaryKey) v = MODEL_DEFAULTS[col.name];
      if (v === undefined) continue;
      values[col.name] = convertValue(v, valueKind(col), 'sqlite', instance.dialect);
    }
    for (const k of Object.keys(row)) {
      if (!info.columnByName.has(k)) throw new Error(`${table} has no column ${k}`);
    }
    const r = await instance.db.insertInto(table).values(values).returning('id').executeTakeFirstOrThrow();
    ids.push(Number(r.id));
  }
  return ids;
}
