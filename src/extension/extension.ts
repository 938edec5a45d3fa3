import * as vscode from 'vscode';
import { registerCommands, showFilterState } from './commands';
import { ReadOnlyDocuments, SCHEME } from './documents';
import { getOpenInstance, InstanceManager, resolveInstanceId, setInstanceManager } from './instances';
import { registerLineage } from './lineage';
import type { LaminNode } from './nodes';
import { createLog } from './output';
import { SyncRunner } from './sync';
import { LaminTreeProvider } from './tree';

export const VIEW_ID = 'laminSync.instances';

export function activate(context: vscode.ExtensionContext): void {
  const log = createLog();
  context.subscriptions.push(log);
  const instances = new InstanceManager(context.secrets, context.globalState, log);
  context.subscriptions.push(instances, { dispose: () => setInstanceManager(undefined) });
  setInstanceManager(instances);
  instances.discover();
  for (const note of instances.notes) log.info(`skipped: ${note}`);
  void instances.warmUp();

  const tree = new LaminTreeProvider(instances, log);
  const view = vscode.window.createTreeView<LaminNode>(VIEW_ID, { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });
  context.subscriptions.push(view);

  const docs = new ReadOnlyDocuments();
  context.subscriptions.push(docs, vscode.workspace.registerTextDocumentContentProvider(SCHEME, docs));

  // The lineage panel (src/extension/lineage/): `laminSync.openLineage`, fed with the tree's open instances.
  const lineage = registerLineage(context, getOpenInstance, {
    defaultInstanceId: () => {
      const n = view.selection[0];
      if (!n) return undefined;
      return n.kind === 'instance' ? n.entry.id : 'instanceId' in n ? n.instanceId : undefined;
    },
    resolveInstanceId,
  });
  context.subscriptions.push(lineage);

  const runner = new SyncRunner(instances, log, tree, view, docs, (targetId) => lineage.refresh(targetId));
  registerCommands(context, { instances, tree, view, runner, docs, log });
  context.subscriptions.push(tree.onDidChangeFilters(() => showFilterState({ tree, view, instances })));
  context.subscriptions.push(
    vscode.commands.registerCommand('laminSync.showVersion', () => {
      const version = String(context.extension.packageJSON.version ?? '');
      void vscode.window.showInformationMessage(`LaminDB Sync ${version}`);
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('laminSync')) {
        instances.discover();
        tree.refresh();
        void instances.warmUp();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      instances.discover();
      tree.refresh();
    }),
  );
  // The default target in the status bar; click to switch.
  const status = vscode.window.createStatusBarItem('laminSync.defaultTarget', vscode.StatusBarAlignment.Left, 10);
  status.name = 'LaminDB default target';
  status.command = { command: 'laminSync.setDefault', title: 'Pick the default target', arguments: ['pick'] };
  const showDefault = (): void => {
    const id = instances.defaultTargetId;
    const entry = id ? instances.get(id) : undefined;
    status.text = `$(database) ${entry ? entry.label : 'no default target'}`;
    status.tooltip = entry
      ? `LaminDB: Sync to default writes into ${entry.label} (${entry.dialect}). Click to pick another instance.`
      : 'LaminDB: no default sync target. Click to pick one.';
    status.show();
  };
  showDefault();
  context.subscriptions.push(status, instances.onDidChange(showDefault));
  void vscode.commands.executeCommand('setContext', 'laminSync.filtered', false);
  log.info(`LaminDB Sync ${String(context.extension.packageJSON.version ?? '')} activated: ${instances.list().length} instance(s)`);
}

export function deactivate(): void {}
