import * as vscode from 'vscode';
import { isLaminSyncError } from '../../core/errors';
import { currentInstanceSettings } from '../../core/instance/settings';
import type { Instance } from '../../core/instance/types';
import { lineageGraph } from '../../core/lineage';
import { lineageTitle } from '../../core/lineage/page';
import { DEFAULT_DOWNSTREAM, DEFAULT_UPSTREAM, type LineageRef } from '../../core/lineage/types';
import { isLineageViewState, LINEAGE_VIEW_TYPE } from '../../shared/protocol';
import { LineagePanel, targetFromState, webviewOptions } from './panel';

export const OPEN_LINEAGE_COMMAND = 'laminSync.openLineage';

/** What `laminSync.openLineage` takes (all optional: it asks for what is missing). */
export interface OpenLineageArgs {
  instanceId?: string;
  uid?: string;
  key?: string;
}

export interface LineageApi extends vscode.Disposable {
  /** Same as running the command. */
  open(args?: OpenLineageArgs): Promise<void>;
  /** Re-reads the graphs of the open panels of an instance (call after a sync wrote into it). */
  refresh(instanceId: string): Promise<void>;
  /** A `command:` URI that opens the panel (for a link in a sync result rendered as markdown). */
  commandUri(args: OpenLineageArgs): vscode.Uri;
}

export interface LineageOptions {
  /** The instance to use when the command gets none (e.g. the tree's selection). */
  defaultInstanceId?(): string | undefined;
  /** The tree's id of an instance typed in the palette (a slug, path or URL), so sync refreshes reach its panels. */
  resolveInstanceId?(input: string): string | undefined;
}

/** A palette entry: 16/20 base62 characters look like a uid; anything else is a key. */
export function refFromInput(text: string): LineageRef {
  const t = text.trim();
  return /^[0-9A-Za-z]{16}$|^[0-9A-Za-z]{20}$/.test(t) ? { uid: t } : { key: t };
}

/**
 * Registers the lineage panel: the hidden command `laminSync.openLineage` ({instanceId?, uid?,
 * key?}) and the serializer that restores panels after a window reload. Instances come from
 * `getInstance` and are never closed here (their owner closes them).
 */
export function registerLineage(
  context: vscode.ExtensionContext,
  getInstance: (instanceId: string) => Promise<Instance>,
  options: LineageOptions = {},
): LineageApi {
  const panels = new Set<LineagePanel>();
  const forget = (p: LineagePanel) => panels.delete(p);

  async function open(args: OpenLineageArgs = {}): Promise<void> {
    let instanceId = args.instanceId ?? options.defaultInstanceId?.();
    if (!instanceId) {
      const current = currentInstanceSettings();
      instanceId = await vscode.window.showInputBox({
        title: 'Lineage: instance',
        prompt: 'A LaminDB instance: owner/name, a lamin.db path, a storage root or a postgresql:// URL',
        value: current ? `${current.owner}/${current.name}` : '',
        ignoreFocusOut: true,
      });
      if (!instanceId) return;
    }
    instanceId = options.resolveInstanceId?.(instanceId) ?? instanceId;
    let ref: LineageRef;
    if (args.uid) ref = { uid: args.uid };
    else if (args.key) ref = { key: args.key };
    else {
      const typed = await vscode.window.showInputBox({
        title: 'Lineage: object',
        prompt: 'uid or key of an artifact, collection, run or transform',
        ignoreFocusOut: true,
      });
      if (!typed?.trim()) return;
      ref = refFromInput(typed);
    }
    try {
      // Read the graph first: a wrong uid is a message, not an empty panel.
      const graph = await lineageGraph(await getInstance(instanceId), ref, { upstream: DEFAULT_UPSTREAM, downstream: DEFAULT_DOWNSTREAM });
      const same = [...panels].find((p) => p.target.instanceId === instanceId && p.target.ref.nodeId === graph.root);
      if (same) {
        same.panel.reveal(undefined, false);
        return;
      }
      const title = lineageTitle(graph);
      const panel = vscode.window.createWebviewPanel(
        LINEAGE_VIEW_TYPE,
        title,
        // A tab of the active group (the whole editor area when nothing is split), not half of it beside.
        { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
        webviewOptions(context.extensionUri),
      );
      panels.add(new LineagePanel(panel, context.extensionUri, { instanceId, ref: { nodeId: graph.root }, title, graph }, getInstance, forget));
    } catch (e) {
      void vscode.window.showErrorMessage(isLaminSyncError(e) ? e.message : `Lineage failed: ${(e as Error).message}`);
    }
  }

  const disposables: vscode.Disposable[] = [
    vscode.commands.registerCommand(OPEN_LINEAGE_COMMAND, (args?: OpenLineageArgs) => open(args)),
    vscode.window.registerWebviewPanelSerializer(LINEAGE_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        const target = isLineageViewState(state) ? targetFromState(state) : null;
        if (!target) {
          panel.dispose();
          return;
        }
        panels.add(new LineagePanel(panel, context.extensionUri, target, getInstance, forget));
      },
    }),
  ];
  context.subscriptions.push(...disposables);

  return {
    open,
    async refresh(instanceId: string) {
      await Promise.all(
        [...panels]
          .filter((p) => (options.resolveInstanceId?.(p.target.instanceId) ?? p.target.instanceId) === instanceId)
          .map((p) =>
            p
              .refresh(getInstance, (i) =>
                lineageGraph(i, p.target.ref, { upstream: p.target.upstream ?? DEFAULT_UPSTREAM, downstream: p.target.downstream ?? DEFAULT_DOWNSTREAM }),
              )
              .catch(() => undefined),
          ),
      );
    },
    commandUri(args: OpenLineageArgs) {
      return vscode.Uri.parse(`command:${OPEN_LINEAGE_COMMAND}?${encodeURIComponent(JSON.stringify([args]))}`);
    },
    dispose() {
      for (const d of disposables) d.dispose();
      for (const p of panels) p.panel.dispose();
    },
  };
}
