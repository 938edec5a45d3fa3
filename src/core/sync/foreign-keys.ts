import { CompiledQuery, type Kysely } from 'kysely';
import { LaminSyncError } from '../errors';
import type { TableInfo } from '../instance/catalog';
import type { Instance } from '../instance/types';
import { quoteIdentifier } from '../schema/column-types';

/**
 * Whether `id` is the table's rowid (its single `integer` primary key): then one INSERT's rows
 * get consecutive ids, and every row inserted after another has a larger id.
 */
export function idIsRowid(info: TableInfo): boolean {
  const id = info.columnByName.get('id');
  return id?.primaryKey === true && id.type === 'integer' && info.columns.filter((c) => c.primaryKey).length === 1;
}

/**
 * Whether a sync into `target` turns SQLite's row-by-row foreign-key checks off and checks the
 * inserted rows at once before the commit (InsertedRows): on SQLite, when every table of LaminDB's
 * modules has its rowid as id (then the written rows can be checked by id). Decided here only,
 * from the catalog, because `sync` takes the lock (and so decides) before it plans.
 */
export function checksForeignKeysAtOnce(target: Instance): boolean {
  if (target.dialect !== 'sqlite') return false;
  for (const [name, info] of target.catalog.tables) {
    if (name.startsWith('django_') || name.startsWith('sqlite_') || !info.columnByName.has('id')) continue;
    if (!idIsRowid(info)) return false;
  }
  return true;
}

/** A table is checked in one pass of `PRAGMA foreign_key_check` when the sync wrote at least this share of its ids. */
const WHOLE_TABLE_SHARE = 0.25;

/**
 * The rows a SQLite write inserted, per table, so that their foreign keys can be checked at once.
 *
 * SQLite checks foreign keys row by row as it inserts, opening each parent table for every row:
 * for a large sync that costs about as much as the inserts themselves. lamin-sync therefore writes
 * into SQLite with the connection's checks off, notes the ids it inserted, and before the commit
 * has SQLite check exactly those rows — `PRAGMA foreign_key_check` where the sync wrote much of a
 * table (one pass over it), else one query over the new ids — every foreign key of the table,
 * with SQLite's own rules. A row whose parent is missing (say another session deleted a mapped
 * label while the sync was planned) fails the sync and nothing is committed, as the row-by-row
 * checks would have. Rows that were in the target before are not checked.
 *
 * Only for tables whose `id` is the rowid (every LaminDB table): rows with an id at or past the
 * first one the sync inserted are then the sync's own, since no one else writes while the
 * transaction holds SQLite's write lock.
 */
export class InsertedRows {
  private tables = new Map<string, { first: number; last: number; count: number }>();

  /** Rows `first`…`last` (`count` of them) were inserted into `table`. */
  note(table: string, first: number, last: number, count: number): void {
    const t = this.tables.get(table);
    if (!t) this.tables.set(table, { first, last, count });
    else {
      t.first = Math.min(t.first, first);
      t.last = Math.max(t.last, last);
      t.count += count;
    }
  }

  /** Fails with a `CONFLICT` error, inside the transaction, when an inserted row points at a missing parent. */
  async check(db: Kysely<any>, target: Instance): Promise<void> {
    for (const [table, rows] of this.tables) {
      const info = target.catalog.tables.get(table);
      if (!info || info.foreignKeys.length === 0) continue;
      if (!idIsRowid(info)) throw new Error(`internal: ${table} has no rowid id; its inserts cannot be checked by id`);
      const wholeTable = rows.count >= rows.last * WHOLE_TABLE_SHARE;
      const c = (col: string) => `c.${quoteIdentifier(col)}`;
      const query = wholeTable
        ? CompiledQuery.raw(
            'SELECT "rowid" AS r, "parent" AS parent FROM pragma_foreign_key_check(?) WHERE "rowid" >= ? LIMIT 1',
            [table, rows.first],
          )
        : CompiledQuery.raw(
            `SELECT c."rowid" AS r FROM ${quoteIdentifier(table)} AS c WHERE c."rowid" >= ? AND (` +
              info.foreignKeys
                .map(
                  (fk) =>
                    `(${c(fk.column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${quoteIdentifier(fk.refTable)} AS p ` +
                    `WHERE p.${quoteIdentifier(fk.refColumn)} = ${c(fk.column)}))`,
                )
                .join(' OR ') +
              ') LIMIT 1',
            [rows.first],
          );
      const { rows: bad } = await db.executeQuery<{ r: unknown; parent?: unknown }>(query);
      if (bad.length > 0) {
        const parent = bad[0]!.parent ?? [...new Set(info.foreignKeys.map((fk) => fk.refTable))].join(' or ');
        throw missingParent(target, `a ${table} row of this sync points at a ${String(parent)} row that`);
      }
    }
  }
}

/**
 * The error for a written row whose parent the target lacks, as these checks and Postgres' report
 * it: `what` names the row and ends before "<target> does not hold".
 */
export function missingParent(target: Instance, what: string, cause?: unknown): LaminSyncError {
  return new LaminSyncError(
    'CONFLICT',
    `Nothing was written: ${what} ${target.identity.slug} does not hold ` +
      '(another session may have deleted it while the sync was planned). Sync again.',
    cause === undefined ? undefined : { cause },
  );
}
