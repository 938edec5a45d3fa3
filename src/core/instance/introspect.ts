import { sql, type Kysely } from 'kysely';
import { buildCatalog, type Catalog, type MigrationRow } from './catalog';
import type { Dialect } from './types';

/** Reads tables, columns, foreign keys and migration rows from the database at hand. */
export async function introspect(db: Kysely<any>, dialect: Dialect): Promise<Catalog> {
  return dialect === 'sqlite' ? introspectSqlite(db) : introspectPostgres(db);
}

async function readMigrations(db: Kysely<any>, hasTable: boolean): Promise<MigrationRow[]> {
  if (!hasTable) return [];
  const rows = await db.selectFrom('django_migrations').select(['app', 'name']).orderBy('id').execute();
  return rows.map((r) => ({ app: String(r.app), name: String(r.name) }));
}

async function introspectSqlite(db: Kysely<any>): Promise<Catalog> {
  const cols = await sql<{
    tbl: string;
    name: string;
    type: string;
    notnull: number;
    dflt_value: string | null;
    pk: number;
  }>`SELECT m.name AS tbl, p.name, p.type, p."notnull", p.dflt_value, p.pk
     FROM sqlite_master m JOIN pragma_table_info(m.name) p
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
     ORDER BY m.name, p.cid`.execute(db);
  const fks = await sql<{ tbl: string; from: string; table: string; to: string | null }>`
     SELECT m.name AS tbl, f."from", f."table", f."to"
     FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`.execute(db);
  const columns = cols.rows.map((c) => ({
    table: c.tbl,
    name: c.name,
    type: c.type.toLowerCase(),
    nullable: c.notnull === 0 && c.pk === 0,
    hasDefault: c.dflt_value !== null,
    primaryKey: c.pk > 0,
  }));
  const foreignKeys = fks.rows.map((f) => ({
    table: f.tbl,
    column: f.from,
    refTable: f.table,
    refColumn: f.to ?? 'id',
  }));
  const hasMigrations = columns.some((c) => c.table === 'django_migrations');
  return buildCatalog(columns, foreignKeys, await readMigrations(db, hasMigrations));
}

async function introspectPostgres(db: Kysely<any>): Promise<Catalog> {
  // pg_catalog, not information_schema: information_schema hides the tables the role may not
  // read, and a sync would then silently miss them. Each table says whether the role may SELECT it.
  const cols = await sql<{
    tbl: string;
    name: string;
    type: string;
    nullable: boolean;
    has_default: boolean;
    pk: boolean;
    readable: boolean;
    role: string;
  }>`SELECT t.relname AS tbl, a.attname AS name,
            pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
            NOT a.attnotnull AS nullable,
            (a.atthasdef OR a.attidentity <> '') AS has_default,
            EXISTS (SELECT 1 FROM pg_catalog.pg_index i
                    WHERE i.indrelid = a.attrelid AND i.indisprimary AND a.attnum = ANY(i.indkey)) AS pk,
            pg_catalog.has_table_privilege(t.oid, 'SELECT') AS readable, current_user AS role
     FROM pg_catalog.pg_class t
     JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
     JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
     WHERE n.nspname = current_schema() AND t.relkind = 'r'
     ORDER BY t.relname, a.attnum`.execute(db);
  const fks = await sql<{ tbl: string; col: string; ref_table: string; ref_col: string }>`
     SELECT cl.relname AS tbl, att.attname AS col, rcl.relname AS ref_table, ratt.attname AS ref_col
     FROM pg_catalog.pg_constraint con
     JOIN pg_catalog.pg_class cl ON cl.oid = con.conrelid
     JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace
     JOIN pg_catalog.pg_class rcl ON rcl.oid = con.confrelid
     JOIN pg_catalog.pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = con.conkey[1]
     JOIN pg_catalog.pg_attribute ratt ON ratt.attrelid = con.confrelid AND ratt.attnum = con.confkey[1]
     WHERE con.contype = 'f' AND n.nspname = current_schema()`.execute(db);
  const columns = cols.rows.map((c) => ({
    table: c.tbl,
    name: c.name,
    type: c.type.toLowerCase(),
    nullable: c.nullable,
    hasDefault: c.has_default,
    primaryKey: c.pk,
  }));
  const unreadable = [...new Set(cols.rows.filter((c) => !c.readable).map((c) => c.tbl))];
  const foreignKeys = fks.rows.map((f) => ({
    table: f.tbl,
    column: f.col,
    refTable: f.ref_table,
    refColumn: f.ref_col,
  }));
  const hasMigrations = columns.some((c) => c.table === 'django_migrations') && !unreadable.includes('django_migrations');
  const role = cols.rows[0]?.role;
  return {
    ...buildCatalog(columns, foreignKeys, await readMigrations(db, hasMigrations)),
    unreadable,
    ...(role ? { role } : {}),
  };
}
