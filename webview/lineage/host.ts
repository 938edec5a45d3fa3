// The webview's side of the protocol: requests with ids, answered by the extension host (panel)
// or, in the CLI's standalone page, by the embedded graph itself.
import { mergeGraphs } from '../../src/core/lineage/merge';
import type {
  BootData,
  HostToWebview,
  LineageGraph,
  LineageViewState,
  RequestMessage,
  RequestMethod,
  RequestParams,
  RequestResult,
} from '../../src/shared/protocol';

export interface Host {
  readonly mode: BootData['mode'];
  request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>>;
  getState(): LineageViewState | undefined;
  setState(state: LineageViewState): void;
  /** Graphs the host pushes on its own (after a sync into the instance). */
  onGraph(listener: (graph: LineageGraph) => void): void;
}

export class HostError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** A panel in VS Code: messages to the extension host, state kept by VS Code. */
export class VsCodeHost implements Host {
  readonly mode = 'vscode' as const;
  private readonly api: VsCodeApi = acquireVsCodeApi();
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private readonly graphListeners: Array<(g: LineageGraph) => void> = [];

  constructor() {
    window.addEventListener('message', (ev: MessageEvent<HostToWebview>) => {
      const m = ev.data;
      if (!m || typeof m !== 'object') return;
      if (m.type === 'response') {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.result);
        else p.reject(new HostError(m.error.code, m.error.message));
      } else if (m.type === 'event' && m.event === 'graph') {
        for (const l of this.graphListeners) l(m.graph);
      }
    });
  }

  request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
    const id = this.nextId++;
    const message: RequestMessage<M> = { type: 'request', id, method, params };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.api.postMessage(message);
    });
  }

  getState(): LineageViewState | undefined {
    return (this.api.getState() as LineageViewState | undefined) ?? undefined;
  }

  setState(state: LineageViewState): void {
    this.api.setState(state);
  }

  onGraph(listener: (graph: LineageGraph) => void): void {
    this.graphListeners.push(listener);
  }
}

/**
 * The CLI's HTML file: no host. The embedded graph answers `load` and `expand` (within the depth
 * it was exported with); `exportSvg` downloads a file; `reveal` has no tree to reveal in.
 */
export class StandaloneHost implements Host {
  readonly mode = 'standalone' as const;
  private state: LineageViewState | undefined;

  constructor(private readonly graph: LineageGraph) {}

  async request<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
    const answer = (v: unknown) => v as RequestResult<M>;
    switch (method) {
      case 'load': {
        const p = params as RequestParams<'load'>;
        if (p.upstream > this.graph.upstream || p.downstream > this.graph.downstream) {
          throw new HostError(
            'UNSUPPORTED',
            `This page holds ${this.graph.upstream} hop(s) upstream and ${this.graph.downstream} downstream; ` +
              'run `lamin-sync lineage` again with a larger --depth for more.',
          );
        }
        return answer(this.graph);
      }
      case 'expand': {
        // Everything the page knows is already in the graph: expansion only reveals it.
        const p = params as RequestParams<'expand'>;
        const root = this.graph.nodes.find((n) => n.id === p.nodeId);
        if (!root) throw new HostError('NOT_FOUND', `No node ${p.nodeId} in this page.`);
        return answer(mergeGraphs(this.graph, { ...this.graph, root: p.nodeId }));
      }
      case 'reveal':
        return answer({ revealed: false, message: 'Reveal in the tree works in VS Code; this page stands alone.' });
      case 'exportSvg': {
        const p = params as RequestParams<'exportSvg'>;
        const url = URL.createObjectURL(new Blob([p.svg], { type: 'image/svg+xml' }));
        const a = document.createElement('a');
        a.href = url;
        a.download = p.fileName;
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 1000);
        return answer({ saved: p.fileName });
      }
      default:
        throw new HostError('INVALID_ARGUMENT', `Unknown request ${String(method)}.`);
    }
  }

  getState(): LineageViewState | undefined {
    return this.state;
  }

  setState(state: LineageViewState): void {
    this.state = state;
  }

  onGraph(): void {}
}
