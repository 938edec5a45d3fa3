import { redactLocation } from '../core/instance/redact';

/**
 * The id of a Postgres instance: `postgres:<user>@<host>:<port>/<database>` — shown in labels and
 * log lines and keying SecretStorage, so never with a password. (No vscode import: testable.)
 */
export function postgresId(url: string): string {
  try {
    const u = new URL(url);
    const db = decodeURIComponent(u.pathname.replace(/^\//, '')) || 'postgres';
    return `postgres:${decodeURIComponent(u.username) || 'postgres'}@${u.hostname}:${u.port || '5432'}/${db}`;
  } catch {
    // Unparseable: the id is shown (labels, log lines) and keys SecretStorage; never with a password.
    return `postgres:${redactLocation(url)}`;
  }
}
