import { LaminSyncError } from '../errors';
import { translatePostgresError } from './postgres-errors';
import { translateSqliteError } from './sqlite-errors';
import type { Dialect } from './types';

/** Where a driver error happened, for either dialect. */
export interface DriverErrorContext {
  /** The file, or the Postgres URL redacted (`redactLocation`). */
  location: string;
  readOnly: boolean;
  /** Postgres: the role of the session, when known. */
  role?: string;
  /** Postgres: the statement that failed, when known. */
  statement?: string;
}

/**
 * Driver error → LaminSyncError (what, where, what to do; the driver's error as the cause), by
 * dialect: postgres-errors.ts and sqlite-errors.ts. Null for an error neither knows (the caller
 * keeps it as it is). Each connection already passes its statements' errors through its own
 * translation; this is for the callers that hold an error without its connection.
 */
export function translateDriverError(dialect: Dialect, e: unknown, ctx: DriverErrorContext): LaminSyncError | null {
  if (dialect === 'postgres') return translatePostgresError(e, ctx);
  const t = translateSqliteError(e, { file: ctx.location, readOnly: ctx.readOnly });
  return t instanceof LaminSyncError && t !== e ? t : null;
}
