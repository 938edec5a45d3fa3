import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { LaminSyncError } from '../errors';
import { findInstanceSettings, laminSettingsDir, type InstanceSettings } from './settings';

/** Where an instance lives, resolved from what the user typed. */
export type Locator =
  | { kind: 'sqlite'; file: string; storageRoot: string | null; settings: InstanceSettings | null }
  | { kind: 'postgres'; url: string; settings: InstanceSettings | null };

const SLUG = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

export function isPostgresUrl(s: string): boolean {
  return /^postgres(ql)?:\/\//i.test(s);
}

/** `<root>/.lamindb/lamin.db` → `<root>`; any other file → null. */
export function storageRootOfDbFile(file: string): string | null {
  const dir = dirname(resolve(file));
  return basename(dir) === '.lamindb' && basename(file) === 'lamin.db' ? dirname(dir) : null;
}

/**
 * Accepts a `lamin.db` path, a storage root holding `.lamindb/lamin.db`, a `postgresql://` URL,
 * or an `owner/name` slug from LaminDB's settings files.
 */
export function resolveLocator(input: string, settingsDir = laminSettingsDir()): Locator {
  const text = input.trim();
  if (!text) throw new LaminSyncError('INVALID_ARGUMENT', 'No instance given.');
  if (isPostgresUrl(text)) return { kind: 'postgres', url: text, settings: null };
  if (existsSync(text)) {
    const abs = resolve(text);
    if (statSync(abs).isDirectory()) {
      const file = join(abs, '.lamindb', 'lamin.db');
      if (!existsSync(file)) {
        throw new LaminSyncError(
          'NOT_FOUND',
          `${abs} holds no LaminDB instance: ${file} does not exist. ` +
            'Pass the storage root of a SQLite instance, its lamin.db file, or create one with `lamin-sync init --storage DIR`.',
        );
      }
      return { kind: 'sqlite', file, storageRoot: abs, settings: null };
    }
    return { kind: 'sqlite', file: abs, storageRoot: storageRootOfDbFile(abs), settings: null };
  }
  if (SLUG.test(text)) {
    const [owner, name] = text.split('/') as [string, string];
    const settings = findInstanceSettings(owner, name, settingsDir);
    if (!settings) {
      throw new LaminSyncError(
        'NOT_FOUND',
        `Unknown instance ${text}: no file instance--${owner}--${name}.env in ${settingsDir} ` +
          '(LaminDB writes it on `lamin init` or `lamin connect`). Pass a path or a postgresql:// URL instead.',
      );
    }
    return settingsLocator(settings);
  }
  throw new LaminSyncError(
    'NOT_FOUND',
    `No file, folder or instance named ${text}. Pass a lamin.db file, a storage root that holds ` +
      '.lamindb/lamin.db, a postgresql:// URL or an owner/name slug.',
  );
}

export function settingsLocator(settings: InstanceSettings): Locator {
  if (settings.db && isPostgresUrl(settings.db)) {
    return { kind: 'postgres', url: settings.db, settings };
  }
  if (!settings.storageRoot) {
    throw new LaminSyncError(
      'NOT_FOUND',
      `The settings of ${settings.owner}/${settings.name} (${settings.file}) name neither a database nor a storage root.`,
    );
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(settings.storageRoot)) {
    throw new LaminSyncError(
      'UNSUPPORTED',
      `${settings.owner}/${settings.name} is a SQLite instance on remote storage (${settings.storageRoot}); ` +
        'lamin-sync opens local SQLite files and Postgres databases. Download its lamin.db and pass the path.',
    );
  }
  const file = join(settings.storageRoot, '.lamindb', 'lamin.db');
  return { kind: 'sqlite', file, storageRoot: settings.storageRoot, settings };
}
