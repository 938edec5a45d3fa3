// The floor: a raw copy of exactly the rows a sync wrote, into a fresh instance of the target's
// dialect, with no mapping logic (source ids kept in foreign keys, constraint checks off).
// SQLite target: INSERT … SELECT across ATTACH. Postgres target: COPY … FROM STDIN, fed by
// COPY … TO STDOUT from a Postgres source or by the rows read from a SQLite source.
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Catalog } from '../src/core/instance/catalog';
import { valueKind } from '../src/core/instance/values';
import type { SyncPlan } from '../src/core/sync/types';
import { quote } from './generate';
import { copyIn, copyOut, copyText } from './pgcopy';

export interface FloorSource {
  dialect: 'sqlite' | 'postgres';
  /** SQLite file or Postgres URL. */
  locator: string;
  catalog: Catalog;
}

export interface FloorTarget {
  dialect: 'sqlite' | 'postgres';
  locator: string;
  catalog: Catalog;
}

/** Table → source ids of the rows the plan transferred, in insertion order of the tables. */
export function writtenRows(plan: SyncPlan): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const batch of plan.insertOrder) {
    for (const row of batch) {
      let ids = out.get(row.table);
      if (!ids) out.set(row.table, (ids = []));
      // A row the sync built (a rebuilt slot schema, its member links): the source row it stands for.
      ids.push(row.rawSourceId ?? row.sourceId);
    }
  }
  return out;
}

function sharedColumns(source: Catalog, target: Catalog, table: string): string[] {
  const s = source.tables.get(table)!;
  return target.tables
    .get(table)!
    .columns.map((c) => c.name)
    .filter((c) => c !== 'id' && s.columnByName.has(c));
}

function intArray(ids: number[]): string {
  for (const id of ids) if (!Number.isSafeInteger(id)) throw new Error(`not an id: ${id}`);
  return `'{${ids.join(',')}}'::bigint[]`;
}

/**
 * SQLite: one `INSERT … SELECT` per statement from `sourceFile` attached as `src`, in one
 * transaction on `targetFile`. The statements are made before the clock starts.
 */
function copyAttached(
  targetFile: string,
  sourceFile: string,
  foreignKeys: boolean,
  statements: (db: Database.Database) => Array<{ sql: string; param: unknown }>,
): { ms: number; rows: number } {
  const db = new Database(targetFile);
  db.pragma(`foreign_keys = ${foreignKeys ? 'ON' : 'OFF'}`);
  try {
    const list = statements(db);
    let rows = 0;
    const t0 = performance.now();
    db.prepare('ATTACH DATABASE ? AS src').run(sourceFile);
    db.exec('BEGIN');
    for (const { sql, param } of list) rows += db.prepare(sql).run(param).changes;
    db.exec('COMMIT');
    const ms = performance.now() - t0;
    db.exec('DETACH DATABASE src');
    return { ms, rows };
  } finally {
    db.close();
  }
}

/** Copies the rows; returns the elapsed milliseconds (connections opened before the clock starts). */
export async function runFloor(source: FloorSource, target: FloorTarget, rows: Map<string, number[]>): Promise<{ ms: number; rows: number }> {
  if (target.dialect === 'sqlite') {
    if (source.dialect !== 'sqlite') throw new Error('the SQLite floor reads a SQLite source (ATTACH)');
    return copyAttached(target.locator, source.locator, false, () =>
      [...rows].map(([table, ids]) => {
        const cols = sharedColumns(source.catalog, target.catalog, table).map((c) => quote(target.catalog, table, c)).join(', ');
        return {
          sql: `INSERT INTO main.${quote(target.catalog, table)} (${cols}) SELECT ${cols} FROM src.${quote(source.catalog, table)} WHERE id IN (SELECT value FROM json_each(?))`,
          param: JSON.stringify(ids),
        };
      }),
    );
  }

  let copied = 0;
  const client = new pg.Client({ connectionString: target.locator });
  await client.connect();
  let srcPg: pg.Client | null = null;
  let srcLite: Database.Database | null = null;
  if (source.dialect === 'postgres') {
    srcPg = new pg.Client({ connectionString: source.locator });
    await srcPg.connect();
  } else {
    srcLite = new Database(source.locator, { readonly: true });
  }
  try {
    const t0 = performance.now();
    await client.query('BEGIN');
    // No foreign-key triggers: the copied rows keep the source's ids.
    await client.query('SET LOCAL session_replication_role = replica');
    for (const [table, ids] of rows) {
      const names = sharedColumns(source.catalog, target.catalog, table);
      const cols = names.map((c) => quote(target.catalog, table, c)).join(', ');
      let data: Buffer;
      if (srcPg) {
        data = await copyOut(srcPg, `COPY (SELECT ${cols} FROM ${quote(source.catalog, table)} WHERE id = ANY(${intArray(ids)})) TO STDOUT`);
      } else {
        const info = target.catalog.tables.get(table)!;
        const kinds = names.map((c) => valueKind(info.columnByName.get(c)!));
        const raw = srcLite!
          .prepare(`SELECT ${cols} FROM ${quote(source.catalog, table)} WHERE id IN (SELECT value FROM json_each(?))`)
          .raw(true)
          .all(JSON.stringify(ids)) as unknown[][];
        let text = '';
        for (const r of raw) {
          for (let i = 0; i < r.length; i++) {
            let v = r[i];
            if (v !== null && kinds[i] === 'bool') v = v === 1 || v === '1' || v === true;
            else if (v !== null && kinds[i] === 'datetime') v = `${v}+00`;
            text += (i === 0 ? '' : '\t') + copyText(v);
          }
          text += '\n';
        }
        data = Buffer.from(text);
      }
      copied += await copyIn(client, `COPY ${quote(target.catalog, table)} (${cols}) FROM STDIN`, data);
    }
    await client.query('COMMIT');
    return { ms: performance.now() - t0, rows: copied };
  } finally {
    await client.end();
    await srcPg?.end();
    srcLite?.close();
  }
}

/**
 * The floor with the target's constraints on: the rows as the sync left them in `synced` (target
 * ids, every foreign key valid) copied into `fresh`, a second new instance made the same way as
 * the sync's target, with the foreign-key checks LaminDB's schema defers to the commit (SQLite:
 * `foreign_keys` on; Postgres: the normal role, so Django's deferred constraint triggers run).
 * Copied: every row of `synced` past the ids `fresh` already has — the rows the sync wrote,
 * including its transform and run rows. Returns the elapsed milliseconds and rows copied.
 */
export async function runCheckedFloor(
  dialect: 'sqlite' | 'postgres',
  synced: { locator: string; catalog: Catalog },
  fresh: { locator: string; catalog: Catalog },
): Promise<{ ms: number; rows: number }> {
  const tables = [...synced.catalog.tables.values()]
    .filter((t) => t.columnByName.has('id') && fresh.catalog.tables.has(t.name))
    .map((t) => t.name);
  if (dialect === 'sqlite') {
    return copyAttached(fresh.locator, synced.locator, true, (db) =>
      tables.map((table) => {
        const cols = ['id', ...sharedColumns(synced.catalog, fresh.catalog, table)].map((c) => quote(fresh.catalog, table, c)).join(', ');
        // Ids the fresh instance has (its init rows): everything past them came from the sync.
        const start = db.prepare(`SELECT coalesce(max(id), 0) AS m FROM ${quote(fresh.catalog, table)}`).get() as { m: number };
        return {
          sql: `INSERT INTO main.${quote(fresh.catalog, table)} (${cols}) SELECT ${cols} FROM src.${quote(synced.catalog, table)} WHERE id > ?`,
          param: Number(start.m),
        };
      }),
    );
  }
  let copied = 0;
  const into = new pg.Client({ connectionString: fresh.locator });
  const from = new pg.Client({ connectionString: synced.locator });
  await into.connect();
  await from.connect();
  try {
    const start = new Map<string, number>();
    for (const t of tables) {
      const r = await into.query(`SELECT coalesce(max(id), 0) AS m FROM ${quote(fresh.catalog, t)}`);
      start.set(t, Number(r.rows[0].m));
    }
    const t0 = performance.now();
    await into.query('BEGIN');
    for (const table of tables) {
      const cols = ['id', ...sharedColumns(synced.catalog, fresh.catalog, table)].map((c) => quote(fresh.catalog, table, c)).join(', ');
      const data = await copyOut(from, `COPY (SELECT ${cols} FROM ${quote(synced.catalog, table)} WHERE id > ${start.get(table)!}) TO STDOUT`);
      if (data.length === 0) continue;
      copied += await copyIn(into, `COPY ${quote(fresh.catalog, table)} (${cols}) FROM STDIN`, data);
    }
    await into.query('COMMIT');
    return { ms: performance.now() - t0, rows: copied };
  } finally {
    await into.end();
    await from.end();
  }
}
