import * as vscode from 'vscode';

export const SECTION = 'laminSync';

/** One configured instance: a path (lamin.db or storage root), a postgresql:// URL without password, or an owner/name slug. */
export interface ConfiguredInstance {
  location: string;
  name?: string;
}

export type ConfigOrigin = 'user' | 'workspace';

function asInstances(value: unknown): ConfiguredInstance[] {
  if (!Array.isArray(value)) return [];
  const out: ConfiguredInstance[] = [];
  for (const v of value) {
    if (typeof v === 'string' && v.trim()) out.push({ location: v.trim() });
    else if (v && typeof v === 'object' && typeof (v as ConfiguredInstance).location === 'string') {
      const c = v as ConfiguredInstance;
      out.push({ location: c.location.trim(), ...(typeof c.name === 'string' && c.name ? { name: c.name } : {}) });
    }
  }
  return out;
}

/**
 * The configured instances with where each was defined. In an untrusted workspace the
 * workspace's instances are left out (Workspace Trust: `restrictedConfigurations`), so a cloned
 * repository cannot make the extension open databases.
 */
export function configuredInstances(): Array<ConfiguredInstance & { origin: ConfigOrigin }> {
  const inspected = vscode.workspace.getConfiguration(SECTION).inspect<unknown>('instances');
  const user = asInstances(inspected?.globalValue).map((c) => ({ ...c, origin: 'user' as const }));
  if (!vscode.workspace.isTrusted) return user;
  const ws = [...asInstances(inspected?.workspaceValue), ...asInstances(inspected?.workspaceFolderValue)].map((c) => ({
    ...c,
    origin: 'workspace' as const,
  }));
  return [...user, ...ws];
}

/**
 * Whether Workspace Trust may be keeping workspace instances closed (for a hint in the tree): a
 * folder is open and not trusted. How many it lists cannot be known: in Restricted Mode VS Code
 * does not read the workspace's values of restricted settings at all (seen in a real editor).
 */
export function workspaceInstancesRestricted(): boolean {
  return !vscode.workspace.isTrusted && (vscode.workspace.workspaceFolders?.length ?? 0) > 0;
}

export async function addUserInstance(entry: ConfiguredInstance): Promise<void> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const current = asInstances(config.inspect<unknown>('instances')?.globalValue);
  if (current.some((c) => c.location === entry.location)) return;
  await config.update('instances', [...current, entry], vscode.ConfigurationTarget.Global);
}

/** Removes a location from user and (when trusted) workspace settings; true if it was there. */
export async function removeConfiguredInstance(location: string): Promise<boolean> {
  const config = vscode.workspace.getConfiguration(SECTION);
  const inspected = config.inspect<unknown>('instances');
  let removed = false;
  const targets: Array<[unknown, vscode.ConfigurationTarget]> = [[inspected?.globalValue, vscode.ConfigurationTarget.Global]];
  if (vscode.workspace.isTrusted) targets.push([inspected?.workspaceValue, vscode.ConfigurationTarget.Workspace]);
  for (const [value, target] of targets) {
    const list = asInstances(value);
    const kept = list.filter((c) => c.location !== location);
    if (kept.length !== list.length) {
      await config.update('instances', kept, target);
      removed = true;
    }
  }
  return removed;
}

/** The default target as configured (a location or slug), or undefined. Workspace value only when trusted. */
export function configuredDefaultTarget(): string | undefined {
  const inspected = vscode.workspace.getConfiguration(SECTION).inspect<string>('defaultTarget');
  const ws = vscode.workspace.isTrusted ? (inspected?.workspaceFolderValue ?? inspected?.workspaceValue) : undefined;
  const value = ws ?? inspected?.globalValue;
  return value && value.trim() ? value.trim() : undefined;
}

export async function setDefaultTarget(location: string): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update('defaultTarget', location, vscode.ConfigurationTarget.Global);
}

export function pageSize(): number {
  const n = vscode.workspace.getConfiguration(SECTION).get<number>('pageSize', 50);
  return Math.max(1, Math.min(1000, Math.floor(Number.isFinite(n) ? n : 50)));
}

export function confirmBeforeSync(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>('confirmBeforeSync', false);
}

export function discoverLaminInstances(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>('discoverLaminInstances', true);
}

export function showEmptyRegistries(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>('showEmptyRegistries', false);
}
