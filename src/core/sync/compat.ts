import { LaminSyncError } from '../errors';
import type { Catalog, MigrationRow } from '../instance/catalog';
import type { Instance } from '../instance/types';
import { appOf } from '../schema/registries';
import type { PlannedRow } from './types';

function migrationNumber(name: string): number {
  const m = /^(\d+)_/.exec(name);
  return m ? Number(m[1]) : -1;
}

/** The newest migration applied per app (by Django's number; squashed and split rows alike). */
export function latestMigrations(rows: MigrationRow[]): Map<string, MigrationRow> {
  const out = new Map<string, MigrationRow>();
  for (const r of rows) {
    const prev = out.get(r.app);
    if (!prev || migrationNumber(r.name) > migrationNumber(prev.name) ||
        (migrationNumber(r.name) === migrationNumber(prev.name) && r.name > prev.name && !r.name.includes('squashed'))) {
      out.set(r.app, r);
    }
  }
  return out;
}

/**
 * A target behind the source (an older LaminDB migration for an app both have) may lack what
 * the source's rows need: refuse, naming both states. A newer target reads older rows.
 */
export function checkMigrations(source: Instance, target: Instance): string[] {
  const s = latestMigrations(source.catalog.migrations);
  const t = latestMigrations(target.catalog.migrations);
  const behind: string[] = [];
  const warnings: string[] = [];
  for (const [app, sm] of s) {
    if (app === 'contenttypes' || app === 'auth') continue;
    const tm = t.get(app);
    if (!tm) continue; // a missing module is refused when a row needs its tables
    const sn = migrationNumber(sm.name);
    const tn = migrationNumber(tm.name);
    if (sn > tn) behind.push(`${app}: target at ${tm.name}, source at ${sm.name}`);
    else if (tn > sn) warnings.push(`target is newer than the source for ${app} (${tm.name} vs ${sm.name})`);
  }
  if (behind.length > 0) {
    throw new LaminSyncError(
      'INCOMPATIBLE',
      `Migration mismatch: ${target.identity.slug} is behind ${source.identity.slug} (${behind.join('; ')}). ` +
        'Migrate the target to the same LaminDB version first (`lamin migrate deploy` on the target), then sync again.',
    );
  }
  return warnings;
}

/**
 * Refuses a plan whose rows need what the target lacks: a module's tables, a column that holds
 * a value, or a required target column the source cannot fill. Names each of them.
 */
export function checkTargetCanHold(target: Catalog, source: Catalog, rows: Iterable<PlannedRow>, targetSlug: string): void {
  const needed = new Map<string, Set<string>>(); // table -> columns with values
  // Tables whose every source column the target has: no value can miss a column there.
  const covered = new Map<string, boolean>();
  for (const row of rows) {
    if (row.action !== 'transfer' || !row.values) continue;
    let cols = needed.get(row.table);
    if (!cols) needed.set(row.table, (cols = new Set()));
    let all = covered.get(row.table);
    if (all === undefined) {
      const t = target.tables.get(row.table);
      all = t !== undefined && (source.tables.get(row.table)?.columns.every((c) => t.columnByName.has(c.name)) ?? false);
      covered.set(row.table, all);
    }
    if (all) continue;
    const values = row.values;
    for (const c in values) if (values[c] !== null && values[c] !== undefined && !cols.has(c)) cols.add(c);
  }
  const missingModules = new Set<string>();
  const missingTables: string[] = [];
  const missingColumns: string[] = [];
  const unfillable: string[] = [];
  for (const [table, cols] of needed) {
    const t = target.tables.get(table);
    if (!t) {
      const app = appOf(table);
      if (!target.apps.has(app) && ![...target.tables.keys()].some((x) => appOf(x) === app)) missingModules.add(app);
      else missingTables.push(table);
      continue;
    }
    for (const c of cols) if (!t.columnByName.has(c)) missingColumns.push(`${table}.${c}`);
    const s = source.tables.get(table);
    for (const col of t.columns) {
      if (col.nullable || col.hasDefault || col.primaryKey) continue;
      if (!s?.columnByName.has(col.name)) unfillable.push(`${table}.${col.name}`);
    }
  }
  const problems: string[] = [];
  if (missingModules.size > 0) {
    const mods = [...missingModules];
    problems.push(
      `the module${mods.length > 1 ? 's' : ''} ${mods.join(', ')} (create the target with ` +
        `\`--modules ${mods.join(',')}\`, or add ${mods.length > 1 ? 'them' : 'it'} with LaminDB)`,
    );
  }
  if (missingTables.length > 0) problems.push(`the tables ${missingTables.join(', ')}`);
  if (missingColumns.length > 0) problems.push(`the columns ${missingColumns.join(', ')}`);
  if (unfillable.length > 0) {
    problems.push(`values for its required columns ${unfillable.join(', ')}, which the source does not have`);
  }
  if (problems.length > 0) {
    throw new LaminSyncError(
      'INCOMPATIBLE',
      `${targetSlug} cannot hold this sync: it lacks ${problems.join('; and ')}. Nothing was written.`,
    );
  }
}
