import { LaminSyncError } from '../errors';
import { redactLocation } from './redact';

/** What the Postgres error translation knows besides the error: where, who, and what was running. */
export interface PostgresErrorContext {
  /** The instance's location, redacted (`redactLocation`). */
  location: string;
  /** The role the session runs as (`current_user`, else the URL's user); unknown: "the role". */
  role?: string;
  /** Whether the session is a read-only one (a source). */
  readOnly: boolean;
  /** The statement that failed, when known (`commit` tells a lost COMMIT). */
  statement?: string;
}

interface PgError {
  code?: string;
  message?: string;
  table?: string;
  detail?: string;
}

/** SQLSTATEs and socket codes after which the session is gone. */
const LOST = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004', 'ECONNRESET', 'EPIPE', '25P03', '25P04', '57P05']);

/** The server setting whose timeout ended a session (the target's transaction sits idle while the plan reads). */
const TIMEOUT_SETTING: Record<string, string> = {
  '25P03': 'idle_in_transaction_session_timeout',
  '25P04': 'transaction_timeout',
  '57P05': 'idle_session_timeout',
};

export function isConnectionLost(e: unknown): boolean {
  const err = e as PgError;
  return (
    (err?.code !== undefined && LOST.has(err.code)) ||
    /Connection terminated unexpectedly|connection error and is not queryable|Connection terminated|server closed the connection/i.test(err?.message ?? '')
  );
}

const isCommit = (statement: string | undefined) => /^\s*commit\b/i.test(statement ?? '');

function cause(e: unknown): string {
  return redactLocation((e as PgError)?.message ?? String(e)).replace(/\s+/g, ' ').trim();
}

/** The table a permission error names (`permission denied for table lamindb_run`), if any. */
function deniedObject(message: string): { kind: string; name: string } | null {
  const m = /permission denied for (table|relation|sequence|schema|database|function) "?([^"\s]+)"?/i.exec(message);
  return m ? { kind: m[1]!.toLowerCase() === 'relation' ? 'table' : m[1]!.toLowerCase(), name: m[2]! } : null;
}

/**
 * The one place a Postgres driver error becomes a LaminSyncError: what happened, where (the
 * redacted location), and what to do; the driver's error stays the cause. Returns null for an
 * error it does not know (integrity errors are the engine's to explain: it knows the rows).
 */
export function translatePostgresError(e: unknown, ctx: PostgresErrorContext): LaminSyncError | null {
  if (e instanceof LaminSyncError) return e;
  const err = (e ?? {}) as PgError;
  const code = err.code ?? '';
  const where = ctx.location;
  const role = ctx.role ?? 'the role';
  const why = cause(e);
  if (isConnectionLost(e)) {
    if (isCommit(ctx.statement)) {
      return new LaminSyncError(
        'CONNECTION',
        `The connection to ${where} was lost during COMMIT (${why}): the commit may or may not have completed; ` +
          'run the sync again — it maps what is there.',
        { cause: e },
      );
    }
    const setting = TIMEOUT_SETTING[code];
    return new LaminSyncError(
      'CONNECTION',
      `The connection to ${where} was lost (${why}) before anything was committed: nothing was written. ` +
        (setting
          ? `The server's ${setting} ended the session (the target's transaction waits while the plan reads the source): ` +
            `raise it or turn it off${ctx.role ? ` (ALTER ROLE ${ctx.role} SET ${setting} = 0)` : ''} and run the command again.`
          : 'Check that the server is up and run the command again.'),
      { cause: e },
    );
  }
  switch (code) {
    case '42501': {
      const denied = deniedObject(err.message ?? '');
      const object = denied ? `${denied.kind} ${denied.name}` : 'an object';
      const grant = ctx.readOnly
        ? `GRANT SELECT ON ${denied?.kind === 'table' ? denied.name : 'ALL TABLES IN SCHEMA public'} TO ${role}`
        : `GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO ${role}; GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${role}`;
      return new LaminSyncError(
        'PERMISSION',
        `${ctx.role ? `The role ${role}` : 'The role'} may not ${ctx.readOnly ? 'read' : 'write'} ${object} in ${where} (${why}); nothing was written. ` +
          `Grant it (${grant}) or connect as a role that may.`,
        { cause: e },
      );
    }
    case '25006':
      return new LaminSyncError(
        'READ_ONLY',
        `${where} only allows reading (${why}): nothing was written. Connect to a primary server or as a role that may write.`,
        { cause: e },
      );
    case '57014':
      if (!/statement timeout/i.test(err.message ?? '')) {
        return new LaminSyncError(
          'CANCELLED',
          `A statement on ${where} was cancelled by the server (${why}), by an administrator or another session: nothing was written. Run the command again.`,
          { cause: e },
        );
      }
      return new LaminSyncError(
        'TIMEOUT',
        `A statement on ${where} was cancelled (${why}): nothing was written. If the role ${role} has a statement_timeout ` +
          `(SHOW statement_timeout), raise it for this work (ALTER ROLE ${role} SET statement_timeout = 0, or options=-c statement_timeout=0 in the URL).`,
        { cause: e },
      );
    case '55P03':
    case '40P01':
    case '40001':
      return new LaminSyncError(
        'CONFLICT',
        `Another session on ${where} holds what this one needed (${why}): nothing was written. Run the command again.`,
        { cause: e },
      );
    case '53100':
      return new LaminSyncError(
        'DISK_FULL',
        `The Postgres server of ${where} is out of disk space (${why}): nothing was written. Free space on the server and run the command again.`,
        { cause: e },
      );
    case '53200':
    case '53300':
    case '53400':
      return new LaminSyncError(
        'RESOURCES',
        `The Postgres server of ${where} is out of resources (${why}): nothing was written. Try again later, or ask its administrator.`,
        { cause: e },
      );
    case '54000':
    case '54001':
    case '2201B':
    case '22001':
      return new LaminSyncError(
        'UNSUPPORTED',
        `${where} refused a value as too long or too complex (${why}): nothing was written. Use a shorter value.`,
        { cause: e },
      );
  }
  return null;
}

/** Why a connection attempt failed, as one actionable line. */
export function translatePostgresConnectError(e: unknown, ctx: PostgresErrorContext): LaminSyncError {
  if (e instanceof LaminSyncError) return e;
  const err = (e ?? {}) as PgError;
  const where = ctx.location;
  const why = cause(e);
  const user = ctx.role ?? 'postgres';
  if (/client password must be a string|password authentication failed.*no password|no password supplied/i.test(err.message ?? '')) {
    return new LaminSyncError(
      'CONNECTION',
      `The server asks for a password for user ${user} at ${where}: put it in the URL (${user}:PASSWORD@host), ` +
        'in PGPASSWORD, or in ~/.pgpass.',
      { cause: e },
    );
  }
  switch (err.code) {
    case '28P01':
    case '28000':
      return new LaminSyncError(
        'CONNECTION',
        `Postgres refused the credentials for ${where}: ${why}. Check the user name and password.`,
        { cause: e },
      );
    case '3D000':
      return new LaminSyncError('NOT_FOUND', `No such Postgres database at ${where}: ${why}.`, { cause: e });
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
      return new LaminSyncError(
        'CONNECTION',
        `Cannot reach Postgres at ${where} (${err.code}). Is the server running and the host and port right?`,
        { cause: e },
      );
  }
  if (/timeout expired|timeout exceeded when trying to connect|Connection terminated due to connection timeout/i.test(err.message ?? '')) {
    return new LaminSyncError(
      'CONNECTION',
      `Cannot reach Postgres at ${where}: no answer in time (${why}). Is the server running and the host and port right?`,
      { cause: e },
    );
  }
  return (
    translatePostgresError(e, ctx) ??
    new LaminSyncError('CONNECTION', `Cannot connect to Postgres at ${where}: ${why}`, { cause: e })
  );
}
