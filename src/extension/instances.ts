import { resolve } from 'node:path';
import * as vscode from 'vscode';
import { isLaminSyncError, LaminSyncError } from '../core/errors';
import { isPostgresUrl, resolveLocator, settingsLocator, type Locator } from '../core/instance/locator';
import { openInstance } from '../core/instance/open';
import { splitPassword as splitLocationPassword } from '../core/instance/redact';
import { postgresId } from './instance-id';
import { currentInstanceSettings, listInstanceSettings } from '../core/instance/settings';
import type { Dialect, Instance } from '../core/instance/types';
import { configuredDefaultTarget, configuredInstances, discoverLaminInstances } from './config';

export type InstanceOrigin = 'user' | 'workspace' | 'lamin';

/** One instance the tree shows: from the settings, from LaminDB's `~/.lamin`, or both. */
export interface InstanceEntry {
  /** Stable id: `sqlite:<absolute lamin.db>` or `postgres:<user>@<host>:<port>/<database>`. */
  readonly id: string;
  /** What `openInstance` gets: a path, a postgresql:// URL without password, or an owner/name slug. */
  readonly location: string;
  readonly dialect: Dialect;
  /** The configured name or LaminDB's owner/name; replaced by the opened identity's slug. */
  label: string;
  readonly origins: Set<InstanceOrigin>;
  /** The location as written in settings (for Remove). */
  configLocation?: string;
}

function idOfLocator(locator: Locator): string {
  return locator.kind === 'sqlite' ? `sqlite:${resolve(locator.file)}` : postgresId(locator.url);
}

/**
 * A postgresql:// URL without its password (userinfo or `password=` parameter), to store in
 * settings, and the password it held, for SecretStorage (core's `splitPassword`).
 */
export function splitPassword(url: string): { url: string; password: string | undefined } {
  const split = splitLocationPassword(url);
  return { url: split.location, password: split.password };
}

/** The id an instance input resolves to, without opening it. */
export function instanceIdOf(location: string): string {
  if (isPostgresUrl(location)) return postgresId(location);
  try {
    return idOfLocator(resolveLocator(location));
  } catch {
    return `sqlite:${resolve(location)}`;
  }
}

/**
 * Knows the instances, opens them and keeps the read-only handles the tree browses with.
 * Passwords live in SecretStorage under the instance id, never in settings or logs.
 */
export class InstanceManager implements vscode.Disposable {
  private entries = new Map<string, InstanceEntry>();
  private readonlyHandles = new Map<string, Promise<Instance>>();
  private defaultId: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  /** Why discovery skipped something (remote SQLite in ~/.lamin, unreadable files). */
  readonly notes: string[] = [];

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** Ids removed from the view that LaminDB's settings still list (kept hidden across restarts). */
  private hiddenIds(): Set<string> {
    return new Set(this.state.get<string[]>('laminSync.hiddenInstances', []));
  }

  async setHidden(id: string, hidden: boolean): Promise<void> {
    const ids = this.hiddenIds();
    if (hidden) ids.add(id);
    else ids.delete(id);
    await this.state.update('laminSync.hiddenInstances', [...ids]);
  }

  /** Re-reads the settings and `~/.lamin`; closes handles of instances that went away. */
  discover(): void {
    const next = new Map<string, InstanceEntry>();
    this.notes.length = 0;
    const hidden = this.hiddenIds();
    const add = (id: string, location: string, dialect: Dialect, label: string, origin: InstanceOrigin, configLocation?: string): void => {
      if (hidden.has(id) && origin === 'lamin') return;
      const existing = next.get(id);
      if (existing) {
        existing.origins.add(origin);
        if (configLocation && !existing.configLocation) existing.configLocation = configLocation;
        return;
      }
      next.set(id, { id, location, dialect, label, origins: new Set([origin]), ...(configLocation ? { configLocation } : {}) });
    };
    for (const c of configuredInstances()) {
      const id = instanceIdOf(c.location);
      const dialect: Dialect = id.startsWith('postgres:') ? 'postgres' : 'sqlite';
      add(id, c.location, dialect, c.name ?? shortLabel(c.location), c.origin, c.location);
    }
    if (discoverLaminInstances()) {
      for (const s of listInstanceSettings()) {
        try {
          const locator = settingsLocator(s);
          add(idOfLocator(locator), `${s.owner}/${s.name}`, locator.kind, `${s.owner}/${s.name}`, 'lamin');
        } catch (e) {
          this.notes.push(`${s.owner}/${s.name}: ${(e as Error).message}`);
        }
      }
    }
    for (const [id, handle] of this.readonlyHandles) {
      if (!next.has(id)) {
        this.readonlyHandles.delete(id);
        void handle.then((i) => i.close()).catch(() => undefined);
      }
    }
    // Keep labels learnt from opened instances.
    for (const [id, e] of next) {
      const old = this.entries.get(id);
      if (old && old.label !== e.label && !configuredName(e)) e.label = old.label;
    }
    this.entries = next;
    this.defaultId = this.resolveDefault();
    this.changed.fire();
  }

  private resolveDefault(): string | undefined {
    const configured = configuredDefaultTarget();
    if (configured) {
      if (this.entries.has(configured)) return configured;
      const id = instanceIdOf(configured);
      if (this.entries.has(id)) return id;
      for (const e of this.entries.values()) if (e.label === configured) return e.id;
      return id;
    }
    const current = currentInstanceSettings();
    if (current) {
      try {
        return idOfLocator(settingsLocator(current));
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  list(): InstanceEntry[] {
    return [...this.entries.values()];
  }

  get(id: string): InstanceEntry | undefined {
    return this.entries.get(id);
  }

  require(id: string): InstanceEntry {
    const e = this.entries.get(id);
    if (!e) throw new LaminSyncError('NOT_FOUND', `The instance ${id} is no longer connected. Refresh the LaminDB view.`);
    return e;
  }

  get defaultTargetId(): string | undefined {
    return this.defaultId;
  }

  secretKey(id: string): string {
    return `laminSync.password:${id}`;
  }

  async storePassword(id: string, password: string): Promise<void> {
    await this.secrets.store(this.secretKey(id), password);
  }

  async deletePassword(id: string): Promise<void> {
    await this.secrets.delete(this.secretKey(id));
  }

  private async open(entry: InstanceEntry, readOnly: boolean): Promise<Instance> {
    const password = entry.dialect === 'postgres' ? await this.secrets.get(this.secretKey(entry.id)) : undefined;
    let instance: Instance;
    try {
      instance = await openInstance(entry.location, { readOnly, ...(password !== undefined ? { password } : {}) });
    } catch (e) {
      const aboutPassword = isLaminSyncError(e) && e.code === 'CONNECTION' && /password|credentials/i.test(e.message);
      if (entry.dialect !== 'postgres' || password !== undefined || !aboutPassword) throw e;
      // A lost password (new machine, cleared secret storage): say so and what to do here (the
      // CLI's advice — a password in the URL, PGPASSWORD — is not how the extension keeps it).
      const where = entry.id.slice('postgres:'.length);
      throw new LaminSyncError('CONNECTION', `Postgres at ${where} asks for a password. No password is stored for it in VS Code: use Set Postgres password….`, { cause: e });
    }
    this.failures.delete(entry.id);
    this.learnLabel(entry.id, instance);
    return instance;
  }

  /** Failures already told (instance id → message): each is notified and logged once until it changes. */
  private readonly failures = new Map<string, string>();

  /**
   * Tells that an instance cannot be opened: one notification (with Set Postgres password… for
   * Postgres) and one log line, without a stack trace; the same failure again is not repeated.
   */
  reportOpenFailure(entry: InstanceEntry, e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    if (this.failures.get(entry.id) === message) return;
    this.failures.set(entry.id, message);
    // The core's message names the location; the label only where it says something else.
    const where = message.includes(entry.label) || entry.id.endsWith(entry.label) ? '' : ` ${entry.label}`;
    const text = `Cannot open${where}: ${message}`;
    this.log.error(text);
    const actions = entry.dialect === 'postgres' ? ['Set Postgres password…', 'Show log'] : ['Show log'];
    void vscode.window.showErrorMessage(text, ...actions).then((c) => {
      if (c === 'Show log') this.log.show(true);
      if (c === 'Set Postgres password…') void vscode.commands.executeCommand('laminSync.setPassword', entry.id);
    });
  }

  /** Shows the instance's slug instead of its path once it has been opened. */
  private learnLabel(id: string, instance: Instance): void {
    const entry = this.entries.get(id);
    if (entry && !configuredName(entry)) entry.label = instance.identity.slug;
  }

  /** The shared read-only handle (sources, browsing, lineage). Opened on first use. */
  getReadOnly(id: string): Promise<Instance> {
    let handle = this.readonlyHandles.get(id);
    if (!handle) {
      const entry = this.require(id);
      handle = this.open(entry, true);
      this.readonlyHandles.set(id, handle);
      handle.catch(() => {
        if (this.readonlyHandles.get(id) === handle) this.readonlyHandles.delete(id);
      });
    }
    return handle;
  }

  /**
   * Opens every instance read-only in the background so the tree shows slugs, not paths; failures
   * are logged (the tree shows them when expanded).
   */
  async warmUp(): Promise<void> {
    const changed = await Promise.all(
      this.list().map((e) => {
        // Opening learns the label (`open`), maybe in an earlier call: compare with the label now.
        const before = e.label;
        return this.getReadOnly(e.id).then(
          () => this.entries.get(e.id)?.label !== before,
          (err: unknown) => {
            this.reportOpenFailure(e, err);
            return false;
          },
        );
      }),
    );
    // Redraw only when a label changed: a redraw while a context menu is open loses its target.
    if (changed.some(Boolean)) this.changed.fire();
  }

  /** A fresh writable handle for one sync; the caller closes it. */
  openWritable(id: string): Promise<Instance> {
    return this.open(this.require(id), false);
  }

  /** Closes the cached handle so the next use reopens it (after a new password, a failed open). */
  async forget(id: string): Promise<void> {
    this.failures.delete(id);
    const handle = this.readonlyHandles.get(id);
    this.readonlyHandles.delete(id);
    if (handle) await handle.then((i) => i.close()).catch(() => undefined);
  }

  async closeAll(): Promise<void> {
    const handles = [...this.readonlyHandles.values()];
    this.readonlyHandles.clear();
    await Promise.all(handles.map((h) => h.then((i) => i.close()).catch(() => undefined)));
  }

  dispose(): void {
    void this.closeAll();
    this.changed.dispose();
    this.log.trace('instances closed');
  }
}

function configuredName(entry: InstanceEntry): boolean {
  const c = configuredInstances().find((x) => x.location === entry.configLocation);
  return Boolean(c?.name);
}

function shortLabel(location: string): string {
  if (isPostgresUrl(location)) return postgresId(location).slice('postgres:'.length);
  return location;
}

let current: InstanceManager | undefined;

export function setInstanceManager(manager: InstanceManager | undefined): void {
  current = manager;
}

/** The extension's instance manager (after activation). */
export function instanceManager(): InstanceManager {
  if (!current) throw new LaminSyncError('NOT_FOUND', 'The LaminDB Sync extension is not active.');
  return current;
}

/**
 * For other parts of the extension (the lineage panel): the open, read-only `Instance` behind a
 * tree instance id (`InstanceNode.entry.id`, also passed as `instanceId` to `laminSync.openLineage`).
 * Shared and cached: do not close it.
 */
/**
 * The tree's id of an instance: an id, or what a user types (a path, a storage root, a URL, an
 * owner/name slug) when it names a connected instance.
 */
export function resolveInstanceId(input: string): string | undefined {
  const manager = instanceManager();
  if (manager.get(input)) return input;
  const byLocation = instanceIdOf(input);
  if (manager.get(byLocation)) return byLocation;
  return manager.list().find((e) => e.label === input || e.location === input)?.id;
}

export function getOpenInstance(instanceId: string): Promise<Instance> {
  const manager = instanceManager();
  const id = resolveInstanceId(instanceId);
  if (id) return manager.getReadOnly(id);
  return Promise.reject(
    new LaminSyncError('NOT_FOUND', `${instanceId} is not connected in the LaminDB view. Add it there first (LaminDB: Add SQLite instance… or Add Postgres instance…).`),
  );
}
