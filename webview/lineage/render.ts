// Drawing with d3: nodes and edges of a layout, pan and zoom, focus, tooltips, SVG export.
import { curveBasis, line, select, zoom, zoomIdentity, zoomTransform, type Selection, type ZoomBehavior, type ZoomTransform } from 'd3';
import type { LineageNode } from '../../src/shared/protocol';
import { NODE_H, NODE_W, type Layout } from './layout';
import { exportCss } from './styles';

const SVG_NS = 'http://www.w3.org/2000/svg';

export interface RenderHandlers {
  activate(id: string): void; // click, Enter
  reveal(id: string): void; // double-click, Shift+Enter
  focus(id: string): void;
  zoomed(t: { k: number; x: number; y: number }): void;
}

/** Shortens at the end: `Transfer from laminlabs/lam…`. */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** A key keeps its end (what tells `…/dataset1.h5ad` from `…/dataset2.h5ad`), cut at a folder where it can. */
export function truncateKey(key: string, max: number): string {
  if (key.length <= max) return key;
  const tail = key.slice(key.length - (max - 1));
  const slash = tail.indexOf('/');
  return `…${slash >= 0 ? tail.slice(slash) : tail}`;
}

/** LaminDB writes code spans in descriptions (``Transfer from `owner/name` ``): shown as plain text. */
export function plainText(s: string): string {
  return s.replace(/`([^`]*)`/g, '$1').replace(/`/g, '');
}

/** A node's first line: a key by its end; a transfer by its origin; anything else cut at the end. */
export function nodeLabel(n: LineageNode, max = 28): string {
  if (n.key && n.label === n.key) return truncateKey(n.label, max);
  const label = plainText(n.label);
  const transfer = /^Transfer from (.+)$/.exec(label);
  if (transfer && label.length > max) return truncate(`from ${transfer[1]}`, max);
  return truncate(label, max);
}

export function tooltipRows(n: LineageNode): Array<[string, string]> {
  const label = plainText(n.label);
  const rows: Array<[string, string]> = [[n.kind === 'instance' ? 'instance' : n.kind, label]];
  rows.push(['uid', n.uid]);
  if (n.key && n.key !== n.label) rows.push(['key', n.key]);
  const description = n.description ? plainText(n.description) : null;
  if (description && description !== label) rows.push(['description', description]);
  if (n.createdAt) rows.push(['created_at', n.createdAt]);
  if (n.boundary) rows.push(['', 'click or Enter to load its neighbours']);
  return rows;
}

/** Fit never zooms out below this: 12 px labels stay ≥ 9 px; a larger graph is panned (wheel, drag). */
export const MIN_FIT_SCALE = 0.75;

export class Renderer {
  readonly svg: Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly viewport: Selection<SVGGElement, unknown, null, undefined>;
  private readonly edgeLayer: Selection<SVGGElement, unknown, null, undefined>;
  private readonly nodeLayer: Selection<SVGGElement, unknown, null, undefined>;
  private readonly zoomBehavior: ZoomBehavior<SVGSVGElement, unknown>;
  private layout: Layout | null = null;
  private rootId: string | null = null;
  readonly positions = new Map<string, { x: number; y: number }>();

  constructor(
    svgEl: SVGSVGElement,
    private readonly tooltip: HTMLElement,
    private readonly handlers: RenderHandlers,
  ) {
    this.svg = select(svgEl);
    const defs = this.svg.append('defs');
    defs
      .append('marker')
      .attr('id', 'ln-arrow')
      .attr('viewBox', '0 0 10 10')
      .attr('refX', 9)
      .attr('refY', 5)
      .attr('markerWidth', 7)
      .attr('markerHeight', 7)
      .attr('orient', 'auto-start-reverse')
      .append('path')
      .attr('class', 'arrowhead')
      .attr('d', 'M0,0L10,5L0,10z');
    this.viewport = this.svg.append('g').attr('class', 'viewport');
    this.edgeLayer = this.viewport.append('g').attr('class', 'edges');
    this.nodeLayer = this.viewport.append('g').attr('class', 'nodes');
    this.zoomBehavior = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.1, 3])
      // The wheel pans (a fitted large graph scrolls); Ctrl/⌘+wheel and pinch zoom.
      .filter((ev: Event) =>
        ev.type === 'dblclick' ? false : ev.type === 'wheel' ? (ev as WheelEvent).ctrlKey || (ev as WheelEvent).metaKey : !(ev as MouseEvent).button,
      )
      .on('zoom', (ev: { transform: ZoomTransform }) => {
        this.viewport.attr('transform', ev.transform.toString());
        this.hideTooltip();
      })
      .on('end', (ev: { transform: ZoomTransform }) => {
        this.handlers.zoomed({ k: ev.transform.k, x: ev.transform.x, y: ev.transform.y });
      });
    this.svg.call(this.zoomBehavior);
    svgEl.addEventListener(
      'wheel',
      (ev) => {
        if (ev.ctrlKey || ev.metaKey) return;
        ev.preventDefault();
        const k = zoomTransform(svgEl).k;
        this.svg.call(this.zoomBehavior.translateBy, -ev.deltaX / k, -ev.deltaY / k);
      },
      { passive: false },
    );
  }

  draw(layout: Layout, classes: { root: string; selected: string | null }): void {
    this.layout = layout;
    this.rootId = classes.root;
    this.positions.clear();
    for (const p of layout.nodes) this.positions.set(p.node.id, { x: p.x, y: p.y });
    this.svg.attr('data-node-count', layout.nodes.length).attr('data-edge-count', layout.links.length);

    const path = line<[number, number]>().curve(curveBasis);
    const half = NODE_W / 2;
    this.edgeLayer
      .selectAll<SVGPathElement, Layout['links'][number]>('path.edge')
      .data(layout.links, (d) => d.edge.id)
      .join('path')
      .attr('class', (d) => `edge kind-${d.edge.kind}`)
      .attr('data-id', (d) => d.edge.id)
      .attr('data-source', (d) => d.edge.source)
      .attr('data-target', (d) => d.edge.target)
      .attr('data-kind', (d) => d.edge.kind)
      .attr('marker-end', 'url(#ln-arrow)')
      .attr('d', (d) => {
        const pts = d.points.map((p) => [p[0], p[1]] as [number, number]);
        const s = this.positions.get(d.edge.source);
        const t = this.positions.get(d.edge.target);
        if (s && t && pts.length >= 2) {
          const dir = t.x >= s.x ? 1 : -1;
          pts[0] = [s.x + dir * half, s.y];
          pts[pts.length - 1] = [t.x - dir * half, t.y];
        }
        return path(pts);
      });

    const nodes = this.nodeLayer
      .selectAll<SVGGElement, Layout['nodes'][number]>('g.node')
      .data(layout.nodes, (d) => d.node.id)
      .join((enter) => {
        const g = enter.append('g').attr('tabindex', 0).attr('role', 'button');
        g.append('title');
        g.append('rect').attr('class', 'body').attr('width', NODE_W).attr('height', NODE_H).attr('rx', 4);
        g.append('rect').attr('class', 'stripe').attr('width', 5).attr('height', NODE_H).attr('rx', 2);
        g.append('text').attr('class', 'label').attr('x', 13).attr('y', 19);
        g.append('text').attr('class', 'detail').attr('x', 13).attr('y', 36);
        const more = g.append('g').attr('class', 'more').attr('transform', `translate(${NODE_W},${NODE_H / 2})`);
        more.append('circle').attr('r', 7);
        more.append('text').attr('text-anchor', 'middle').attr('dy', '0.35em').text('+');
        g.on('click', (ev: MouseEvent, d) => {
          ev.stopPropagation();
          this.handlers.activate(d.node.id);
        })
          .on('dblclick', (ev: MouseEvent, d) => {
            ev.stopPropagation();
            this.handlers.reveal(d.node.id);
          })
          .on('focus', (_ev: FocusEvent, d) => {
            this.handlers.focus(d.node.id);
            this.showTooltip(d.node);
          })
          .on('blur', () => this.hideTooltip())
          .on('mouseenter', (_ev: MouseEvent, d) => this.showTooltip(d.node))
          .on('mouseleave', () => this.hideTooltip());
        return g;
      });
    nodes
      .attr('class', (d) =>
        [
          'node',
          `kind-${d.node.kind}`,
          d.node.decoration ? 'decoration' : '',
          d.node.transfer ? 'transfer' : '',
          d.node.boundary ? 'boundary' : '',
          d.node.id === classes.root ? 'root' : '',
          d.node.id === classes.selected ? 'selected' : '',
        ]
          .filter(Boolean)
          .join(' '),
      )
      .attr('data-id', (d) => d.node.id)
      .attr('data-kind', (d) => d.node.kind)
      .attr('data-uid', (d) => d.node.uid)
      .attr('aria-label', (d) => `${d.node.kind} ${plainText(d.node.label)}, uid ${d.node.uid}`)
      .attr('transform', (d) => `translate(${d.x - NODE_W / 2},${d.y - NODE_H / 2})`);
    nodes.select('title').text((d) => tooltipRows(d.node).map(([k, v]) => (k ? `${k}: ${v}` : v)).join('\n'));
    nodes.select('text.label').text((d) => nodeLabel(d.node));
    nodes.select('text.detail').text((d) => truncate(plainText(d.node.detail), 38));
    nodes.select('g.more').attr('display', (d) => (d.node.boundary ? null : 'none'));
  }

  setSearch(ids: ReadonlySet<string> | null): void {
    this.svg.classed('searching', ids !== null);
    this.nodeLayer.selectAll<SVGGElement, Layout['nodes'][number]>('g.node').classed('match', (d) => ids?.has(d.node.id) ?? false);
  }

  nodeElement(id: string): SVGGElement | null {
    return this.nodeLayer.node()?.querySelector<SVGGElement>(`g.node[data-id="${CSS.escape(id)}"]`) ?? null;
  }

  focusNode(id: string): void {
    const el = this.nodeElement(id);
    if (!el) return;
    el.focus();
    this.ensureVisible(id);
  }

  /** Pans (not zooms) so the node is on screen. */
  ensureVisible(id: string): void {
    const p = this.positions.get(id);
    const el = this.svg.node();
    if (!p || !el) return;
    const t = this.currentTransform();
    const [sx, sy] = t.apply([p.x, p.y]);
    const { width, height } = el.getBoundingClientRect();
    const margin = 40;
    if (sx < margin || sy < margin || sx > width - margin || sy > height - margin) {
      this.svg.call(this.zoomBehavior.translateTo, p.x, p.y);
    }
  }

  currentTransform(): ZoomTransform {
    const el = this.svg.node();
    return el ? zoomTransform(el) : zoomIdentity;
  }

  setTransform(t: { k: number; x: number; y: number }): void {
    this.svg.call(this.zoomBehavior.transform, zoomIdentity.translate(t.x, t.y).scale(t.k));
  }

  fit(): void {
    const el = this.svg.node();
    if (!el || !this.layout || this.layout.nodes.length === 0) return;
    const { width, height } = el.getBoundingClientRect();
    if (width === 0 || height === 0) return;
    const b = this.bounds();
    const k = Math.min(1.25, (width - 40) / b.w, (height - 40) / b.h);
    if (k >= MIN_FIT_SCALE) {
      this.setTransform({ k, x: (width - b.w * k) / 2 - b.x * k, y: (height - b.h * k) / 2 - b.y * k });
      return;
    }
    // Too large to fit readably: readable scale, the root in the middle, the rest a pan away.
    const root = (this.rootId && this.positions.get(this.rootId)) || { x: b.x + b.w / 2, y: b.y + b.h / 2 };
    const m = MIN_FIT_SCALE;
    this.setTransform({ k: m, x: width / 2 - root.x * m, y: height / 2 - root.y * m });
  }

  private bounds(): { x: number; y: number; w: number; h: number } {
    const xs = this.layout!.nodes.map((n) => n.x);
    const ys = this.layout!.nodes.map((n) => n.y);
    const x0 = Math.min(...xs) - NODE_W / 2 - 10;
    const y0 = Math.min(...ys) - NODE_H / 2 - 10;
    const x1 = Math.max(...xs) + NODE_W / 2 + 10;
    const y1 = Math.max(...ys) + NODE_H / 2 + 10;
    return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
  }

  showTooltip(n: LineageNode): void {
    const p = this.positions.get(n.id);
    if (!p) return;
    const t = this.currentTransform();
    const [sx, sy] = t.apply([p.x - NODE_W / 2, p.y + NODE_H / 2]);
    this.tooltip.replaceChildren(
      ...tooltipRows(n).map(([k, v]) => {
        const row = document.createElement('div');
        if (k) {
          const ks = document.createElement('span');
          ks.className = 'k';
          ks.textContent = k;
          row.append(ks);
        }
        const vs = document.createElement('span');
        vs.className = k === 'uid' || k === 'key' || k === 'created_at' ? 'v' : '';
        vs.textContent = v;
        row.append(vs);
        return row;
      }),
    );
    // Below the node from its left edge; flipped left / above where it would leave the canvas.
    const [rx, ty] = t.apply([p.x + NODE_W / 2, p.y - NODE_H / 2]);
    const tip = this.tooltip;
    tip.style.left = '0px';
    tip.style.top = '0px';
    tip.hidden = false;
    const box = (tip.offsetParent as HTMLElement | null) ?? document.documentElement;
    const w = tip.offsetWidth;
    const h = tip.offsetHeight;
    const maxX = box.clientWidth - 4;
    const maxY = box.clientHeight - 4;
    let left = sx + w > maxX ? rx - w : sx;
    let top = sy + 6 + h > maxY ? ty - 6 - h : sy + 6;
    left = Math.max(4, Math.min(left, maxX - w));
    top = Math.max(4, Math.min(top, maxY - h));
    tip.style.left = `${left}px`;
    tip.style.top = `${top}px`;
  }

  hideTooltip(): void {
    this.tooltip.hidden = true;
  }

  /** A self-contained SVG of the whole graph, colours resolved from the current theme. */
  exportSvg(): string {
    const el = this.svg.node();
    if (!el || !this.layout) return '';
    const b = this.bounds();
    const clone = el.cloneNode(true) as SVGSVGElement;
    clone.setAttribute('xmlns', SVG_NS);
    clone.setAttribute('viewBox', `${b.x} ${b.y} ${b.w} ${b.h}`);
    clone.setAttribute('width', String(Math.ceil(b.w)));
    clone.setAttribute('height', String(Math.ceil(b.h)));
    clone.removeAttribute('style');
    clone.querySelector('g.viewport')?.removeAttribute('transform');
    for (const n of clone.querySelectorAll('.match, .selected')) n.classList.remove('match', 'selected');
    clone.classList.remove('searching');
    const computed = getComputedStyle(el);
    const style = document.createElementNS(SVG_NS, 'style');
    style.textContent = exportCss((name) => computed.getPropertyValue(name).trim() || 'currentColor');
    const bg = document.createElementNS(SVG_NS, 'rect');
    bg.setAttribute('x', String(b.x));
    bg.setAttribute('y', String(b.y));
    bg.setAttribute('width', String(b.w));
    bg.setAttribute('height', String(b.h));
    bg.setAttribute('fill', computed.getPropertyValue('--ln-bg').trim() || '#ffffff');
    clone.insertBefore(style, clone.firstChild);
    clone.insertBefore(bg, style.nextSibling);
    return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}`;
  }
}
