// The lineage webview bundle in a real headless browser (Debian's chromium via playwright-core):
// the CLI's standalone page, and the panel page driven through the host protocol.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { GUIDE_ARTIFACT } from '../../src/core/example/guide';
import { lineageGraph } from '../../src/core/lineage';
import { lineagePage, newNonce, standaloneLineageHtml } from '../../src/core/lineage/page';
import type { LineageGraph } from '../../src/core/lineage/types';
import { LineageController } from '../../src/extension/lineage/controller';
import type { BootData, LineageNode, RequestMessage } from '../../src/shared/protocol';
import { matches, visibleGraph } from '../../webview/lineage/model';
import { MIN_FIT_SCALE } from '../../webview/lineage/render';
import { makeFixture, type Fixture } from '../lineage/fixtures';
import { screenshotDir } from '../support/screenshots';
import { browserSkipReason, buildLineageBundle, CSP_LISTENER, launchChromium, watchProblems } from './browser';
import { suite } from '../support/suite';

/** What VS Code gives a webview: postMessage to the host (here: the test), getState/setState. */
const FAKE_VSCODE_API = `
  window.acquireVsCodeApi = () => {
    let current = window.__restoredState;
    return {
      postMessage: (m) => window.__hostReceive(m),
      getState: () => current,
      setState: (s) => { current = s; window.__hostSetState(s); },
    };
  };
`;

const SCREENSHOTS = screenshotDir();

async function domNodes(page: Page): Promise<string[]> {
  return (await page.$$eval('svg.graph g.node', (els) => els.map((e) => e.getAttribute('data-id') ?? ''))).sort();
}
async function domEdges(page: Page): Promise<string[]> {
  return (await page.$$eval('svg.graph path.edge', (els) => els.map((e) => e.getAttribute('data-id') ?? ''))).sort();
}
function expected(graph: LineageGraph, upstream: number, downstream: number, expanded: string[] = []) {
  const v = visibleGraph(graph, { upstream, downstream, expanded });
  return { nodes: v.nodes.map((n) => n.id).sort(), edges: v.edges.map((e) => e.id).sort() };
}
async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
}

suite('lineage webview in headless Chromium', { skip: browserSkipReason() }, () => {
  let browser: Browser;
  let f: Fixture;
  let bundle: string;
  let dir: string;
  before(async () => {
    [browser, f, bundle] = await Promise.all([launchChromium(), makeFixture('sqlite'), buildLineageBundle()]);
    dir = mkdtempSync(join(tmpdir(), 'lamin-lineage-web-'));
  });
  after(async () => {
    await browser?.close();
    await f?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function openStandalone(graph: LineageGraph, name: string, colorScheme: 'light' | 'dark' = 'light', width = 1280, height = 720) {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, standaloneLineageHtml(graph, bundle));
    const context = await browser.newContext({ viewport: { width, height }, colorScheme, acceptDownloads: true });
    const page = await context.newPage();
    await page.addInitScript(CSP_LISTENER);
    const problems = watchProblems(page);
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('svg.graph g.node');
    return { page, problems, context };
  }

  test('standalone page: nodes and edges match the graph; depth, search, expand, keys, export', async () => {
    const graph = await lineageGraph(f.source, { uid: f.chain.model }, { upstream: 5, downstream: 2 });
    // Wide enough that the chain's whole graph fits at the readable minimum scale (the test clicks its nodes).
    const { page, problems, context } = await openStandalone(graph, 'chain', 'light', 2200);
    try {
      // Initially everything the page holds (its own depths).
      let want = expected(graph, 5, 2);
      assert.deepEqual(await domNodes(page), want.nodes);
      assert.deepEqual(await domEdges(page), want.edges);
      assert.equal(await page.textContent('#upstream-value'), '5');
      assert.equal(await page.getAttribute(`g.node[data-id="${graph.root}"]`, 'class').then((c) => c?.includes('root')), true);

      // Depth control: fewer hops upstream, then downstream.
      await page.click('#upstream-minus');
      await page.click('#upstream-minus');
      await page.click('#upstream-minus');
      want = expected(graph, 2, 2);
      assert.equal(await page.textContent('#upstream-value'), '2');
      assert.deepEqual(await domNodes(page), want.nodes);
      assert.deepEqual(await domEdges(page), want.edges);
      await page.click('#downstream-minus');
      want = expected(graph, 2, 1);
      assert.deepEqual(await domNodes(page), want.nodes);
      assert.ok(!(await domNodes(page)).includes(`artifact:${f.chain.predictions}`));
      // Beyond what the page holds: a message, the same nodes.
      await page.click('#upstream-plus');
      await page.click('#upstream-plus');
      await page.click('#upstream-plus');
      await page.click('#upstream-plus');
      assert.match((await page.textContent('#status')) ?? '', /holds 5 hop/);
      assert.equal(await page.textContent('#upstream-value'), '5');
      await page.click('#upstream-minus');
      await page.click('#upstream-minus');
      await page.click('#upstream-minus');

      // Search highlights matches (and only them).
      await page.locator('#search input').fill('TRAIN');
      const matched = (await page.$$eval('svg.graph g.node.match', (els) => els.map((e) => e.getAttribute('data-id') ?? ''))).sort();
      const shown = new Set(await domNodes(page));
      const wantMatches = graph.nodes.filter((n) => shown.has(n.id) && matches(n, 'train')).map((n) => n.id).sort();
      assert.ok(wantMatches.length >= 3, 'train.py, its two runs');
      assert.deepEqual(matched, wantMatches);
      assert.match((await page.textContent('#status')) ?? '', new RegExp(`${wantMatches.length} matches`));
      await page.locator('#search input').fill('');
      assert.equal(await page.$$eval('svg.graph g.node.match', (els) => els.length), 0);

      // Click a boundary node: its neighbours appear.
      const qc = `artifact:${f.chain.qc}`;
      const before2 = await domNodes(page);
      await page.click(`g.node[data-id="${qc}"]`);
      const afterExpand = await domNodes(page);
      assert.ok(afterExpand.includes(`run:${f.chain.runs.r2}`), 'r2 shown after expanding qc.parquet');
      assert.ok(afterExpand.length > before2.length);
      assert.deepEqual(afterExpand, expected(graph, 2, 1, [qc]).nodes);
      assert.match((await page.textContent('#details')) ?? '', new RegExp(f.chain.qc));

      // Keyboard: arrows move focus between nodes, Enter expands.
      await page.focus(`g.node[data-id="${graph.root}"]`);
      await page.keyboard.press('ArrowLeft');
      const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-id'));
      assert.ok(focused && focused !== graph.root, `focus moved (${focused})`);
      assert.equal(await page.isVisible('#tooltip'), true);
      assert.match((await page.textContent('#tooltip')) ?? '', /uid/);

      // Export SVG downloads a self-contained SVG.
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-svg')]);
      assert.equal(download.suggestedFilename(), `lineage-${f.chain.model}.svg`);
      const saved = join(dir, 'export.svg');
      await download.saveAs(saved);
      const { readFileSync } = await import('node:fs');
      const svg = readFileSync(saved, 'utf8');
      assert.match(svg, /^<\?xml/);
      assert.match(svg, /<style>/);
      assert.ok(!svg.includes('var(--'), 'colours resolved');

      assert.deepEqual(await cspViolations(page), []);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('labels keep what tells nodes apart, no raw backticks, the tooltip stays on screen, a cleared search clears its status', async () => {
    // A synced artifact's shape, with long keys that differ only in the file name and a long origin slug.
    const slug = 'laminlabs/lamindata-with-a-long-name';
    const node = (kind: LineageNode['kind'], uid: string, label: string, extra: Partial<LineageNode> = {}): LineageNode => ({
      id: `${kind}:${uid}`, kind, uid, label, detail: kind, key: null, description: null, createdAt: null, ...extra,
    });
    const k1 = 'example_datasets/mini_immuno/dataset1.h5ad';
    const k2 = 'example_datasets/mini_immuno/dataset2.h5ad';
    const graph: LineageGraph = {
      instance: { slug: 'me/target', uid: 'aaaaaaaaaaaa' },
      root: 'run:R1aaaaaaaaaaaaaa',
      upstream: 2,
      downstream: 1,
      truncated: false,
      nodes: [
        node('artifact', 'A1aaaaaaaaaaaaaa', k1, { key: k1, description: 'the `first` dataset' }),
        node('artifact', 'A2aaaaaaaaaaaaaa', k2, { key: k2 }),
        node('run', 'R1aaaaaaaaaaaaaa', `Transfer from ${slug}`, { transfer: true, description: `Transfer from \`${slug}\`` }),
        node('transform', 'T1aaaaaaaaaaaaaa', `Transfer from ${slug}`, { transfer: true, decoration: true, key: '__lamindb_transfer__/bbbbbbbbbbbb', description: `Transfer from \`${slug}\`` }),
      ],
      edges: [
        { id: 'transform:T1aaaaaaaaaaaaaa->run:R1aaaaaaaaaaaaaa:transform', source: 'transform:T1aaaaaaaaaaaaaa', target: 'run:R1aaaaaaaaaaaaaa', kind: 'transform' },
        { id: 'run:R1aaaaaaaaaaaaaa->artifact:A1aaaaaaaaaaaaaa:output', source: 'run:R1aaaaaaaaaaaaaa', target: 'artifact:A1aaaaaaaaaaaaaa', kind: 'output' },
        { id: 'run:R1aaaaaaaaaaaaaa->artifact:A2aaaaaaaaaaaaaa:output', source: 'run:R1aaaaaaaaaaaaaa', target: 'artifact:A2aaaaaaaaaaaaaa', kind: 'output' },
      ],
    };
    const width = 640;
    const height = 300;
    const { page, problems, context } = await openStandalone(graph, 'labels', 'light', width, height);
    try {
      const label = (id: string) => page.$eval(`g.node[data-id="${id}"] text.label`, (t) => t.textContent ?? '');
      // Keys keep their file name (the end), cut at a folder with an ellipsis in front.
      const l1 = await label('artifact:A1aaaaaaaaaaaaaa');
      const l2 = await label('artifact:A2aaaaaaaaaaaaaa');
      assert.ok(l1.endsWith('/dataset1.h5ad') && l1.startsWith('…'), l1);
      assert.ok(l2.endsWith('/dataset2.h5ad'), l2);
      // Other labels: never cut in the middle; the origin's slug stays readable from its start.
      for (const id of ['run:R1aaaaaaaaaaaaaa', 'transform:T1aaaaaaaaaaaaaa']) {
        const l = await label(id);
        assert.ok(!/.…./.test(l), `not cut in the middle: ${l}`);
        assert.ok(l.includes('laminlabs/'), l);
      }
      // No literal backticks anywhere the user reads.
      assert.ok(!((await page.textContent('svg.graph')) ?? '').includes('`'), 'no backticks in the drawing');
      await page.hover('g.node[data-id="transform:T1aaaaaaaaaaaaaa"]');
      const tip = (await page.textContent('#tooltip')) ?? '';
      assert.ok(tip.includes(`Transfer from ${slug}`), tip);
      assert.ok(!tip.includes('`'), `no backticks in the tooltip: ${tip}`);
      // The full key is in the tooltip; every node's tooltip stays inside the viewport.
      for (const n of graph.nodes) {
        await page.hover(`g.node[data-id="${n.id}"]`);
        assert.equal(await page.isVisible('#tooltip'), true);
        const r = await page.$eval('#tooltip', (e) => e.getBoundingClientRect().toJSON());
        assert.ok(r.left >= 0 && r.top >= 0 && r.right <= width && r.bottom <= height, `${n.id} tooltip ${JSON.stringify(r)} inside ${width}×${height}`);
        if (n.key) assert.ok(((await page.textContent('#tooltip')) ?? '').includes(n.key), `full key of ${n.id} in its tooltip`);
      }
      await page.click('g.node[data-id="artifact:A1aaaaaaaaaaaaaa"]');
      assert.ok(!((await page.textContent('#details')) ?? '').includes('`'), 'no backticks in the details');
      // A cleared search leaves no match count behind.
      await page.locator('#search input').fill('dataset');
      assert.match((await page.textContent('#status')) ?? '', /2 matches/);
      await page.locator('#search input').fill('');
      const status = (await page.textContent('#status')) ?? '';
      assert.ok(!/match/.test(status), `status after clearing: ${status}`);
      assert.match(status, /4 nodes/);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  test('a graph too large for the panel is fitted at a readable scale and scrolled with the wheel', async () => {
    const graph = await lineageGraph(f.source, { uid: f.chain.model }, { upstream: 5, downstream: 2 });
    const file = join(dir, 'small.html');
    writeFileSync(file, standaloneLineageHtml(graph, bundle));
    const context = await browser.newContext({ viewport: { width: 360, height: 260 } });
    try {
      const page = await context.newPage();
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('svg.graph g.node');
      const transform = () =>
        page.$eval('svg.graph g.viewport', (g) => {
          const m = /translate\(([-\d.e]+),\s*([-\d.e]+)\)\s*scale\(([-\d.e]+)\)/.exec(g.getAttribute('transform') ?? '');
          return m ? { x: Number(m[1]), y: Number(m[2]), k: Number(m[3]) } : null;
        });
      const fitted = await transform();
      assert.ok(fitted && fitted.k >= MIN_FIT_SCALE, `scale ${fitted?.k} ≥ ${MIN_FIT_SCALE}`);
      // The root is on screen.
      const root = await page.$eval(`g.node[data-id="${graph.root}"]`, (n) => n.getBoundingClientRect().toJSON());
      assert.ok(root.x >= 0 && root.x < 360 && root.y >= 0 && root.y < 260, JSON.stringify(root));
      const box = await page.$eval('svg.graph', (e) => e.getBoundingClientRect().toJSON());
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      const before = await page.$eval('svg.graph g.viewport', (g) => g.getAttribute('transform'));
      await page.mouse.wheel(0, 200);
      await page.waitForFunction((t) => document.querySelector('svg.graph g.viewport')?.getAttribute('transform') !== t, before);
      const scrolled = await transform();
      assert.equal(scrolled?.k, fitted.k, 'the wheel does not zoom');
      assert.ok(scrolled!.y < fitted.y, 'the wheel scrolls the graph up');
    } finally {
      await context.close();
    }
  });

  test('a synced artifact (screenshot for the README), light and dark', async () => {
    const graph = await lineageGraph(f.target, { key: GUIDE_ARTIFACT.key });
    mkdirSync(SCREENSHOTS, { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      const { page, problems, context } = await openStandalone(graph, `synced-${scheme}`, scheme);
      try {
        const want = expected(graph, 2, 1);
        assert.deepEqual(await domNodes(page), want.nodes);
        assert.deepEqual(await domEdges(page), want.edges);
        assert.ok((await domNodes(page)).includes(`instance:${f.source.identity.uid}`));
        await page.click(`g.node[data-id="${graph.root}"]`);
        await page.mouse.move(5, 700);
        await page.screenshot({ path: join(SCREENSHOTS, scheme === 'light' ? 'lineage.png' : 'lineage-dark.png') });
        assert.deepEqual(await cspViolations(page), []);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    }
  });

  test('panel page: typed requests with ids answered by the host; state survives a reload', async () => {
    const requests: RequestMessage[] = [];
    const controller = new LineageController({
      instanceId: 'test-instance',
      ref: { uid: f.chain.model },
      getInstance: async () => f.source,
      reveal: async (t) => ({ revealed: true, message: `${t.registry} ${t.uid}` }),
      saveSvg: async (_svg, name) => name,
    });
    const boot: BootData = {
      mode: 'vscode',
      title: 'Lineage: test',
      instanceId: 'test-instance',
      ref: { uid: f.chain.model },
      upstream: 2,
      downstream: 1,
      graph: null,
    };
    const file = join(dir, 'panel.html');
    // The panel's page as the host writes it, with the bundle inlined instead of a webview URI.
    writeFileSync(file, lineagePage({ nonce: newNonce(), boot, inlineScript: bundle }));
    const context = await browser.newContext({ viewport: { width: 2200, height: 650 } });
    const page = await context.newPage();
    let savedState: unknown = null;
    await page.exposeFunction('__hostReceive', async (m: RequestMessage) => {
      requests.push(m);
      const response = await controller.handle(m);
      await page.evaluate((r) => window.postMessage(r, '*'), response);
    });
    await page.exposeFunction('__hostSetState', (s: unknown) => {
      savedState = s;
    });
    await page.addInitScript(CSP_LISTENER);
    // As a string: tsx would wrap a function in helpers the page does not have.
    await page.addInitScript(FAKE_VSCODE_API);
    const problems = watchProblems(page);
    try {
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('svg.graph g.node');
      assert.equal(requests[0]?.method, 'load');
      assert.deepEqual(requests[0]?.params, { upstream: 2, downstream: 1 });
      const graph = await lineageGraph(f.source, { uid: f.chain.model });
      assert.deepEqual(await domNodes(page), expected(graph, 2, 1).nodes);

      // More depth than loaded: a new load request.
      await page.click('#upstream-plus');
      await page.waitForFunction(() => document.querySelector('#upstream-value')?.textContent === '3');
      const loads = requests.filter((r) => r.method === 'load');
      assert.deepEqual(loads.at(-1)?.params, { upstream: 3, downstream: 1 });
      assert.ok((await domNodes(page)).includes(`run:${f.chain.runs.r2}`));

      // Click to expand asks the host; double-click reveals; errors come back as messages.
      await page.click(`g.node[data-id="run:${f.chain.runs.r2}"]`);
      await page.waitForFunction((id) => Boolean(document.querySelector(`g.node[data-id="${id}"]`)), `artifact:${f.chain.raw[0]}`);
      assert.ok(requests.some((r) => r.method === 'expand' && (r.params as { nodeId: string }).nodeId === `run:${f.chain.runs.r2}`));
      await page.dblclick(`g.node[data-id="artifact:${f.chain.qc}"]`);
      for (let i = 0; i < 50 && !requests.some((r) => r.method === 'reveal'); i++) await new Promise((r) => setTimeout(r, 20));
      const reveal = requests.find((r) => r.method === 'reveal');
      assert.deepEqual(reveal?.params, { nodeId: `artifact:${f.chain.qc}` });
      const ids = requests.map((r) => r.id);
      assert.equal(new Set(ids).size, ids.length, 'request ids are unique');
      const bad = await controller.handle({ type: 'request', id: 99, method: 'expand', params: { nodeId: 'artifact:nope' } });
      assert.equal(bad?.ok, false);
      assert.equal(bad && !bad.ok ? bad.error.code : '', 'NOT_FOUND');

      // Hide/show: the page reloads with the saved state and draws without asking again.
      const shown = await domNodes(page);
      assert.ok(savedState, 'setState was called');
      await page.addInitScript(`window.__restoredState = ${JSON.stringify(savedState)};`);
      const before = requests.length;
      await page.reload();
      await page.waitForSelector('svg.graph g.node');
      assert.deepEqual(await domNodes(page), shown);
      assert.equal(requests.length, before, 'no request after restoring state');
      assert.deepEqual(await cspViolations(page), []);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
