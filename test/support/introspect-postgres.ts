// Raw introspection of a Postgres database (current schema) from pg_catalog: columns, constraints
// (NOT NULL constraints, which Postgres 18 also lists in pg_constraint, are left to the columns),
// indexes, functions and triggers.
import type pg from 'pg';

export interface PgColumnInfo {
  table: string;
  name: string;
  /** format_type(), e.g. `character varying(100)`, `timestamp with time zone` */
  type: string;
  notnull: boolean;
  default: string | null;
  /** '' | 'd' (BY DEFAULT) | 'a' (ALWAYS) */
  identity: string;
}
export interface PgConstraintInfo {
  table: string;
  name: string;
  /** p primary key, u unique, f foreign key, c check, x exclusion */
  type: string;
  def: string;
  columns: string[];
  refTable: string | null;
  refColumns: string[];
  deferrable: boolean;
  deferred: boolean;
}
export interface PgIndexInfo {
  table: string;
  name: string;
  unique: boolean;
  primary: boolean;
  /** backs a primary key / unique / exclusion constraint */
  constraint: boolean;
  def: string;
  predicate: string | null;
  /** column names; for an expression element pg_get_indexdef's text of it */
  columns: string[];
  /** whether each element is an expression */
  expressions: boolean[];
  /** non-default operator classes, null where the default one is used */
  opclasses: (string | null)[];
}
export interface PgFunctionInfo {
  name: string;
  def: string;
}
export interface PgTriggerInfo {
  table: string;
  name: string;
  function: string;
  def: string;
  comment: string | null;
}
export interface PgCatalog {
  tables: string[];
  columns: PgColumnInfo[];
  constraints: PgConstraintInfo[];
  indexes: PgIndexInfo[];
  functions: PgFunctionInfo[];
  triggers: PgTriggerInfo[];
}

export async function introspectPostgres(client: pg.Client): Promise<PgCatalog> {
  const tables = await client.query<{ name: string }>(`
    SELECT c.relname AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
    ORDER BY c.oid`);
  const columns = await client.query<PgColumnInfo>(`
    SELECT c.relname AS "table", a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
           a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS "default", a.attidentity::text AS identity
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum`);
  const constraints = await client.query<PgConstraintInfo>(`
    SELECT c.relname AS "table", con.conname AS name, con.contype::text AS type, pg_get_constraintdef(con.oid) AS def,
           ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.ord) AS columns,
           fc.relname AS "refTable",
           ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                 JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.ord) AS "refColumns",
           con.condeferrable AS deferrable, con.condeferred AS deferred
    FROM pg_constraint con
    JOIN pg_class c ON c.oid = con.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_class fc ON fc.oid = con.confrelid
    WHERE n.nspname = current_schema() AND con.contype <> 'n'
    ORDER BY c.relname, con.conname`);
  const indexes = await client.query<PgIndexInfo>(`
    SELECT t.relname AS "table", i.relname AS name, ix.indisunique AS unique, ix.indisprimary AS primary,
           EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = ix.indexrelid AND con.conrelid = ix.indrelid
                   AND con.contype IN ('p', 'u', 'x')) AS "constraint",
           pg_get_indexdef(ix.indexrelid) AS def, pg_get_expr(ix.indpred, ix.indrelid) AS predicate,
           ARRAY(SELECT COALESCE(a.attname::text, pg_get_indexdef(ix.indexrelid, k.ord::int, true)) FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(num, ord)
                 LEFT JOIN pg_attribute a ON a.attrelid = ix.indrelid AND a.attnum = k.num ORDER BY k.ord) AS columns,
           ARRAY(SELECT k.num = 0 FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(num, ord) ORDER BY k.ord) AS expressions,
           ARRAY(SELECT CASE WHEN oc.opcdefault THEN NULL ELSE oc.opcname::text END
                 FROM unnest(ix.indclass::oid[]) WITH ORDINALITY k(oid, ord)
                 JOIN pg_opclass oc ON oc.oid = k.oid ORDER BY k.ord) AS opclasses
    FROM pg_index ix
    JOIN pg_class i ON i.oid = ix.indexrelid
    JOIN pg_class t ON t.oid = ix.indrelid
    JOIN pg_namespace n ON n.oid = t.relnamespace
    WHERE n.nspname = current_schema()
    ORDER BY t.relname, i.relname`);
  const functions = await client.query<PgFunctionInfo>(`
    SELECT p.proname AS name, pg_get_functiondef(p.oid) AS def
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname = current_schema()
    ORDER BY p.proname`);
  const triggers = await client.query<PgTriggerInfo>(`
    SELECT c.relname AS "table", t.tgname AS name, p.proname AS function, pg_get_triggerdef(t.oid) AS def,
           obj_description(t.oid, 'pg_trigger') AS comment
    FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_proc p ON p.oid = t.tgfoid
    WHERE n.nspname = current_schema() AND NOT t.tgisinternal
    ORDER BY c.relname, t.tgname`);
  return {
    tables: tables.rows.map((row) => row.name),
    columns: columns.rows,
    constraints: constraints.rows,
    indexes: indexes.rows,
    functions: functions.rows,
    triggers: triggers.rows,
  };
}
