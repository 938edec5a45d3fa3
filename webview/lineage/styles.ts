// The panel's stylesheet. Applied as a constructed stylesheet (document.adoptedStyleSheets), so
// the page's CSP needs no 'unsafe-inline'. Colours and fonts come from VS Code's theme variables;
// the standalone page (no VS Code around it) gets light/dark fallbacks.
export const PAGE_CSS = `
:root {
  --ln-bg: var(--vscode-editor-background, #ffffff);
  --ln-fg: var(--vscode-editor-foreground, #1f1f1f);
  --ln-muted: var(--vscode-descriptionForeground, #616161);
  --ln-node-bg: var(--vscode-editorWidget-background, #f3f3f3);
  --ln-node-border: var(--vscode-editorWidget-border, #c8c8c8);
  --ln-focus: var(--vscode-focusBorder, #0090f1);
  --ln-match: var(--vscode-editor-findMatchHighlightBackground, rgba(234, 92, 0, 0.33));
  --ln-match-border: var(--vscode-editorOverviewRuler-findMatchForeground, #d18616);
  --ln-selected: var(--vscode-list-activeSelectionBackground, #0060c0);
  --ln-selected-fg: var(--vscode-list-activeSelectionForeground, #ffffff);
  --ln-edge: var(--vscode-editorCodeLens-foreground, #919191);
  --ln-artifact: var(--vscode-charts-blue, #1a85ff);
  --ln-collection: var(--vscode-charts-purple, #b180d7);
  --ln-run: var(--vscode-charts-green, #388a34);
  --ln-transform: var(--vscode-charts-orange, #d18616);
  --ln-instance: var(--vscode-charts-yellow, #bf8803);
  --ln-error: var(--vscode-errorForeground, #e51400);
  --ln-contrast: var(--vscode-contrastBorder, transparent);
  --ln-tooltip-bg: var(--vscode-editorHoverWidget-background, #f3f3f3);
  --ln-tooltip-border: var(--vscode-editorHoverWidget-border, #c8c8c8);
  --ln-font: var(--vscode-font-family, system-ui, -apple-system, 'Segoe UI', sans-serif);
  --ln-mono: var(--vscode-editor-font-family, ui-monospace, 'SF Mono', Menlo, monospace);
  --ln-font-size: var(--vscode-font-size, 13px);
}
@media (prefers-color-scheme: dark) {
  html.standalone {
    --vscode-editor-background: #1e1e1e;
    --vscode-editor-foreground: #cccccc;
    --vscode-descriptionForeground: #9d9d9d;
    --vscode-editorWidget-background: #252526;
    --vscode-editorWidget-border: #454545;
    --vscode-editorHoverWidget-background: #252526;
    --vscode-editorHoverWidget-border: #454545;
    --vscode-focusBorder: #007fd4;
    --vscode-list-activeSelectionBackground: #04395e;
    --vscode-input-background: #3c3c3c;
    --vscode-input-foreground: #cccccc;
    --vscode-button-background: #0e639c;
    --vscode-button-foreground: #ffffff;
    --vscode-button-secondaryBackground: #3a3d41;
    --vscode-button-secondaryForeground: #cccccc;
    --vscode-charts-blue: #3794ff;
    --vscode-charts-green: #89d185;
    --vscode-charts-orange: #d18616;
    --vscode-charts-purple: #b180d7;
    --vscode-charts-yellow: #cca700;
  }
}
html, body { height: 100%; margin: 0; padding: 0; }
body {
  background: var(--ln-bg);
  color: var(--ln-fg);
  font-family: var(--ln-font);
  font-size: var(--ln-font-size);
  overflow: hidden;
}
#app { display: flex; flex-direction: column; height: 100vh; }
.toolbar {
  display: flex; flex-wrap: wrap; align-items: center; gap: 6px 14px;
  padding: 6px 10px; border-bottom: 1px solid var(--ln-node-border);
}
.toolbar .group { display: inline-flex; align-items: center; gap: 4px; }
.toolbar .group > .name { color: var(--ln-muted); }
.toolbar .value { min-width: 1.5em; text-align: center; font-variant-numeric: tabular-nums; }
.toolbar vscode-textfield { width: 220px; }
.toolbar .spacer { flex: 1; }
#status { color: var(--ln-muted); }
#status.error { color: var(--ln-error); }
.canvas { position: relative; flex: 1; min-height: 0; }
svg.graph { width: 100%; height: 100%; display: block; cursor: grab; outline: none; }
svg.graph:active { cursor: grabbing; }
.node { cursor: pointer; outline: none; }
.node .body { fill: var(--ln-node-bg); stroke: var(--ln-node-border); stroke-width: 1; }
.node .stripe { stroke: none; }
.node.kind-artifact .stripe { fill: var(--ln-artifact); }
.node.kind-collection .stripe { fill: var(--ln-collection); }
.node.kind-run .stripe { fill: var(--ln-run); }
.node.kind-transform .stripe { fill: var(--ln-transform); }
.node.kind-instance .stripe { fill: var(--ln-instance); }
.node.decoration .body { stroke-dasharray: 4 3; }
.node .label { fill: var(--ln-fg); font-size: 12px; font-weight: 600; }
.node .detail { fill: var(--ln-muted); font-size: 11px; }
.node.root .body { stroke: var(--ln-focus); stroke-width: 2.5; }
.node.selected .body { fill: var(--ln-selected); }
.node.selected .label, .node.selected .detail { fill: var(--ln-selected-fg); }
.node:focus-visible .body, .node.focused .body { stroke: var(--ln-focus); stroke-width: 2; }
.node.match .body { fill: var(--ln-match); stroke: var(--ln-match-border); stroke-width: 2; }
.searching .node:not(.match), .searching .edge { opacity: 0.35; }
.node .more circle { fill: var(--ln-bg); stroke: var(--ln-muted); }
.node .more text { fill: var(--ln-muted); font-size: 11px; font-weight: 700; }
.edge { fill: none; stroke: var(--ln-edge); stroke-width: 1.4; }
.edge.kind-transform, .edge.kind-origin { stroke-dasharray: 4 3; }
.edge.kind-initiated_by { stroke-dasharray: 1 3; stroke-linecap: round; stroke-width: 1.8; }
.arrowhead { fill: var(--ln-edge); }
body.vscode-high-contrast .node .body, body.vscode-high-contrast-light .node .body { stroke: var(--ln-contrast); stroke-width: 2; }
body.vscode-high-contrast .edge, body.vscode-high-contrast-light .edge { stroke: var(--ln-fg); }
.tooltip {
  position: absolute; pointer-events: none; z-index: 10; max-width: 420px;
  background: var(--ln-tooltip-bg); border: 1px solid var(--ln-tooltip-border);
  padding: 6px 8px; border-radius: 3px; box-shadow: 0 2px 8px rgba(0, 0, 0, 0.16);
  font-size: 12px; line-height: 1.5;
}
.tooltip[hidden] { display: none; }
.tooltip .k { color: var(--ln-muted); margin-right: 6px; }
.tooltip .v { font-family: var(--ln-mono); word-break: break-all; }
.details {
  display: flex; gap: 16px; flex-wrap: wrap; align-items: baseline;
  padding: 4px 10px; border-top: 1px solid var(--ln-node-border); min-height: 1.6em; color: var(--ln-muted);
}
.details .v { color: var(--ln-fg); font-family: var(--ln-mono); }
.legend { display: inline-flex; gap: 10px; color: var(--ln-muted); }
.legend .swatch { display: inline-block; width: 9px; height: 9px; border-radius: 2px; margin-right: 4px; }
.legend .kind-artifact { background: var(--ln-artifact); }
.legend .kind-collection { background: var(--ln-collection); }
.legend .kind-run { background: var(--ln-run); }
.legend .kind-transform { background: var(--ln-transform); }
.legend .kind-instance { background: var(--ln-instance); }
.empty[hidden] { display: none; }
.empty { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; color: var(--ln-muted); }
`;

/** Literal-colour rules for an exported SVG (no theme variables outside the panel). */
export function exportCss(v: (name: string) => string): string {
  return `
.node .body { fill: ${v('--ln-node-bg')}; stroke: ${v('--ln-node-border')}; stroke-width: 1; }
.node.kind-artifact .stripe { fill: ${v('--ln-artifact')}; }
.node.kind-collection .stripe { fill: ${v('--ln-collection')}; }
.node.kind-run .stripe { fill: ${v('--ln-run')}; }
.node.kind-transform .stripe { fill: ${v('--ln-transform')}; }
.node.kind-instance .stripe { fill: ${v('--ln-instance')}; }
.node.decoration .body { stroke-dasharray: 4 3; }
.node.root .body { stroke: ${v('--ln-focus')}; stroke-width: 2.5; }
.node .label { fill: ${v('--ln-fg')}; font: 600 12px sans-serif; }
.node .detail { fill: ${v('--ln-muted')}; font: 11px sans-serif; }
.node .more circle { fill: ${v('--ln-bg')}; stroke: ${v('--ln-muted')}; }
.node .more text { fill: ${v('--ln-muted')}; font: 700 11px sans-serif; }
.edge { fill: none; stroke: ${v('--ln-edge')}; stroke-width: 1.4; }
.edge.kind-transform, .edge.kind-origin { stroke-dasharray: 4 3; }
.edge.kind-initiated_by { stroke-dasharray: 1 3; stroke-linecap: round; stroke-width: 1.8; }
.arrowhead { fill: ${v('--ln-edge')}; }
`;
}
