import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { LaminSyncError } from '../core/errors';
import { isPostgresUrl } from '../core/instance/locator';
import { openInstance } from '../core/instance/open';
import { findObject } from '../core/query/find';
import { pythonGet } from '../core/query/python';
import { currentInstanceSettings } from '../core/instance/settings';
import { findRegistry } from '../core/schema/registries';
import { getRecord } from '../core/query/records';
import { artifactStoragePath } from '../core/query/storage-path';
import { initInstance } from '../core/schema/init';
import type { Selection } from '../core/sync/types';
import { addUserInstance, removeConfiguredInstance, setDefaultTarget } from './config';
import { confirmBeforeSync } from './config';
import { renderDescription } from './describe';
import type { ReadOnlyDocuments } from './documents';
import { instanceIdOf, splitPassword, type InstanceEntry, type InstanceManager } from './instances';
import { InstanceNode, LoadMoreNode, RecordNode, RegistryNode, type LaminNode } from './nodes';
import { errorMessage, reportError } from './output';
import type { SyncRequest, SyncRunner } from './sync';
import type { LaminTreeProvider } from './tree';

export interface CommandContext {
  instances: InstanceManager;
  tree: LaminTreeProvider;
  view: vscode.TreeView<LaminNode>;
  runner: SyncRunner;
  docs: ReadOnlyDocuments;
  log: vscode.LogOutputChannel;
}

const UID_LIKE = /^[0-9A-Za-z]{12,20}$/;

function recordName(r: RecordNode): string {
  return r.summary.key ?? r.summary.name ?? r.uid;
}

/** The nodes a command acts on: the right-clicked ones (multi-select), else the view's selection. */
function targets(ctx: CommandContext, node: unknown, nodes: unknown): LaminNode[] {
  if (Array.isArray(nodes) && nodes.length > 0) return nodes as LaminNode[];
  if (node && typeof node === 'object' && 'kind' in node) return [node as LaminNode];
  return [...ctx.view.selection];
}

async function pickInstance(ctx: CommandContext, placeHolder: string, exclude?: string): Promise<InstanceEntry | undefined> {
  const items = ctx.instances
    .list()
    .filter((e) => e.id !== exclude)
    .map((e) => ({
      label: e.label,
      description: `${e.dialect}${ctx.instances.defaultTargetId === e.id ? ' · default target' : ''}`,
      detail: e.id.replace(/^(sqlite|postgres):/, ''),
      entry: e,
    }));
  if (items.length === 0) {
    void vscode.window.showWarningMessage('No other LaminDB instance is connected. Add one first (LaminDB: Add SQLite instance…).');
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { placeHolder, matchOnDetail: true }))?.entry;
}

/** What to sync, from the selected tree rows or by asking for a uid or key. */
async function syncSource(
  ctx: CommandContext,
  node: unknown,
  nodes: unknown,
): Promise<{ sourceId: string; selection: Selection; what: string; wide: boolean } | undefined> {
  const chosen = targets(ctx, node, nodes);
  const records = chosen.filter((n): n is RecordNode => n instanceof RecordNode);
  const registries = chosen.filter((n): n is RegistryNode => n instanceof RegistryNode);
  if (records.length > 0) {
    const sources = new Set(records.map((r) => r.instanceId));
    if (sources.size > 1) {
      throw new LaminSyncError('INVALID_ARGUMENT', 'The selected records come from several instances; select records of one instance per sync.');
    }
    const tables = new Set(records.map((r) => r.table));
    const uids = [...new Set(records.map((r) => r.uid))];
    return {
      sourceId: records[0]!.instanceId,
      selection: { ...(tables.size === 1 ? { registry: records[0]!.table } : {}), uids },
      // Named as the tree shows it: an artifact by its key, a label by its name, else the uid.
      what: records.length === 1 ? `${records[0]!.registry} ${recordName(records[0]!)}` : `${uids.length} records`,
      wide: false,
    };
  }
  if (registries.length === 1) {
    const r = registries[0]!;
    const filter = ctx.tree.filterOf(r);
    return {
      sourceId: r.instanceId,
      selection: { registry: r.table, all: true, ...(filter ? { filter } : {}) },
      what: filter ? `${r.name} records matching “${filter}”` : `all ${r.count} ${r.name} records`,
      wide: true,
    };
  }
  if (registries.length > 1) throw new LaminSyncError('INVALID_ARGUMENT', 'Sync one registry at a time.');
  // From the palette: ask.
  const source = await pickInstance(ctx, 'Sync from which instance?');
  if (!source) return undefined;
  const text = (
    await vscode.window.showInputBox({
      title: `Sync from ${source.label}`,
      prompt: 'A uid (any registry) or an artifact key',
      placeHolder: 'example_datasets/mini_immuno/dataset1.h5ad',
      ignoreFocusOut: true,
    })
  )?.trim();
  if (!text) return undefined;
  const byUid = UID_LIKE.test(text) && !text.includes('/');
  return {
    sourceId: source.id,
    selection: byUid ? { uids: [text] } : { keys: [text] },
    what: byUid ? text : `Artifact ${text}`,
    wide: false,
  };
}

async function defaultTarget(ctx: CommandContext, sourceId: string): Promise<InstanceEntry | undefined> {
  const id = ctx.instances.defaultTargetId;
  const entry = id ? ctx.instances.get(id) : undefined;
  if (entry) return entry;
  const choice = await vscode.window.showWarningMessage(
    id
      ? `The default target (${id.replace(/^(sqlite|postgres):/, '')}) is not connected.`
      : 'No default target is set. Pick the instance to sync into; it becomes the default.',
    'Pick target…',
  );
  if (choice !== 'Pick target…') return undefined;
  const picked = await pickInstance(ctx, 'Sync into which instance? (becomes the default target)', sourceId);
  if (picked) await setDefaultTarget(picked.configLocation ?? picked.location);
  return picked;
}

async function startSync(ctx: CommandContext, node: unknown, nodes: unknown, mode: 'default' | 'pick' | 'preview', annotations: boolean): Promise<void> {
  try {
    const src = await syncSource(ctx, node, nodes);
    if (!src) return;
    const target =
      mode === 'pick'
        ? await pickInstance(ctx, `Sync ${src.what}${annotations ? ' with annotations' : ''} into which instance?`, src.sourceId)
        : await defaultTarget(ctx, src.sourceId);
    if (!target) return;
    const req: SyncRequest = { sourceId: src.sourceId, targetId: target.id, selection: src.selection, annotations, what: src.what };
    if (mode === 'preview') return await ctx.runner.preview(req);
    if (src.wide || confirmBeforeSync()) {
      const choice = await vscode.window.showWarningMessage(
        `Sync ${src.what} from ${ctx.instances.require(src.sourceId).label} to ${target.label}${annotations ? ' with annotations' : ''}?`,
        { modal: true, detail: 'The target is written in one transaction; Cancel in the progress notification rolls it back.' },
        'Sync',
      );
      if (choice !== 'Sync') return;
    }
    await ctx.runner.run(req);
  } catch (e) {
    await reportError(ctx.log, 'Sync failed', e);
  }
}

function nodeInstance(ctx: CommandContext, node: unknown, nodes: unknown): InstanceEntry | undefined {
  const n = targets(ctx, node, nodes)[0];
  if (n instanceof InstanceNode) return ctx.instances.get(n.entry.id);
  if (n instanceof RegistryNode || n instanceof RecordNode || n instanceof LoadMoreNode) return ctx.instances.get(n.instanceId);
  return undefined;
}

async function recordOf(ctx: CommandContext, node: unknown, nodes: unknown): Promise<RecordNode | undefined> {
  const n = targets(ctx, node, nodes).find((x): x is RecordNode => x instanceof RecordNode);
  if (n) return n;
  void vscode.window.showInformationMessage('Select a record in the LaminDB view first.');
  return undefined;
}

export function registerCommands(context: vscode.ExtensionContext, ctx: CommandContext): void {
  const reg = (id: string, fn: (...args: any[]) => unknown): void => {
    context.subscriptions.push(
      vscode.commands.registerCommand(id, async (...args: any[]) => {
        try {
          return await fn(...args);
        } catch (e) {
          await reportError(ctx.log, 'LaminDB', e);
          return undefined;
        }
      }),
    );
  };
  const refreshAll = (): void => {
    ctx.instances.discover();
    ctx.tree.refresh();
    void ctx.instances.warmUp();
  };

  reg('laminSync.refresh', refreshAll);
  reg('laminSync.showLog', () => ctx.log.show(true));
  reg('laminSync.showReport', () => ctx.runner.showReport());

  reg('laminSync.addSqliteInstance', async (arg?: unknown) => {
    let path = typeof arg === 'string' ? arg : undefined;
    if (!path) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: true,
        canSelectFolders: true,
        canSelectMany: false,
        openLabel: 'Add instance',
        title: 'A lamin.db file or the storage root of a SQLite instance',
      });
      path = picked?.[0]?.fsPath;
    }
    if (!path) return;
    try {
      const instance = await openInstance(path, { readOnly: true });
      const slug = instance.identity.slug;
      await instance.close();
      const id = instanceIdOf(path);
      await ctx.instances.setHidden(id, false);
      await addUserInstance({ location: path });
      refreshAll();
      ctx.log.info(`Added ${slug} (sqlite): ${path}`);
      void vscode.window.showInformationMessage(`Added LaminDB instance ${slug}.`);
    } catch (e) {
      await reportError(ctx.log, `Cannot add ${path}`, e);
    }
  });

  reg('laminSync.addPostgresInstance', async (arg?: unknown) => {
    // What was typed survives a failed try: the boxes open again holding it, the error as their prompt.
    let typed = typeof arg === 'string' ? arg : '';
    let password: string | undefined;
    let problem: string | undefined;
    for (;;) {
      const input =
        typeof arg === 'string' && !problem
          ? arg
          : await vscode.window.showInputBox({
              title: 'Add Postgres instance',
              prompt: problem ?? 'Postgres URL of the instance database (the password is asked next and kept in VS Code\'s secret storage)',
              placeHolder: 'postgresql://user@host:5432/database',
              value: typed,
              ignoreFocusOut: true,
              validateInput: (v) => (isPostgresUrl(v.trim()) ? undefined : 'Starts with postgresql:// or postgres://'),
            });
      if (!input) return;
      typed = input.trim();
      const split = splitPassword(typed);
      const url = split.url;
      const id = instanceIdOf(url);
      const where = id.slice('postgres:'.length);
      password =
        split.password ??
        (await vscode.window.showInputBox({
          title: `Password for ${where}`,
          prompt: problem ?? 'Kept in VS Code\'s secret storage, never in settings or logs. Leave empty for none.',
          password: true,
          value: password ?? '',
          ignoreFocusOut: true,
        }));
      if (password === undefined) return;
      try {
        const instance = await openInstance(url, { readOnly: true, ...(password ? { password } : {}) });
        const slug = instance.identity.slug;
        await instance.close();
        if (password) await ctx.instances.storePassword(id, password);
        else await ctx.instances.deletePassword(id);
        await ctx.instances.forget(id);
        await ctx.instances.setHidden(id, false);
        await addUserInstance({ location: url });
        refreshAll();
        ctx.log.info(`Added ${slug} (postgres): ${where}`);
        void vscode.window.showInformationMessage(`Added LaminDB instance ${slug}.`);
        return;
      } catch (e) {
        // The core's message names the location already.
        void reportError(ctx.log, 'Cannot add the Postgres instance', e);
        problem = `${errorMessage(e)} — correct it and press Enter, or Escape to stop.`;
        typed = url;
      }
    }
  });

  reg('laminSync.setPassword', async (node?: unknown, nodes?: unknown) => {
    const entry =
      (typeof node === 'string' ? ctx.instances.get(node) : nodeInstance(ctx, node, nodes)) ??
      (await pickInstance(ctx, 'Set the password of which instance?'));
    if (!entry) return;
    if (entry.dialect !== 'postgres') return void vscode.window.showInformationMessage(`${entry.label} is a SQLite instance: it has no password.`);
    let problem: string | undefined;
    let password = '';
    for (;;) {
      const typed = await vscode.window.showInputBox({
        title: `Password for ${entry.label}`,
        ...(problem ? { prompt: problem } : {}),
        password: true,
        value: password,
        ignoreFocusOut: true,
      });
      if (typed === undefined) return;
      password = typed;
      // Tried before it is stored: a wrong password is not kept.
      try {
        const instance = await openInstance(entry.location, { readOnly: true, ...(password ? { password } : {}) });
        await instance.close();
      } catch (e) {
        void reportError(ctx.log, `The password for ${entry.label} was not stored`, e);
        problem = `${errorMessage(e)} — try again, or Escape to keep the stored one.`;
        continue;
      }
      if (password) await ctx.instances.storePassword(entry.id, password);
      else await ctx.instances.deletePassword(entry.id);
      await ctx.instances.forget(entry.id);
      ctx.tree.refresh(entry.id);
      ctx.log.info(`Stored the password for ${entry.label}`);
      return;
    }
  });

  reg('laminSync.createInstance', async () => {
    const kind = await vscode.window.showQuickPick(
      [
        { label: 'SQLite', description: 'a lamin.db in a local storage folder', dialect: 'sqlite' as const },
        { label: 'Postgres', description: 'an empty Postgres database; storage root given separately', dialect: 'postgres' as const },
      ],
      { title: 'Create LaminDB instance', placeHolder: 'Where do the instance\'s tables live?' },
    );
    if (!kind) return;
    let storage: string | undefined;
    let db: string | undefined;
    let password: string | undefined;
    if (kind.dialect === 'sqlite') {
      const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use as storage root', title: 'Storage root of the new instance' });
      storage = picked?.[0]?.fsPath;
    } else {
      const input = await vscode.window.showInputBox({ title: 'Create LaminDB instance', prompt: 'Postgres URL of an empty database', placeHolder: 'postgresql://user@host:5432/database', ignoreFocusOut: true, validateInput: (v) => (isPostgresUrl(v.trim()) ? undefined : 'Starts with postgresql://') });
      if (!input) return;
      const split = splitPassword(input.trim());
      db = split.url;
      password = split.password ?? (await vscode.window.showInputBox({ title: 'Password', password: true, ignoreFocusOut: true }));
      if (password === undefined) return;
      storage = await vscode.window.showInputBox({ title: 'Create LaminDB instance', prompt: 'Storage root (a local folder or s3://bucket/prefix)', ignoreFocusOut: true });
    }
    if (!storage) return;
    const name = await vscode.window.showInputBox({ title: 'Instance name', value: basename(storage).toLowerCase(), ignoreFocusOut: true });
    if (!name) return;
    const modules = await vscode.window.showQuickPick([{ label: 'bionty', picked: true }], { canPickMany: true, title: 'Modules besides lamindb' });
    if (!modules) return;
    try {
      const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Creating ${name}…` }, () =>
        initInstance({ storage: storage!, name, modules: modules.map((m) => m.label), ...(db ? { db, ...(password ? { password } : {}) } : {}) }),
      );
      const location = db ?? result.location;
      if (db && password) await ctx.instances.storePassword(instanceIdOf(db), password);
      await addUserInstance({ location });
      refreshAll();
      ctx.log.info(`→ initialized lamindb: ${result.slug} (${result.dialect}, instance uid ${result.instanceUid}) at ${result.location}`);
      void vscode.window.showInformationMessage(`Created LaminDB instance ${result.slug}.`);
    } catch (e) {
      await reportError(ctx.log, 'Cannot create the instance', e);
    }
  });

  reg('laminSync.removeInstance', async (node?: unknown, nodes?: unknown) => {
    const chosen = targets(ctx, node, nodes).filter((n): n is InstanceNode => n instanceof InstanceNode);
    const entries = chosen.length > 0 ? chosen.map((n) => n.entry) : [await pickInstance(ctx, 'Remove which instance from the view?')].filter((e): e is InstanceEntry => !!e);
    for (const entry of entries) {
      if (entry.configLocation) await removeConfiguredInstance(entry.configLocation);
      if (entry.origins.has('lamin')) await ctx.instances.setHidden(entry.id, true);
      await ctx.instances.deletePassword(entry.id);
      await ctx.instances.forget(entry.id);
      ctx.log.info(`Removed ${entry.label} from the view (its data is untouched)`);
    }
    refreshAll();
  });

  reg('laminSync.setDefault', async (node?: unknown, nodes?: unknown) => {
    // 'pick' (the status bar): always ask, whatever the tree's selection.
    const entry = (node === 'pick' ? undefined : nodeInstance(ctx, node, nodes)) ?? (await pickInstance(ctx, 'Which instance is the default sync target?'));
    if (!entry) return;
    await setDefaultTarget(entry.configLocation ?? entry.location);
    ctx.instances.discover();
    ctx.tree.refresh();
    ctx.log.info(`Default sync target: ${entry.label}`);
  });

  reg('laminSync.syncToDefault', (node?: unknown, nodes?: unknown) => startSync(ctx, node, nodes, 'default', false));
  reg('laminSync.syncToDefaultWithAnnotations', (node?: unknown, nodes?: unknown) => startSync(ctx, node, nodes, 'default', true));
  reg('laminSync.syncTo', (node?: unknown, nodes?: unknown) => startSync(ctx, node, nodes, 'pick', false));
  reg('laminSync.syncToWithAnnotations', (node?: unknown, nodes?: unknown) => startSync(ctx, node, nodes, 'pick', true));
  reg('laminSync.previewSync', (node?: unknown, nodes?: unknown) => startSync(ctx, node, nodes, 'preview', false));
  reg('laminSync.previewSyncWithAnnotations', (node?: unknown, nodes?: unknown) => startSync(ctx, node, nodes, 'preview', true));

  reg('laminSync.describe', async (node?: unknown, nodes?: unknown) => {
    const rec = await recordOf(ctx, node, nodes);
    if (!rec) return;
    const instance = await ctx.instances.getReadOnly(rec.instanceId);
    const found = await getRecord(instance, { registry: rec.table, uid: rec.uid });
    if (!found) throw new LaminSyncError('NOT_FOUND', `${rec.registry} ${rec.uid} is no longer in ${instance.identity.slug}. Refresh the view.`);
    const text = await renderDescription(instance, found.registry, found.record);
    await ctx.docs.show(`describe/${instance.identity.slug}/${rec.registry}-${rec.uid}.txt`, text);
  });

  reg('laminSync.showLineage', async (node?: unknown, nodes?: unknown) => {
    const rec = await recordOf(ctx, node, nodes);
    if (!rec) return;
    const available = (await vscode.commands.getCommands(true)).includes('laminSync.openLineage');
    if (!available) {
      void vscode.window.showInformationMessage('The lineage panel is not available yet in this version of LaminDB Sync.');
      return;
    }
    await vscode.commands.executeCommand('laminSync.openLineage', { instanceId: rec.instanceId, uid: rec.uid });
  });

  // Double-click in the lineage panel: the record in the tree.
  reg('laminSync.revealInTree', async (target?: { instanceId?: string; table?: string; uid?: string }) => {
    if (!target?.instanceId || !target.table || !target.uid) return;
    if (!(await ctx.runner.revealRecord(target.instanceId, target.table, target.uid, true))) {
      void vscode.window.showInformationMessage(`${target.uid} is not in the LaminDB view.`);
    }
  });

  reg('laminSync.copyUid', async (node?: unknown, nodes?: unknown) => {
    const chosen = targets(ctx, node, nodes);
    const uids = chosen.filter((n): n is RecordNode => n instanceof RecordNode).map((n) => n.uid);
    if (uids.length === 0) return void vscode.window.showInformationMessage('Select a record in the LaminDB view first.');
    await vscode.env.clipboard.writeText(uids.join('\n'));
    vscode.window.setStatusBarMessage(`Copied ${uids.length === 1 ? uids[0] : `${uids.length} uids`}`, 3000);
  });

  reg('laminSync.copyPython', async (node?: unknown, nodes?: unknown) => {
    const records = targets(ctx, node, nodes).filter((n): n is RecordNode => n instanceof RecordNode);
    if (records.length === 0) return void vscode.window.showInformationMessage('Select a record in the LaminDB view first.');
    const current = currentInstanceSettings();
    const lines: string[] = [];
    for (const r of records) {
      const instance = await ctx.instances.getReadOnly(r.instanceId);
      const slug = instance.identity.slug;
      const registry = findRegistry(instance.catalog, r.table);
      lines.push(
        pythonGet({
          app: registry?.app ?? 'lamindb',
          model: registry?.model ?? r.registry,
          uid: r.uid,
          slug,
          current: Boolean(current && `${current.owner}/${current.name}` === slug),
        }),
      );
    }
    await vscode.env.clipboard.writeText(lines.join('\n'));
    vscode.window.setStatusBarMessage(`Copied ${lines.length === 1 ? lines[0] : `${lines.length} lines of Python`}`, 3000);
  });

  reg('laminSync.revealStoragePath', async (node?: unknown, nodes?: unknown) => {
    const rec = await recordOf(ctx, node, nodes);
    if (!rec) return;
    const instance = await ctx.instances.getReadOnly(rec.instanceId);
    const found = await getRecord(instance, { registry: rec.table, uid: rec.uid });
    const path = found ? await artifactStoragePath(instance, found.record) : null;
    if (!path) return void vscode.window.showInformationMessage(`${rec.registry} ${rec.uid} has no storage path.`);
    ctx.log.info(`Storage path of ${rec.uid}: ${path.path}`);
    const exists = path.local && existsSync(path.path);
    const actions = exists ? ['Reveal in file manager', 'Copy path'] : ['Copy path'];
    const choice = await vscode.window.showInformationMessage(
      `${rec.uid}: ${path.path}${path.local && !exists ? ' (not on this machine)' : ''}`,
      ...actions,
    );
    if (choice === 'Copy path') await vscode.env.clipboard.writeText(path.path);
    if (choice === 'Reveal in file manager') await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(path.path));
  });

  reg('laminSync.findObject', async (arg?: unknown) => {
    const text = (
      typeof arg === 'string'
        ? arg
        : await vscode.window.showInputBox({
            title: 'Find object in every connected instance',
            prompt: 'A uid (any registry) or a key (artifact, transform, collection)',
            ignoreFocusOut: true,
          })
    )?.trim();
    if (!text) return;
    const found: Array<{ entry: InstanceEntry; node: RecordNode | undefined; label: string }> = [];
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Finding ${text}…` }, async () => {
      for (const entry of ctx.instances.list()) {
        try {
          const instance = await ctx.instances.getReadOnly(entry.id);
          const hit = await findObject(instance, text);
          if (!hit) continue;
          const label = `${hit.registry.model}(uid='${String(hit.record.uid)}')`;
          ctx.log.info(`Find ${text}: ${label} in ${instance.identity.slug} (${instance.location})`);
          found.push({ entry, node: await ctx.tree.revealable(entry.id, hit.registry.table, hit.record), label });
        } catch (e) {
          ctx.log.warn(`Find ${text}: cannot search ${entry.label}: ${errorMessage(e)}`);
        }
      }
    });
    if (found.length === 0) {
      ctx.log.info(`Find ${text}: in no connected instance`);
      void vscode.window.showInformationMessage(`No connected instance holds ${text}.`);
      return;
    }
    for (const f of [...found].reverse()) {
      if (f.node) await ctx.view.reveal(f.node, { select: f === found[0], focus: f === found[0], expand: true }).then(undefined, () => undefined);
    }
    void vscode.window.showInformationMessage(`${text} is in ${found.length} instance${found.length === 1 ? '' : 's'}: ${found.map((f) => f.entry.label).join(', ')}.`);
  });

  reg('laminSync.filterRecords', async (node?: unknown, nodes?: unknown) => {
    const registry = await registryOf(ctx, node, nodes);
    if (!registry) return;
    const value = await vscode.window.showInputBox({
      title: `Filter ${registry.name} of ${ctx.instances.get(registry.instanceId)?.label ?? registry.instanceId}`,
      prompt: 'Substring of uid, key, name or description (empty clears the filter)',
      value: ctx.tree.filterOf(registry),
    });
    if (value === undefined) return;
    await ctx.tree.setFilter(registry, value);
  });
  reg('laminSync.clearFilter', async (node?: unknown) => {
    if (node instanceof RegistryNode) await ctx.tree.setFilter(node, '');
    else ctx.tree.clearFilters();
  });
  reg('laminSync.loadMore', async (node?: unknown) => {
    if (!(node instanceof LoadMoreNode)) return;
    // The focus moves to the first new record (the Load more row it was on is gone).
    const first = await ctx.tree.loadMore(node);
    if (first) await ctx.view.reveal(first, { select: true, focus: true }).then(undefined, () => undefined);
  });
}

/** The registry a filter applies to: the row acted on, the selection's, else one picked from those listed. */
async function registryOf(ctx: CommandContext, node: unknown, nodes: unknown): Promise<RegistryNode | undefined> {
  const n = targets(ctx, node, nodes)[0];
  if (n instanceof RegistryNode) return n;
  if (n instanceof RecordNode || n instanceof LoadMoreNode) {
    const parent = ctx.tree.getParent(n);
    if (parent instanceof RegistryNode) return parent;
  }
  const loaded = ctx.tree.loadedRegistries();
  if (loaded.length === 0) {
    void vscode.window.showInformationMessage('Expand an instance in the LaminDB view, then filter one of its registries.');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    loaded.map((r) => ({ label: r.name, description: `${ctx.instances.get(r.instanceId)?.label ?? r.instanceId} · ${r.count}`, registry: r })),
    { placeHolder: 'Filter which registry?', matchOnDescription: true },
  );
  return picked?.registry;
}

/** The view's description and context key follow the filters. */
export function showFilterState(ctx: Pick<CommandContext, 'tree' | 'view' | 'instances'>): void {
  const filtered = ctx.tree.filtered();
  const one = ({ registry, filter }: (typeof filtered)[number]): string =>
    `${registry.name} of ${ctx.instances.get(registry.instanceId)?.label ?? registry.instanceId}: ` +
    `${ctx.tree.matchCount(registry) ?? '…'} of ${registry.count} match “${filter}”`;
  ctx.view.description = filtered.length === 0 ? undefined : `${filtered.length} filtered`;
  // Above the tree, where it cannot be missed.
  ctx.view.message = filtered.length === 0 ? undefined : `Filtered: ${filtered.map(one).join('; ')}`;
  void vscode.commands.executeCommand('setContext', 'laminSync.filtered', filtered.length > 0);
}
