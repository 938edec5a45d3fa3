/** What a database holds, as read from the database itself (never assumed). */
export interface ColumnInfo {
  name: string;
  /** Declared type as the database reports it, lower case (`varchar(20)`, `bigint`, `timestamp with time zone`). */
  type: string;
  nullable: boolean;
  hasDefault: boolean;
  primaryKey: boolean;
}

export interface ForeignKeyInfo {
  column: string;
  refTable: string;
  refColumn: string;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  columnByName: Map<string, ColumnInfo>;
  foreignKeys: ForeignKeyInfo[];
}

export interface MigrationRow {
  app: string;
  name: string;
}

export interface Catalog {
  tables: Map<string, TableInfo>;
  /** Rows of `django_migrations`. */
  migrations: MigrationRow[];
  /** Django apps present as table prefixes and in `django_migrations` (lamindb, bionty, …). */
  apps: Set<string>;
  /** Postgres: tables the session's role may not SELECT (in `tables` all the same). */
  unreadable?: string[];
  /** Postgres: the role the session runs as. */
  role?: string;
}

export function buildCatalog(
  columns: Array<{ table: string } & ColumnInfo>,
  foreignKeys: Array<{ table: string } & ForeignKeyInfo>,
  migrations: MigrationRow[],
): Catalog {
  const tables = new Map<string, TableInfo>();
  for (const c of columns) {
    let t = tables.get(c.table);
    if (!t) {
      t = { name: c.table, columns: [], columnByName: new Map(), foreignKeys: [] };
      tables.set(c.table, t);
    }
    const col: ColumnInfo = {
      name: c.name,
      type: c.type,
      nullable: c.nullable,
      hasDefault: c.hasDefault,
      primaryKey: c.primaryKey,
    };
    t.columns.push(col);
    t.columnByName.set(col.name, col);
  }
  for (const fk of foreignKeys) {
    tables.get(fk.table)?.foreignKeys.push({
      column: fk.column,
      refTable: fk.refTable,
      refColumn: fk.refColumn,
    });
  }
  const apps = new Set<string>();
  for (const m of migrations) apps.add(m.app);
  return { tables, migrations, apps };
}

export function hasColumn(catalog: Catalog, table: string, column: string): boolean {
  return catalog.tables.get(table)?.columnByName.has(column) ?? false;
}
