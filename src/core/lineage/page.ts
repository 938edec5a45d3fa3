import { randomBytes } from 'node:crypto';
import { BOOT_ELEMENT_ID, type BootData } from '../../shared/protocol';
import type { LineageGraph } from './types';

/** A fresh nonce for each page load: the only scripts and styles the page's CSP lets run. */
export function newNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, (c) => ({ '+': '-', '/': '_', '=': '' })[c]!);
}

/** JSON that is safe inside a `<script type="application/json">` element. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A script's text made safe to inline in HTML (esbuild already escapes `</script` in strings). */
export function scriptForInline(js: string): string {
  return js.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n').replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface PageOptions {
  nonce: string;
  boot: BootData;
  /** The panel's script URI (`webview.asWebviewUri`), or… */
  scriptUri?: string;
  /** …the bundle's text, inlined (standalone pages). */
  inlineScript?: string;
  /** `webview.cspSource` in a panel; absent in standalone pages. */
  cspSource?: string;
}

/**
 * The page the lineage bundle runs in. Strict CSP: nothing but the nonce'd script (and, in a
 * panel, resources from the extension's own bundle folder); no remote resources, no eval, no
 * inline styles (the bundle adopts constructed stylesheets).
 */
export function lineagePage(o: PageOptions): string {
  const src = o.cspSource ? ` ${o.cspSource}` : '';
  const csp = [
    `default-src 'none'`,
    `img-src${src} data:`,
    `font-src${src || " 'none'"}`,
    `style-src${src} 'nonce-${o.nonce}'`,
    `script-src 'nonce-${o.nonce}'`,
    `connect-src 'none'`,
    `base-uri 'none'`,
    `form-action 'none'`,
  ].join('; ');
  const script = o.inlineScript !== undefined
    ? `<script nonce="${o.nonce}">${scriptForInline(o.inlineScript)}</script>`
    : `<script nonce="${o.nonce}" src="${escapeHtml(o.scriptUri ?? '')}"></script>`;
  return `<!DOCTYPE html>
<html lang="en" class="${o.boot.mode}">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(o.boot.title)}</title>
</head>
<body>
<div id="app" aria-busy="true"></div>
<script type="application/json" id="${BOOT_ELEMENT_ID}">${jsonForScript(o.boot)}</script>
${script}
</body>
</html>
`;
}

export function lineageTitle(graph: Pick<LineageGraph, 'root' | 'nodes'>): string {
  const root = graph.nodes.find((n) => n.id === graph.root);
  return `Lineage: ${root?.key || root?.uid || graph.root}`;
}

/** The CLI's standalone HTML: the webview bundle inlined, the graph embedded, no host. */
export function standaloneLineageHtml(graph: LineageGraph, bundle: string, nonce = newNonce()): string {
  const root = graph.nodes.find((n) => n.id === graph.root);
  return lineagePage({
    nonce,
    inlineScript: bundle,
    boot: {
      mode: 'standalone',
      title: lineageTitle(graph),
      instanceId: null,
      ref: root ? { nodeId: root.id } : {},
      upstream: graph.upstream,
      downstream: graph.downstream,
      graph,
    },
  });
}
