// Entry of the lineage webview bundle (dist/webview/lineage.js): the VS Code panel and the CLI's
// standalone HTML both load it; the page's boot data says which.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { BOOT_ELEMENT_ID, type BootData } from '../../src/shared/protocol';
import { LineageApp } from './app';
import { StandaloneHost, VsCodeHost, type Host } from './host';
import { PAGE_CSS } from './styles';

function adoptStyles(): void {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(PAGE_CSS);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

function boot(): void {
  adoptStyles();
  const data = JSON.parse(document.getElementById(BOOT_ELEMENT_ID)?.textContent ?? 'null') as BootData | null;
  const app = document.getElementById('app');
  if (!data || !app) throw new Error('lineage: the page has no boot data');
  let host: Host;
  if (data.mode === 'standalone') {
    if (!data.graph) throw new Error('lineage: a standalone page needs an embedded graph');
    host = new StandaloneHost(data.graph);
  } else {
    host = new VsCodeHost();
  }
  new LineageApp(app, host, data).start();
}

boot();
