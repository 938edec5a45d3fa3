// Names Postgres chooses itself (src/backend/commands/indexcmds.c, makeObjectName): used to tell
// an inline `UNIQUE` column (named <table>_<column>_key) from a named unique constraint.
const NAMEDATALEN = 64;

/** makeObjectName(name1, name2, label): truncate the longer part until the name fits 63 bytes. */
export function postgresObjectName(name1: string, name2: string, label: string): string {
  let n1 = Buffer.byteLength(name1) ;
  let n2 = Buffer.byteLength(name2);
  const overhead = label.length + 2; // two underscores
  while (n1 + n2 + overhead >= NAMEDATALEN) {
    if (n1 > n2) n1--;
    else n2--;
  }
  const cut = (s: string, bytes: number) => Buffer.from(s).subarray(0, bytes).toString();
  return `${cut(name1, n1)}_${cut(name2, n2)}_${label}`;
}

export function postgresDefaultUniqueName(table: string, column: string): string {
  return postgresObjectName(table, column, 'key');
}
