import * as vscode from 'vscode';
import type { Instance } from '../../core/instance/types';
import { lineagePage, newNonce } from '../../core/lineage/page';
import type { LineageGraph, LineageRef } from '../../core/lineage/types';
import { DEFAULT_DOWNSTREAM, DEFAULT_UPSTREAM } from '../../core/lineage/types';
import { LINEAGE_VIEW_TYPE, type BootData, type GraphEvent, type LineageViewState } from '../../shared/protocol';
import { LineageController, type RevealTarget } from './controller';

/** The command the tree (owned by the sidebar) answers to reveal a record; optional. */
export const REVEAL_COMMAND = 'laminSync.revealInTree';

export interface PanelTarget {
  instanceId: string;
  ref: LineageRef;
  title: string;
  upstream?: number;
  downstream?: number;
  /** The graph already read when opening (embedded in the page; no first round trip). */
  graph?: LineageGraph;
}

function bundleRoot(extensionUri: vscode.Uri): vscode.Uri {
  return vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
}

/** Webview options: scripts on, and nothing readable but the bundle's folder. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, localResourceRoots: [bundleRoot(extensionUri)], enableFindWidget: false };
}

async function reveal(target: RevealTarget): Promise<{ revealed: boolean; message?: string }> {
  const commands = await vscode.commands.getCommands(true);
  if (commands.includes(REVEAL_COMMAND)) {
    await vscode.commands.executeCommand(REVEAL_COMMAND, target);
    return { revealed: true };
  }
  return { revealed: false, message: `${target.registry} ${target.uid}: the tree cannot reveal records yet.` };
}

async function saveSvg(svg: string, fileName: string): Promise<string | null> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({
    ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, fileName) } : {}),
    filters: { SVG: ['svg'] },
    saveLabel: 'Export SVG',
  });
  if (!uri) return null;
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(svg));
  return uri.fsPath;
}

/**
 * One lineage panel: sets the page (fresh nonce per load, CSP, bundle URI), answers the
 * webview's requests through a LineageController, and pushes a new graph on `refresh()`.
 */
export class LineagePanel {
  private readonly disposables: vscode.Disposable[] = [];
  /** A newer graph than the page shows arrived while hidden. */
  private stale = false;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    readonly target: PanelTarget,
    getInstance: (instanceId: string) => Promise<Instance>,
    onDispose: (p: LineagePanel) => void,
  ) {
    panel.webview.options = webviewOptions(extensionUri);
    panel.title = target.title;
    const controller = new LineageController({
      instanceId: target.instanceId,
      ref: target.ref,
      getInstance,
      reveal,
      saveSvg,
    });
    this.disposables.push(
      panel.webview.onDidReceiveMessage(async (message: unknown) => {
        const response = await controller.handle(message);
        if (response) await panel.webview.postMessage(response);
      }),
      // A graph pushed while the panel was hidden reaches a webview that is gone: reload it on show.
      panel.onDidChangeViewState(() => {
        if (panel.visible && this.stale) {
          this.stale = false;
          panel.webview.html = this.html();
        }
      }),
      panel.onDidDispose(() => {
        for (const d of this.disposables) d.dispose();
        onDispose(this);
      }),
    );
    panel.webview.html = this.html();
  }

  private html(): string {
    const webview = this.panel.webview;
    const boot: BootData = {
      mode: 'vscode',
      title: this.target.title,
      instanceId: this.target.instanceId,
      ref: this.target.ref,
      upstream: this.target.upstream ?? DEFAULT_UPSTREAM,
      downstream: this.target.downstream ?? DEFAULT_DOWNSTREAM,
      graph: this.target.graph ?? null,
    };
    return lineagePage({
      nonce: newNonce(),
      boot,
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(bundleRoot(this.extensionUri), 'lineage.js')).toString(),
    });
  }

  /** Pushes the current graph (e.g. after a sync wrote into the instance). */
  async refresh(getInstance: (instanceId: string) => Promise<Instance>, graphOf: (i: Instance) => Promise<GraphEvent['graph']>): Promise<void> {
    const graph = await graphOf(await getInstance(this.target.instanceId));
    // Also the page's boot graph: a hidden panel's webview is re-created from it when shown.
    this.target.graph = graph;
    const event: GraphEvent = { type: 'event', event: 'graph', graph };
    const delivered = this.panel.visible && (await this.panel.webview.postMessage(event));
    if (!delivered) this.stale = true;
  }
}

export function targetFromState(state: LineageViewState): PanelTarget | null {
  if (!state.instanceId) return null;
  return { instanceId: state.instanceId, ref: state.ref, title: state.title, upstream: state.upstream, downstream: state.downstream };
}

export { LINEAGE_VIEW_TYPE };
