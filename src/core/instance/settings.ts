import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BASE62 } from '../sync/uid';

/**
 * LaminDB's own settings files (lamindb-setup): `~/.lamin/instance--<owner>--<name>.env`, or under
 * `$LAMIN_SETTINGS_DIR/.lamin` when that variable is set, as lamindb-setup does.
 */
export function laminSettingsDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.LAMIN_SETTINGS_DIR;
  return base ? join(base, '.lamin') : join(homedir(), '.lamin');
}

export interface InstanceSettings {
  owner: string;
  name: string;
  storageRoot: string | null;
  /** Postgres URL; null for SQLite instances (the file lives under the storage root). */
  db: string | null;
  /** Instance UUID as 32 hex digits. */
  id: string | null;
  modules: string[];
  /** The settings file this came from. */
  file: string;
}

/** Parses a dotenv file as lamindb-setup writes it (`key=value`, `null` for None). */
export function parseEnvFile(text: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    out[m[1]!] = value === '' || value === 'null' || value === 'None' ? null : value;
  }
  return out;
}

function fromEnv(values: Record<string, string | null>, file: string): InstanceSettings | null {
  const owner = values.lamindb_instance_owner;
  const name = values.lamindb_instance_name;
  if (!owner || !name) return null;
  return {
    owner,
    name,
    storageRoot: values.lamindb_instance_storage_root ?? null,
    db: values.lamindb_instance_db ?? null,
    id: values.lamindb_instance_id ?? null,
    modules: (values.lamindb_instance_schema_str ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    file,
  };
}

/** Every instance LaminDB knows on this machine, one per `instance--owner--name.env`. */
export function listInstanceSettings(dir = laminSettingsDir()): InstanceSettings[] {
  if (!existsSync(dir)) return [];
  const out: InstanceSettings[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!/^instance--.+--.+\.env$/.test(f)) continue;
    const file = join(dir, f);
    const s = fromEnv(parseEnvFile(readFileSync(file, 'utf8')), file);
    if (s) out.push(s);
  }
  return out;
}

export function findInstanceSettings(
  owner: string,
  name: string,
  dir = laminSettingsDir(),
): InstanceSettings | null {
  const file = join(dir, `instance--${owner}--${name}.env`);
  if (!existsSync(file)) return null;
  return fromEnv(parseEnvFile(readFileSync(file, 'utf8')), file);
}

/** The default instance (`current_instance.env`), like LaminDB's default database. */
export function currentInstanceSettings(dir = laminSettingsDir()): InstanceSettings | null {
  const file = join(dir, 'current_instance.env');
  if (!existsSync(file)) return null;
  return fromEnv(parseEnvFile(readFileSync(file, 'utf8')), file);
}

/** The uid of LaminDB's current user (`current_user.env`), if LaminDB has one on this machine. */
export function currentUserUid(dir = laminSettingsDir()): string | null {
  const file = join(dir, 'current_user.env');
  if (!existsSync(file)) return null;
  return parseEnvFile(readFileSync(file, 'utf8')).lamin_user_uid ?? null;
}


/** Base62 of bytes, with lamin-utils' marker for leading zero bytes. */
function encodeBytesBase62(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let digits = '';
  while (n > 0n) {
    digits = BASE62[Number(n % 62n)]! + digits;
    n /= 62n;
  }
  return (zeros > 0 ? '0' + BASE62[zeros]! : '') + digits;
}

/** LaminDB's 12-character instance uid from the instance UUID (hex, with or without dashes). */
export function instanceUidFromUuid(uuid: string): string {
  const hex = uuid.replace(/-/g, '').toLowerCase();
  return encodeBytesBase62(createHash('md5').update(hex).digest()).slice(0, 12);
}

/** The UUID lamindb-setup gives a local instance: uuid5(NAMESPACE_URL, "owner/name"), as hex. */
export function localInstanceUuid(owner: string, name: string): string {
  const ns = Buffer.from('6ba7b8119dad11d180b400c04fd430c8', 'hex'); // uuid.NAMESPACE_URL
  const h = createHash('sha1').update(ns).update(`${owner}/${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  return h.subarray(0, 16).toString('hex');
}

export interface InstanceRegistration {
  owner: string;
  name: string;
  storageRoot: string;
  /** The Postgres URL (as lamindb keeps it, password included); null for SQLite. */
  db: string | null;
  /** Modules besides lamindb. */
  modules: string[];
  /** Instance UUID, 32 hex digits. */
  id: string;
}

function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  // Owner-only: lamindb_instance_db may hold the Postgres URL with its password.
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

/**
 * Registers an instance as `lamin init` does: `instance--<owner>--<name>.env` in lamindb-setup's
 * format (every key of its InstanceSettingsStore, in its order, None as `null`), and the same text
 * as `current_instance.env`: the new instance becomes LaminDB's current one. Returns the file.
 */
export function registerInstance(r: InstanceRegistration, dir = laminSettingsDir()): string {
  const values: [string, string | null][] = [
    ['owner', r.owner],
    ['name', r.name],
    ['storage_root', r.storageRoot],
    ['storage_region', null],
    ['db', r.db],
    ['schema_str', r.modules.length > 0 ? r.modules.join(',') : null],
    ['id', r.id.replace(/-/g, '').toLowerCase()],
    ['git_repo', null],
    ['keep_artifacts_local', 'False'],
    ['api_url', null],
    ['schema_id', null],
    ['fine_grained_access', 'False'],
    ['db_permissions', null],
    ['is_clone', 'False'],
  ];
  const text = values.map(([k, v]) => `lamindb_instance_${k}=${v ?? 'null'}\n`).join('');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `instance--${r.owner}--${r.name}.env`);
  writeAtomically(file, text);
  writeAtomically(join(dir, 'current_instance.env'), text);
  return file;
}
