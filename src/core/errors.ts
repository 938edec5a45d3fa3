/**
 * Errors the engine raises for bad input. Every message says what is wrong and what to do;
 * `code` lets the CLI and the extension react without parsing text.
 */
export type LaminSyncErrorCode =
  | 'NOT_FOUND' // file, instance or object missing
  | 'NOT_LAMINDB' // a database without LaminDB's tables
  | 'CORRUPT' // not a database at all
  | 'CONNECTION' // cannot reach or authenticate to Postgres
  | 'INCOMPATIBLE' // target lacks a module, table or column, or migrations differ
  | 'CONFLICT' // the target changed under the sync (a row it points at was deleted meanwhile)
  | 'READ_ONLY' // a write attempted on a source
  | 'LOCKED' // another process holds the database's write lock (waited, then gave up)
  | 'DISK_FULL' // no space left for the database or its journal
  | 'PERMISSION' // the process may not open (read or write) the file or its folder; a Postgres role may not read or write a table
  | 'INTERRUPTED_WRITE' // a crashed writer left a hot journal: recover before reading
  | 'INVALID_DATA' // a source row breaks the schema (a foreign key pointing nowhere, a forbidden NULL)
  | 'IO' // the disk failed a read or write
  | 'TIMEOUT' // the server cancelled a statement (statement_timeout)
  | 'RESOURCES' // the server is out of memory or connections
  | 'CANCELLED'
  | 'UNSUPPORTED'
  | 'INVALID_ARGUMENT';

export class LaminSyncError extends Error {
  constructor(
    readonly code: LaminSyncErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LaminSyncError';
  }
}

export function isLaminSyncError(e: unknown): e is LaminSyncError {
  return e instanceof LaminSyncError;
}

/** A user's value quoted for a message: whole when short, else its start and its length. */
export function quoteValue(value: string, max = 80): string {
  if (value.length <= max) return `'${value}'`;
  return `'${value.slice(0, max)}…' (${value.length} characters)`;
}
