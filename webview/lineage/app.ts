// The panel: state (kept with setState), controls (@vscode-elements), and what they do.
import { mergeGraphs } from '../../src/core/lineage/merge';
import type { BootData, LineageViewState } from '../../src/shared/protocol';
import { HostError, type Host } from './host';
import { layoutGraph } from './layout';
import { matches, nextInDirection, visibleGraph, type Direction } from './model';
import { plainText, Renderer } from './render';

const MAX_DEPTH = 12;

function el(tag: string, attrs: Record<string, string> = {}, text?: string): HTMLElement {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function button(id: string, label: string, aria: string, secondary = true): HTMLElement {
  const b = el('vscode-button', { id, 'aria-label': aria, title: aria }, label);
  if (secondary) b.setAttribute('secondary', '');
  return b;
}

export class LineageApp {
  private state: LineageViewState;
  private renderer!: Renderer;
  private status!: HTMLElement;
  private details!: HTMLElement;
  private search!: HTMLElement & { value: string };
  private empty!: HTMLElement;
  private focused: string | null = null;
  private matchCursor = -1;
  private inflight = new Set<string>();
  private restoredZoom = false;
  /** "N nodes · M edges": what the status says when no search or message is showing. */
  private graphStatus = '';

  constructor(
    private readonly root: HTMLElement,
    private readonly host: Host,
    boot: BootData,
  ) {
    const saved = host.getState();
    this.state = saved ?? {
      version: 1,
      title: boot.title,
      instanceId: boot.instanceId,
      ref: boot.ref,
      upstream: boot.upstream,
      downstream: boot.downstream,
      graph: boot.graph,
      expanded: [],
      selected: null,
      search: '',
      zoom: null,
    };
    // A panel re-created after it was hidden gets the host's latest graph (a sync may have added
    // to it meanwhile); what was expanded in the saved one is kept.
    if (saved && boot.graph) this.state.graph = saved.graph && saved.graph.root === boot.graph.root ? mergeGraphs(boot.graph, saved.graph) : boot.graph;
    this.restoredZoom = Boolean(saved?.zoom);
    host.onGraph((g) => {
      this.state.graph = this.state.graph && this.state.graph.root === g.root ? mergeGraphs(g, this.state.graph) : g;
      this.redraw();
    });
  }

  start(): void {
    document.title = this.state.title;
    this.build();
    if (this.state.graph) {
      this.redraw();
      if (this.state.zoom) this.renderer.setTransform(this.state.zoom);
      else this.renderer.fit();
    } else {
      void this.load(this.state.upstream, this.state.downstream);
    }
    this.root.removeAttribute('aria-busy');
  }

  private save(): void {
    this.host.setState(this.state);
  }

  private build(): void {
    const toolbar = el('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Lineage controls' });
    this.search = el('vscode-textfield', { id: 'search', placeholder: 'Search uid, key, transform…', 'aria-label': 'Search nodes' }) as HTMLElement & { value: string };
    this.search.value = this.state.search;
    this.search.addEventListener('input', () => {
      this.state.search = this.search.value;
      this.matchCursor = -1;
      this.applySearch();
      this.save();
    });
    this.search.addEventListener('keydown', (ev: KeyboardEvent) => {
      if (ev.key === 'Enter') {
        ev.preventDefault();
        this.nextMatch();
      } else if (ev.key === 'Escape') {
        this.search.value = '';
        this.state.search = '';
        this.applySearch();
        this.save();
      }
    });
    const depthGroup = (name: string, which: 'upstream' | 'downstream') => {
      const g = el('span', { class: 'group', role: 'group', 'aria-label': `${name} depth` });
      const value = el('span', { class: 'value', id: `${which}-value`, 'aria-live': 'polite' }, String(this.state[which]));
      const minus = button(`${which}-minus`, '−', `Fewer hops ${which}`);
      const plus = button(`${which}-plus`, '+', `More hops ${which}`);
      minus.addEventListener('click', () => this.setDepth(which, this.state[which] - 1));
      plus.addEventListener('click', () => this.setDepth(which, this.state[which] + 1));
      g.append(el('span', { class: 'name' }, name), minus, value, plus);
      return g;
    };
    const fit = button('fit', 'Fit', 'Fit the graph to the view');
    fit.addEventListener('click', () => this.renderer.fit());
    const exportButton = button('export-svg', 'Export SVG', 'Export the drawing as SVG');
    exportButton.addEventListener('click', () => void this.exportSvg());
    this.status = el('span', { id: 'status', role: 'status', 'aria-live': 'polite' });
    const legend = el('span', { class: 'legend', 'aria-hidden': 'true' });
    for (const k of ['artifact', 'collection', 'run', 'transform', 'instance']) {
      const item = el('span');
      item.append(el('span', { class: `swatch kind-${k}` }), document.createTextNode(k));
      legend.append(item);
    }
    toolbar.append(this.search, depthGroup('Upstream', 'upstream'), depthGroup('Downstream', 'downstream'), fit, exportButton, this.status, el('span', { class: 'spacer' }), legend);

    const canvas = el('div', { class: 'canvas' });
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('class', 'graph');
    svg.setAttribute('role', 'application');
    svg.setAttribute('aria-label', `${this.state.title}. Arrow keys move between nodes, Enter expands, Shift+Enter reveals in the tree.`);
    const tooltip = el('div', { class: 'tooltip', role: 'tooltip', id: 'tooltip' });
    tooltip.hidden = true;
    this.empty = el('div', { class: 'empty' }, 'Loading lineage…');
    canvas.append(svg, tooltip, this.empty);
    this.details = el('div', { class: 'details', id: 'details', 'aria-live': 'polite' });
    this.root.replaceChildren(toolbar, canvas, this.details);

    this.renderer = new Renderer(svg, tooltip, {
      activate: (id) => void this.activate(id),
      reveal: (id) => void this.reveal(id),
      focus: (id) => {
        this.focused = id;
      },
      zoomed: (t) => {
        this.state.zoom = t;
        this.save();
      },
    });
    svg.addEventListener('keydown', (ev) => this.onKey(ev));
    svg.addEventListener('click', () => this.select(null));
    window.addEventListener('resize', () => {
      if (!this.state.zoom) this.renderer.fit();
    });
    document.addEventListener('keydown', (ev) => {
      if ((ev.key === 'f' && (ev.ctrlKey || ev.metaKey)) || (ev.key === '/' && document.activeElement === document.body)) {
        ev.preventDefault();
        this.search.focus();
      }
    });
  }

  private setStatus(text: string, error = false): void {
    this.status.textContent = text;
    this.status.classList.toggle('error', error);
  }

  private async load(upstream: number, downstream: number): Promise<void> {
    this.setStatus('Loading…');
    try {
      const g = await this.host.request('load', { upstream, downstream });
      this.state.graph = this.state.graph && this.state.graph.root === g.root ? mergeGraphs(g, this.state.graph) : g;
      this.state.upstream = upstream;
      this.state.downstream = downstream;
      this.redraw();
      if (!this.restoredZoom) this.renderer.fit();
      this.restoredZoom = false;
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): void {
    const message = e instanceof HostError || e instanceof Error ? e.message : String(e);
    this.setStatus(message, true);
    if (!this.state.graph) this.empty.textContent = message;
  }

  private async setDepth(which: 'upstream' | 'downstream', value: number): Promise<void> {
    const v = Math.max(0, Math.min(MAX_DEPTH, value));
    if (v === this.state[which]) return;
    const loaded = this.state.graph ? this.state.graph[which] : 0;
    if (v > loaded) {
      const next = { upstream: this.state.upstream, downstream: this.state.downstream, [which]: v };
      await this.load(next.upstream, next.downstream);
      return;
    }
    this.state[which] = v;
    this.redraw();
  }

  private async activate(id: string): Promise<void> {
    this.select(id);
    const g = this.state.graph;
    if (!g || this.inflight.has(id)) return;
    const node = g.nodes.find((n) => n.id === id);
    if (!node || node.kind === 'instance') return;
    if (!this.state.expanded.includes(id)) this.state.expanded.push(id);
    if (this.host.mode === 'vscode' && (node.boundary || node.decoration || !this.isAtRoot(id))) {
      this.inflight.add(id);
      this.setStatus(`Expanding ${node.label}…`);
      try {
        const more = await this.host.request('expand', { nodeId: id });
        this.state.graph = mergeGraphs(this.state.graph!, more);
      } catch (e) {
        this.fail(e);
        return;
      } finally {
        this.inflight.delete(id);
      }
    } else if (this.state.graph) {
      const n = this.state.graph.nodes.find((x) => x.id === id);
      if (n) delete n.boundary;
    }
    this.redraw();
    this.renderer.focusNode(id);
  }

  private isAtRoot(id: string): boolean {
    return this.state.graph?.root === id;
  }

  private async reveal(id: string): Promise<void> {
    try {
      const r = await this.host.request('reveal', { nodeId: id });
      if (!r.revealed && r.message) this.setStatus(r.message);
    } catch (e) {
      this.fail(e);
    }
  }

  private select(id: string | null): void {
    this.state.selected = id;
    this.save();
    this.renderer.svg.selectAll<SVGGElement, unknown>('g.node').classed('selected', function () {
      return this.getAttribute('data-id') === id;
    });
    this.showDetails();
  }

  private showDetails(): void {
    const n = this.state.graph?.nodes.find((x) => x.id === this.state.selected);
    if (!n) {
      this.details.replaceChildren(document.createTextNode('Click a node to expand it; double-click reveals it in the tree. Scroll or drag to pan, Ctrl+scroll to zoom.'));
      return;
    }
    const parts: Array<[string, string | null]> = [
      [n.kind, plainText(n.label)],
      ['uid', n.uid],
      ['key', n.key],
      ['created_at', n.createdAt],
    ];
    this.details.replaceChildren(
      ...parts
        .filter(([, v]) => v)
        .map(([k, v]) => {
          const s = el('span', {}, `${k} `);
          s.append(el('span', { class: 'v' }, v!));
          return s;
        }),
    );
  }

  private redraw(): void {
    const g = this.state.graph;
    if (!g) return;
    const view = visibleGraph(g, { upstream: this.state.upstream, downstream: this.state.downstream, expanded: this.state.expanded });
    const layout = layoutGraph(view.nodes, view.edges);
    this.renderer.draw(layout, { root: g.root, selected: this.state.selected });
    this.empty.hidden = layout.nodes.length > 0;
    for (const which of ['upstream', 'downstream'] as const) {
      const v = document.getElementById(`${which}-value`);
      if (v) v.textContent = String(this.state[which]);
    }
    this.applySearch();
    this.showDetails();
    this.graphStatus = `${view.nodes.length} nodes · ${view.edges.length} edges${g.truncated ? ' · truncated (node limit)' : ''}`;
    this.setStatus(this.graphStatus);
    this.save();
  }

  private matchIds(): string[] {
    const g = this.state.graph;
    if (!g || !this.state.search.trim()) return [];
    return [...this.renderer.positions.keys()].filter((id) => {
      const n = g.nodes.find((x) => x.id === id);
      return n ? matches(n, this.state.search) : false;
    });
  }

  /** Highlights matches and counts them; an empty query shows the graph's status again. */
  private applySearch(): void {
    if (!this.state.search.trim()) {
      this.renderer.setSearch(null);
      if (/^\d+ match/.test(this.status.textContent ?? '')) this.setStatus(this.graphStatus);
      return;
    }
    const ids = this.matchIds();
    this.renderer.setSearch(new Set(ids));
    this.setStatus(`${ids.length} match${ids.length === 1 ? '' : 'es'}`);
  }

  private nextMatch(): void {
    const ids = this.matchIds();
    if (ids.length === 0) return;
    this.matchCursor = (this.matchCursor + 1) % ids.length;
    this.renderer.focusNode(ids[this.matchCursor]!);
  }

  private onKey(ev: KeyboardEvent): void {
    const dirs: Record<string, Direction> = { ArrowLeft: 'left', ArrowRight: 'right', ArrowUp: 'up', ArrowDown: 'down' };
    const dir = dirs[ev.key];
    const current = this.focused ?? this.state.selected ?? this.state.graph?.root ?? null;
    if (dir) {
      ev.preventDefault();
      const next = current && this.renderer.nodeElement(current) && document.activeElement === this.renderer.nodeElement(current)
        ? nextInDirection(this.renderer.positions, current, dir)
        : current;
      if (next) this.renderer.focusNode(next);
    } else if (ev.key === 'Enter' && current) {
      ev.preventDefault();
      if (ev.shiftKey) void this.reveal(current);
      else void this.activate(current);
    } else if (ev.key === 'Escape') {
      this.select(null);
    }
  }

  private async exportSvg(): Promise<void> {
    const svg = this.renderer.exportSvg();
    const root = this.state.graph?.nodes.find((n) => n.id === this.state.graph?.root);
    try {
      const r = await this.host.request('exportSvg', { svg, fileName: `lineage-${root?.uid ?? 'graph'}.svg` });
      if (r.saved) this.setStatus(`Saved ${r.saved}`);
    } catch (e) {
      this.fail(e);
    }
  }
}
