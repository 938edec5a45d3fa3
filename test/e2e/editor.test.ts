// The extension in a real VS Code (code-server + chromium), installed from its .vsix.
// Skips, saying why, when the browser is missing or LAMIN_SYNC_E2E=0. `npm run test:e2e` runs
// only this file; `npm test` includes it. Screenshots go to test-output/screenshots/ (docs/screenshots/
// with LAMIN_SYNC_README_SCREENSHOTS=1, for the README, from a clean run).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { initInstance } from '../../src/core/schema/init';
import { screenshotDir } from '../support/screenshots';
import { makeFixtures, type Fixtures } from './fixtures';
import * as harness from './harness.mjs';
import { ensureEditor, skipReason } from './setup.mjs';
import { suite } from '../support/suite';

const PG_ENV = 'LAMIN_SYNC_TEST_PG_URL';

const skip = skipReason();
if (skip) {
  console.log(`# real-editor tests skipped: ${skip}. Install chromium (apt-get install chromium libkrb5-dev) to run them.`);
}

function count(db: string, sql: string, ...params: unknown[]): number {
  const raw = new Database(db, { readonly: true });
  try {
    return Number((raw.prepare(sql).get(...params) as { n: number }).n);
  } finally {
    raw.close();
  }
}

const norm = (s: string | null | undefined) => (s ?? '').replace(/\u00a0/g, ' ');
/** An artifact row shows its key's file name, the folder as its description. */
const artifactRow = 'dataset1.h5ad';

suite('VS Code extension in a real editor', { skip, timeout: 15 * 60_000 }, () => {
  let dir: string;
  let fx: Fixtures;
  let editor: harness.Editor;
  let browser: import('playwright-core').Browser;
  let page: Page;
  const shots = screenshotDir();

  before(async () => {
    ensureEditor();
    harness.ensureVsix();
    dir = mkdtempSync(join(tmpdir(), 'lamin-sync-e2e-'));
    fx = await makeFixtures(dir);
    const ws = join(dir, 'workspace');
    mkdirSync(ws);
    editor = await harness.startEditor({
      workspace: ws,
      settings: {
        'laminSync.instances': [fx.targetRoot],
        'laminSync.defaultTarget': fx.targetRoot,
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'chat.disableAIFeatures': true,
        // Short pages: a registry's rows and its Load more fit on screen.
        'laminSync.pageSize': 10,
      },
      // A locked target fails after 2 s instead of 60.
      env: { LAMIN_SETTINGS_DIR: fx.settingsDir, LAMIN_SYNC_LOCK_TIMEOUT: '2' },
    });
    ({ browser, page } = await harness.openBrowser(editor.url));
    mkdirSync(shots, { recursive: true });
  });

  // What the editor showed at the end of each test, for when one fails (test-output/ is ignored).
  afterEach(async (t) => {
    const out = join(__dirname, '..', '..', 'test-output', 'e2e');
    mkdirSync(out, { recursive: true });
    await page?.screenshot({ path: join(out, `${t.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60)}.png`) }).catch(() => undefined);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await editor?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const sidebarRows = () => page.locator('#workbench\\.parts\\.sidebar .monaco-list-row');
  const row = (label: string | RegExp) => sidebarRows().filter({ hasText: label }).first();
  /**
   * The first row matching `label` below the instance row `instance` (the same text can be in several instances).
   * Rows load asynchronously after an expand, so it looks again until `timeout`.
   */
  async function rowUnder(instance: string, label: string | RegExp, timeout = 15_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = await findRowUnder(instance, label);
      if (typeof found !== 'string') return found;
      if (Date.now() > deadline) throw new Error(found);
      await page.waitForTimeout(250);
    }
  }
  async function findRowUnder(instance: string, label: string | RegExp) {
    const rows = await sidebarRows().evaluateAll((els) =>
      els.map((e) => ({ text: (e.textContent ?? '').replace(/\u00a0/g, ' '), level: Number(e.getAttribute('aria-level') ?? '0'), top: e.getBoundingClientRect().top })),
    );
    const order = rows.map((r, i) => ({ ...r, i })).sort((a, b) => a.top - b.top);
    const start = order.findIndex((r) => r.level === 1 && r.text.includes(instance));
    if (start < 0) return `no instance row ${instance}`;
    for (const r of order.slice(start + 1)) {
      if (r.level === 1) break;
      if (typeof label === 'string' ? r.text.includes(label) : label.test(r.text)) return sidebarRows().nth(r.i);
    }
    return `no row ${String(label)} under ${instance}`;
  }
  async function rowTexts(): Promise<string[]> {
    return (await sidebarRows().allTextContents()).map(norm);
  }
  async function notification(text: string | RegExp, timeout = 60_000) {
    const message = page.locator('.notifications-toasts .notification-list-item-message').filter({ hasText: text }).first();
    await message.waitFor({ state: 'visible', timeout });
    return norm(await message.textContent());
  }
  /** Collapses the tree (rows out of view are not in the DOM) and optionally re-expands an instance. */
  async function collapseAll(expand?: string) {
    await page.locator('#workbench\\.parts\\.sidebar .action-label[aria-label="Collapse All"]').first().click();
    await page.waitForTimeout(300);
    if (expand) {
      await row(expand).click();
      await page.waitForTimeout(500);
    }
  }
  async function clearNotifications() {
    await runCommand('Notifications: Clear All Notifications');
  }
  async function contextMenu(label: string | RegExp, item: string, under = 'laminlabs/lamindata') {
    await (await rowUnder(under, label)).click({ button: 'right' });
    // The item's accessible name is its label, followed by its keybinding where it has one
    // (`Sync to default Ctrl+Shift+Enter`); the label must match whole.
    const escaped = item.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const entry = page.getByRole('menuitem', { name: new RegExp(`^${escaped}(?:[ ,]+\\S+)?$`) });
    await entry.waitFor({ state: 'visible', timeout: 10_000 });
    await entry.click();
    // A click that lands while the menu is still settling is dropped (seen under load): click again.
    await entry.waitFor({ state: 'hidden', timeout: 3_000 }).catch(() => entry.click());
  }
  async function runCommand(title: string) {
    await page.keyboard.press('Escape');
    await page.locator('.monaco-workbench').focus();
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: title }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
  }
  async function answer(text: string, { password = false } = {}) {
    const input = page.locator('.quick-input-widget input' + (password ? '[type="password"]' : ''));
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(text);
    await page.keyboard.press('Enter');
  }
  async function outputText(): Promise<string> {
    await runCommand('LaminDB: Show log');
    const view = page.locator('.output-view .view-lines');
    await view.waitFor({ state: 'visible', timeout: 10_000 });
    await page.waitForTimeout(500);
    return norm(await view.innerText());
  }
  const log = () => harness.outputLogText(editor.userDir);

  test('activates and lists the instances (LaminDB settings and user settings), default target marked', async () => {
    await page.locator('.activitybar [aria-label^="LaminDB"]').first().click();
    await row('laminlabs/lamindata').waitFor({ timeout: 60_000 });
    await row(/anonymous\/test-sync/).waitFor({ timeout: 30_000 });
    const texts = await rowTexts();
    assert.ok(texts.some((t) => t.includes('anonymous/test-sync') && t.includes('default · sqlite')), texts.join('\n'));
    assert.ok(texts.some((t) => t.includes('laminlabs/lamindata') && t.includes('sqlite')), texts.join('\n'));
    // The default target in the status bar.
    await page.locator('.statusbar-item').filter({ hasText: 'anonymous/test-sync' }).first().waitFor({ timeout: 15_000 });
  });

  test('registries with counts and records newest first', async () => {
    await row('laminlabs/lamindata').click();
    await row(/^Artifact/).waitFor();
    const texts = await rowTexts();
    const ulabels = count(fx.sourceDb, 'SELECT count(*) AS n FROM lamindb_ulabel');
    assert.ok(texts.some((t) => /^Artifact\s*1$/.test(t.trim())), texts.join('\n'));
    assert.ok(texts.some((t) => new RegExp(`^ULabel\\s*${ulabels}$`).test(t.trim())), texts.join('\n'));
    await row(/^Artifact/).click();
    await row(artifactRow).waitFor();
    await row(artifactRow).hover();
    await page.waitForTimeout(1200);
    await page.screenshot({ path: join(shots, 'tree.png') });
  });

  test('right-click Sync to default writes the target and logs the report', async () => {
    assert.equal(count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_artifact WHERE uid = ?', fx.artifactUid), 0);
    // Not in the default target yet: no ✓.
    assert.doesNotMatch(norm(await (await rowUnder('laminlabs/lamindata', artifactRow)).textContent()), /✓/);
    await contextMenu(artifactRow, 'Sync to default');
    const msg = await notification(/Synced Artifact/);
    // Named by its key; counts of distinct objects.
    assert.match(msg, /^Synced Artifact example_datasets\/mini_immuno\/dataset1\.h5ad to anonymous\/test-sync: \d+ transferred, \d+ mapped\./);
    assert.equal(count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_artifact WHERE uid = ?', fx.artifactUid), 1);
    assert.equal(count(fx.targetDb, "SELECT count(*) AS n FROM lamindb_transform WHERE uid = 'LaminSyncVSC0000'"), 1);
    assert.equal(count(fx.targetDb, "SELECT count(*) AS n FROM lamindb_transform WHERE key = '__lamindb_transfer__/4XIuR0tvaiXM'"), 1);
    assert.equal(count(fx.targetDb, "SELECT count(*) AS n FROM lamindb_run WHERE _status_code = 0 AND finished_at IS NOT NULL"), 2);
    // The target's tree refreshed and reveals the synced artifact under the target.
    await page.waitForTimeout(1000);
    const texts = await rowTexts();
    assert.ok(texts.filter((t) => t.includes(fx.artifactKey.split('/').pop()!)).length >= 2, texts.join('\n'));
    // The source's row now says the default target holds it.
    await rowUnder('laminlabs/lamindata', /^dataset1\.h5ad✓ example_datasets\/mini_immuno/);
    const out = await outputText();
    assert.match(out, /Sync laminlabs\/lamindata → anonymous\/test-sync/);
    assert.match(out, /→ transferred: Artifact\(uid='9K1dteZ6Qx0EXK8g0000'\)/);
    const file = log();
    assert.match(file, /\[info\] → transferred: Artifact\(uid='9K1dteZ6Qx0EXK8g0000'\), Storage\(uid='D9BilDV2'\)/);
    assert.match(file, /\[info\] Done in [\d.]+ s \(plan [\d.]+ s, write [\d.]+ s, commit [\d.]+ s\): \d+ transferred, \d+ mapped, \d+ rows written/);
    await page.screenshot({ path: join(shots, 'sync-result.png') });
  });

  test('the same sync again maps everything and writes nothing', async () => {
    await clearNotifications();
    const artifacts = count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_artifact');
    await contextMenu(artifactRow, 'Sync to default');
    await notification(/nothing to transfer/);
    assert.equal(count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_artifact'), artifacts);
    assert.match(log(), /→ mapped: Artifact\(uid='9K1dteZ6Qx0EXK8g0000'\)/);
    assert.match(log(), /→ nothing to transfer: the target already holds everything \(nothing written\)/);
  });

  test('Sync to default with annotations brings features, labels and schemas', async () => {
    await clearNotifications();
    const features = count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_feature');
    await contextMenu(artifactRow, 'Sync to default with annotations');
    const msg = await notification(/Synced Artifact .* with annotations|Synced Artifact|failed/);
    assert.match(msg, /^Synced Artifact example_datasets\/mini_immuno\/dataset1\.h5ad to anonymous\/test-sync with annotations: \d+ transferred, \d+ mapped\./);
    // The mapped count is of distinct objects, not of LaminDB's list (which repeats a label per link).
    const mappedLine = log().split('\n').filter((l) => l.includes('→ mapped: ')).pop() ?? '';
    const distinct = new Set(mappedLine.slice(mappedLine.indexOf('→ mapped: ')).match(/\w+\(uid='\w+'\)/g) ?? []);
    const transferredLine = log().split('\n').filter((l) => l.includes('→ transferred: ')).pop() ?? '';
    const moved = new Set(transferredLine.match(/\w+\(uid='\w+'\)/g) ?? []);
    const mappedOnly = [...distinct].filter((e) => !moved.has(e)).length;
    assert.match(msg, new RegExp(`: ${moved.size} transferred, ${mappedOnly} mapped\\.`));
    // The whole report on demand: every object once, by registry.
    const toast = page.locator('.notifications-toasts .notification-list-item').filter({ hasText: /Synced .* with annotations/ }).first();
    await toast.getByRole('button', { name: 'Show report' }).click();
    const report = page.locator('.editor-instance .view-lines').first();
    await report.waitFor({ timeout: 15_000 });
    await page.waitForFunction(() => document.querySelector('.editor-instance .view-lines')?.textContent?.replace(/\u00a0/g, ' ').includes('distinct objects'));
    const reportText = norm(await report.innerText());
    assert.match(reportText, /Sync laminlabs\/lamindata → anonymous\/test-sync: Artifact example_datasets\/mini_immuno\/dataset1\.h5ad with annotations/);
    assert.match(reportText, /\d+ transferred, \d+ mapped \(distinct objects\)/);
    assert.match(reportText, /transferred: .*\bCellType 3\b/);
    await runCommand('View: Close All Editors');
    assert.ok(count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_feature') > features);
    assert.ok(count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_schema') > 0);
    assert.match(log(), /Sync laminlabs\/lamindata → anonymous\/test-sync: Artifact example_datasets\/mini_immuno\/dataset1\.h5ad with annotations/);
  });

  test('Show lineage opens the panel for the synced artifact: transfer run, initiating run, origin instance', async () => {
    await clearNotifications();
    await collapseAll('anonymous/test-sync');
    await (await rowUnder('anonymous/test-sync', 'Artifact')).click();
    await page.waitForTimeout(500);
    // With a document open, the panel still gets the whole editor area (not half of it beside).
    await contextMenu(artifactRow, 'Describe', 'anonymous/test-sync');
    await page.locator('.editor-instance .view-lines').first().waitFor({ timeout: 15_000 });
    await contextMenu(artifactRow, 'Show lineage', 'anonymous/test-sync');
    // Webviews are nested iframes: the panel's page is the inner frame.
    const panel = page.frameLocator('iframe.webview').first().frameLocator('iframe').first();
    await panel.locator('svg.graph g.node').first().waitFor({ state: 'visible', timeout: 30_000 });
    const kinds = await panel.locator('svg.graph g.node').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    for (const kind of ['artifact', 'run', 'transform', 'instance']) assert.ok(kinds.includes(kind), `${kind} in ${kinds.join(',')}`);
    const uids = await panel.locator('svg.graph g.node').evaluateAll((els) => els.map((e) => e.getAttribute('data-uid')));
    assert.ok(uids.includes(fx.artifactUid));
    assert.ok(uids.includes('4XIuR0tvaiXM'), `origin instance uid in ${uids.join(',')}`);
    assert.ok(uids.includes('4XIuR0tvaiXM0000'), 'the transfer transform');
    // Readable: the whole editor area.
    const widths = await page.evaluate(() => ({
      panel: document.querySelector('iframe.webview')?.getBoundingClientRect().width ?? 0,
      editor: document.querySelector('#workbench\\.parts\\.editor')?.getBoundingClientRect().width ?? 1,
    }));
    assert.ok(widths.panel > 0.9 * widths.editor, JSON.stringify(widths));
    await page.screenshot({ path: join(shots, 'lineage-panel.png') });
    await runCommand('View: Close All Editors');
  });

  /** The names of the context menu of a row (closed again). */
  async function menuItems(label: string | RegExp, under: string): Promise<string[]> {
    await (await rowUnder(under, label)).click({ button: 'right' });
    const menu = page.locator('.context-view [role="menuitem"]');
    await menu.first().waitFor({ state: 'visible', timeout: 10_000 });
    const names = (await menu.allTextContents()).map((t) => norm(t).trim());
    await page.keyboard.press('Escape');
    return names;
  }

  test('commands are offered only where they work; annotation variants of Sync to… and Preview', async () => {
    await clearNotifications();
    await collapseAll('anonymous/test-sync');
    await (await rowUnder('anonymous/test-sync', /^Artifact/)).click();
    const own = await menuItems(artifactRow, 'anonymous/test-sync');
    // The default target's own records: not into itself.
    assert.ok(!own.some((n) => /^Sync to default/.test(n) || /^Preview sync/.test(n)), own.join(' | '));
    assert.ok(own.some((n) => n.startsWith('Sync to…')), own.join(' | '));
    assert.ok(own.some((n) => n.startsWith('Show lineage')), own.join(' | '));
    const inlineOwn = (await rowUnder('anonymous/test-sync', artifactRow)).locator('.action-label[aria-label^="Sync to default"]');
    await (await rowUnder('anonymous/test-sync', artifactRow)).hover();
    assert.equal(await inlineOwn.count(), 0);

    await collapseAll('laminlabs/lamindata');
    await (await rowUnder('laminlabs/lamindata', /^ULabel/)).click();
    const label = await menuItems(/^bulk-label-0119999/, 'laminlabs/lamindata');
    assert.ok(!label.some((n) => n.startsWith('Show lineage')), label.join(' | '));
    for (const item of ['Sync to default', 'Sync to… with annotations', 'Preview sync with annotations…']) {
      assert.ok(label.some((n) => n.startsWith(item)), `${item} in ${label.join(' | ')}`);
    }
    const source = await rowUnder('laminlabs/lamindata', /^bulk-label-0119999/);
    await source.hover();
    assert.equal(await source.locator('.action-label[aria-label^="Sync to default"]').count(), 1);
  });

  test('rows without key or name: run by transform and start, storage root, user handle, schema itype and members; bionty after LaminDB', async () => {
    await collapseAll('laminlabs/lamindata');
    const texts = await rowTexts();
    const registries = texts.slice(texts.findIndex((t) => t.includes('laminlabs/lamindata')) + 1).filter((t) => /^[\w.]+\s*\d+$/.test(t.trim()));
    const firstBionty = registries.findIndex((t) => t.startsWith('bionty.'));
    assert.ok(firstBionty > 0, registries.join(' | '));
    assert.ok(registries.slice(firstBionty).every((t) => t.startsWith('bionty.')), registries.join(' | '));
    const raw = new Database(fx.sourceDb, { readonly: true });
    const root = (raw.prepare('SELECT root FROM lamindb_storage LIMIT 1').get() as { root: string }).root;
    const handle = (raw.prepare('SELECT handle FROM lamindb_user LIMIT 1').get() as { handle: string }).handle;
    raw.close();
    for (const [registry, expected] of [
      ['Run', /^create-mini-immuno\.ipynb · \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/],
      ['Storage', root],
      ['User', handle],
      ['Schema', /^Feature · 8 members/],
    ] as const) {
      await (await rowUnder('laminlabs/lamindata', new RegExp(`^${registry}\\s*\\d+$`))).click();
      await rowUnder('laminlabs/lamindata', expected);
      await (await rowUnder('laminlabs/lamindata', new RegExp(`^${registry}\\s*\\d+$`))).click();
    }
  });

  test('a filter belongs to one registry, shows its state and match count; clearing keeps the loaded pages', async () => {
    await collapseAll('laminlabs/lamindata');
    const ulabels = count(fx.sourceDb, 'SELECT count(*) AS n FROM lamindb_ulabel');
    await (await rowUnder('laminlabs/lamindata', /^ULabel/)).click();
    await (await rowUnder('laminlabs/lamindata', /^Load more/)).click();
    // The next page is there and the keyboard focus is on its first record, not lost.
    const focused = page.locator('#workbench\\.parts\\.sidebar .monaco-list-row.focused');
    await focused.filter({ hasText: 'bulk-label-0119989' }).first().waitFor({ timeout: 10_000 });
    await collapseAll('laminlabs/lamindata');
    await contextMenu(/^ULabel/, 'Filter records…');
    await answer('bulk-label-011999');
    const filtered = await rowUnder('laminlabs/lamindata', /^ULabel\s*10 of \d+ · “bulk-label-011999”/);
    assert.match(norm(await filtered.textContent()), new RegExp(`10 of ${ulabels}`));
    // The filter's state above the tree (the view's message).
    const message = page.locator('#workbench\\.parts\\.sidebar .tree-explorer-viewlet-tree-view-message, #workbench\\.parts\\.sidebar .message');
    await message.filter({ hasText: 'ULabel of laminlabs/lamindata: 10 of' }).first().waitFor({ state: 'visible', timeout: 10_000 });
    await filtered.click();
    await rowUnder('laminlabs/lamindata', /^bulk-label-0119990/);
    assert.equal(await findRowUnder('laminlabs/lamindata', /^Load more/).then((r) => typeof r), 'string', 'all 10 matches on one page');
    // Other registries are not filtered.
    assert.ok((await rowTexts()).some((t) => /^Artifact\s*1$/.test(t.trim())));
    await contextMenu(/^ULabel/, 'Clear filter');
    await rowUnder('laminlabs/lamindata', new RegExp(`^ULabel\\s*${ulabels}$`));
    await rowUnder('laminlabs/lamindata', /^Load more…\s*20 of/);
  });

  test('instance tooltip: uid, storage root and modules', async () => {
    await collapseAll();
    await row('laminlabs/lamindata').hover();
    const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'instance uid' }).first();
    await hover.waitFor({ state: 'visible', timeout: 15_000 });
    const text = norm(await hover.textContent());
    assert.match(text, /instance uid: 4XIuR0tvaiXM/);
    assert.ok(text.includes(`storage: ${fx.sourceRoot}`), text);
    assert.match(text, /modules: bionty/);
    await page.mouse.move(700, 10);
  });

  test('Cancel during a large sync rolls the target back', async () => {
    await clearNotifications();
    const before = {
      ulabels: count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_ulabel'),
      runs: count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_run'),
    };
    await collapseAll('laminlabs/lamindata');
    await contextMenu(/^ULabel/, 'Sync to default');
    // Syncing a whole registry asks first.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 10_000 });
    const ulabels = count(fx.sourceDb, 'SELECT count(*) AS n FROM lamindb_ulabel');
    assert.match(norm(await dialog.textContent()), new RegExp(`Sync all ${ulabels} ULabel records`));
    await dialog.getByRole('button', { name: 'Sync', exact: true }).click();
    const toast = page.locator('.notifications-toasts .notification-toast').filter({ hasText: /Syncing all/ }).first();
    await toast.waitFor({ timeout: 10_000 });
    await page.waitForTimeout(300);
    // The progress message changes while it runs, so the button never counts as "stable".
    await toast.getByRole('button', { name: 'Cancel' }).click({ force: true });
    await notification(/Sync cancelled: nothing was written to anonymous\/test-sync/);
    assert.equal(count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_ulabel'), before.ulabels);
    assert.equal(count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_run'), before.runs);
    assert.match(log(), /\[warning\] Cancelled: laminlabs\/lamindata → anonymous\/test-sync/);
  });

  test('Describe shows the artifact in a read-only editor; Preview sync shows the plan and syncs on confirm', async () => {
    await clearNotifications();
    await collapseAll('laminlabs/lamindata');
    await (await rowUnder('laminlabs/lamindata', /^Artifact/)).click();
    await row(artifactRow).waitFor({ timeout: 15_000 });
    await contextMenu(artifactRow, 'Describe');
    const editorText = page.locator('.editor-instance .view-lines').first();
    await editorText.waitFor({ timeout: 15_000 });
    await page.waitForTimeout(500);
    assert.match(norm(await editorText.innerText()), /Artifact: example_datasets\/mini_immuno\/dataset1\.h5ad/);
    await runCommand('View: Close All Editors');

    await collapseAll('laminlabs/lamindata');
    await (await rowUnder('laminlabs/lamindata', /^Transform/)).click();
    await row('create-mini-immuno.ipynb').waitFor({ timeout: 15_000 });
    await contextMenu('create-mini-immuno.ipynb', 'Preview sync…');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    assert.match(norm(await dialog.textContent()), /1 to transfer/);
    assert.match(norm(await page.locator('.editor-instance .view-lines').first().innerText()), /nothing written \(dry run\)/);
    assert.equal(count(fx.targetDb, "SELECT count(*) AS n FROM lamindb_transform WHERE uid = 'NJvdsWWbJlZS0000'"), 0);
    await dialog.getByRole('button', { name: 'Sync', exact: true }).click();
    await notification(/Synced Transform create-mini-immuno\.ipynb to anonymous\/test-sync: 1 transferred/);
    assert.equal(count(fx.targetDb, "SELECT count(*) AS n FROM lamindb_transform WHERE uid = 'NJvdsWWbJlZS0000'"), 1);
    await runCommand('View: Close All Editors');
  });

  test('an open lineage panel refreshes after a sync while it is hidden', async () => {
    await clearNotifications();
    await runCommand('View: Close All Editors');
    await collapseAll('anonymous/test-sync');
    await (await rowUnder('anonymous/test-sync', /^Transform/)).click();
    await contextMenu('__lamindb_transfer__/4XIuR0tvaiXM', 'Show lineage', 'anonymous/test-sync');
    const panel = page.frameLocator('iframe.webview').first().frameLocator('iframe').first();
    const runs = panel.locator('svg.graph g.node[data-kind="run"]');
    await runs.first().waitFor({ state: 'visible', timeout: 30_000 });
    const before = await runs.count();
    // Another tab in front: the panel is hidden (its webview is gone until shown).
    await (await rowUnder('anonymous/test-sync', /^Artifact/)).click();
    await contextMenu(artifactRow, 'Describe', 'anonymous/test-sync');
    await page.locator('.editor-instance .view-lines').first().waitFor({ timeout: 15_000 });
    await collapseAll('laminlabs/lamindata');
    await (await rowUnder('laminlabs/lamindata', /^ULabel/)).click();
    await contextMenu(/^bulk-label-0119998/, 'Sync to default');
    await notification(/Synced ULabel .* to anonymous\/test-sync: 1 transferred/);
    await page.locator('.tabs-container .tab').filter({ hasText: 'Lineage' }).first().click();
    await runs.first().waitFor({ state: 'visible', timeout: 30_000 });
    const deadline = Date.now() + 15_000;
    let after = await runs.count();
    while (after <= before && Date.now() < deadline) {
      await page.waitForTimeout(250);
      after = await runs.count();
    }
    assert.equal(after, before + 1, 'the new transfer run is in the panel');
    await runCommand('View: Close All Editors');
  });

  test('a target locked by another process: one notification and one log line, no stack trace, nothing written', async () => {
    await clearNotifications();
    const before = count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_ulabel');
    // Another process's write transaction (here: this test's) holds the target's write lock.
    const holder = new Database(fx.targetDb);
    try {
      holder.exec('BEGIN IMMEDIATE');
      await collapseAll('laminlabs/lamindata');
      await (await rowUnder('laminlabs/lamindata', /^ULabel/)).click();
      await contextMenu(/^bulk-label-0119997/, 'Sync to default');
      const msg = await notification(/failed/);
      assert.equal(
        msg,
        `Sync to anonymous/test-sync failed: ${fx.targetDb} is locked by another process (waited 2 s); retry when it finishes. Nothing was written.`,
      );
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
    assert.equal(count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_ulabel'), before);
    const lines = log().split('\n').filter((l) => l.includes('is locked by another process'));
    assert.equal(lines.filter((l) => /\[error\]/.test(l)).length, 1, lines.join('\n'));
    assert.doesNotMatch(log(), /^\s+at /m);
  });

  test('Find object reveals every instance that holds a uid', async () => {
    await clearNotifications();
    await runCommand('LaminDB: Find object…');
    await answer(fx.artifactUid);
    const msg = await notification(/is in \d+ instance/);
    assert.match(msg, /is in 2 instances: .*laminlabs\/lamindata/);
    assert.match(msg, /anonymous\/test-sync/);
  });

  test('Copy uid puts the uid on the clipboard; Reveal storage path shows, logs and copies where the data is', async () => {
    // VS Code in the browser writes its clipboard through navigator.clipboard.
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    const clipboard = async (expected: string) => {
      let text = '';
      for (let i = 0; i < 40 && text !== expected; i++) {
        text = await page.evaluate(() => navigator.clipboard.readText()).catch(() => '');
        if (text !== expected) await page.waitForTimeout(250);
      }
      return text;
    };
    await clearNotifications();
    await collapseAll('laminlabs/lamindata');
    await (await rowUnder('laminlabs/lamindata', /^Artifact/)).click();
    await contextMenu(artifactRow, 'Copy uid');
    assert.equal(await clipboard(fx.artifactUid), fx.artifactUid);
    // Not LaminDB's current instance: read through ln.DB.
    const python = `ln.DB("laminlabs/lamindata").Artifact.get("${fx.artifactUid}")`;
    await contextMenu(artifactRow, 'Copy as Python');
    assert.equal(await clipboard(python), python);

    await contextMenu(artifactRow, 'Reveal storage path');
    const msg = await notification(new RegExp(`${fx.artifactUid}: s3://lamindata/`));
    const path = msg.slice(msg.indexOf('s3://')).split(/\s/)[0]!;
    assert.match(path, /^s3:\/\/lamindata\/\S+\.h5ad$/);
    assert.ok(log().includes(`Storage path of ${fx.artifactUid}: ${path}`));
    const toast = page.locator('.notifications-toasts .notification-list-item').filter({ hasText: fx.artifactUid }).first();
    await toast.getByRole('button', { name: 'Copy path' }).click();
    assert.equal(await clipboard(path), path);
  });

  suite('Postgres', { skip: process.env[PG_ENV] ? false : `${PG_ENV} is not set (run through test/run-tests.mjs)` }, () => {
    let dbUrl: string;
    let noPassword: string;
    let password: string;
    const dbName = `lamin_sync_e2e_${Date.now().toString(36)}`;
    const role = `lamin_e2e_reader_${Date.now().toString(36)}`;
    const rolePassword = `reader-${Date.now().toString(36)}`;
    before(async () => {
      const base = new URL(process.env[PG_ENV]!);
      const name = dbName;
      const client = new pg.Client({ connectionString: base.toString() });
      await client.connect();
      await client.query(`CREATE DATABASE ${name}`);
      await client.end();
      base.pathname = `/${name}`;
      dbUrl = base.toString();
      password = decodeURIComponent(base.password);
      const u = new URL(dbUrl);
      u.password = '';
      noPassword = u.toString();
      await initInstance({ storage: join(dir, 'pg-storage'), db: dbUrl, name: 'pg-e2e', modules: ['bionty'] });
      // A role that may read the instance, for the lost-password case.
      const admin = new pg.Client({ connectionString: dbUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${rolePassword}'`);
        await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`);
      } finally {
        await admin.end();
      }
    });
    after(async () => {
      const admin = new pg.Client({ connectionString: dbUrl });
      await admin.connect().catch(() => undefined);
      await admin.query(`DROP OWNED BY ${role}`).catch(() => undefined);
      await admin.end().catch(() => undefined);
      const base = new pg.Client({ connectionString: process.env[PG_ENV]! });
      await base.connect().catch(() => undefined);
      await base.query(`DROP ROLE IF EXISTS ${role}`).catch(() => undefined);
      await base.end().catch(() => undefined);
    });

    test('a wrong password on Add keeps what was typed, names the location once; the right one adds it', async () => {
      await clearNotifications();
      await runCommand('LaminDB: Add Postgres instance…');
      await answer(noPassword);
      await answer('not-the-password', { password: true });
      const msg = await notification(/Cannot add the Postgres instance/);
      assert.match(msg, /Postgres refused the credentials/);
      assert.match(msg, /Check the user name and password/);
      const where = new URL(noPassword);
      const location = `${where.username}@${where.hostname}:${where.port}${where.pathname}`;
      assert.equal(msg.split(location).length - 1, 1, `${location} once in: ${msg}`);
      assert.doesNotMatch(msg + log(), /not-the-password/);
      assert.ok(!(await rowTexts()).some((t) => t.includes(dbName) || t.includes('pg-e2e')));
      // The boxes open again holding what was typed.
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await input.inputValue(), noPassword);
      await page.keyboard.press('Enter');
      const secret = page.locator('.quick-input-widget input[type="password"]');
      await secret.waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await secret.inputValue(), 'not-the-password');
      await secret.fill(password);
      await page.keyboard.press('Enter');
      await notification(/Added LaminDB instance/);
      await collapseAll();
      // The row shows the instance's slug once the extension has opened it.
      await row(/anonymous\/pg-e2e/).waitFor({ timeout: 30_000 });
      assert.ok((await rowTexts()).some((t) => t.includes('anonymous/pg-e2e') && t.includes('postgres')));
      assert.doesNotMatch(log(), new RegExp(password));
    });

    test('the Postgres location in the tooltip is code, not a mail link', async () => {
      await collapseAll();
      await row(/anonymous\/pg-e2e/).hover();
      const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'instance uid' }).first();
      await hover.waitFor({ state: 'visible', timeout: 15_000 });
      assert.equal(await hover.locator('a[href^="mailto:"]').count(), 0);
      assert.ok(norm(await hover.textContent()).includes(new URL(noPassword).hostname));
      await page.mouse.move(700, 10);
    });

    test('Sync to… writes the Postgres target', async () => {
      await clearNotifications();
      await row('laminlabs/lamindata').click();
      await row(/^Artifact/).waitFor();
      await (await rowUnder('laminlabs/lamindata', /^Artifact/)).click();
      await contextMenu(artifactRow, 'Sync to…');
      await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'pg-e2e' }).first().click();
      await notification(/Synced Artifact .* to anonymous\/pg-e2e/);
      const client = new pg.Client({ connectionString: dbUrl });
      await client.connect();
      try {
        const r = await client.query('SELECT count(*)::int AS n FROM lamindb_artifact WHERE uid = $1', [fx.artifactUid]);
        assert.equal(r.rows[0].n, 1);
      } finally {
        await client.end();
      }
      await page.screenshot({ path: join(shots, 'postgres.png') });
    });

    test('Set Postgres password… tries the password before it stores it', async () => {
      await clearNotifications();
      await runCommand('LaminDB: Set Postgres password…');
      await page.locator('.quick-input-list .monaco-list-row').filter({ hasText: 'pg-e2e' }).first().click();
      await answer('wrong-again', { password: true });
      const msg = await notification(/was not stored/);
      assert.match(msg, /^The password for anonymous\/pg-e2e was not stored: Postgres refused the credentials/);
      // Asked again, holding what was typed.
      const secret = page.locator('.quick-input-widget input[type="password"]');
      await secret.waitFor({ state: 'visible', timeout: 10_000 });
      assert.equal(await secret.inputValue(), 'wrong-again');
      await page.keyboard.press('Escape');
      assert.doesNotMatch(log(), /wrong-again/);
    });

    test('a lost password: one notification and one log line, no stack trace, no password; Set Postgres password… from it', async () => {
      await clearNotifications();
      // An instance whose password is in no secret storage (a role of its own: its id differs).
      const lost = new URL(noPassword);
      lost.username = role;
      const settingsFile = join(editor.userDir, 'User', 'settings.json');
      const settings = JSON.parse(readFileSync(settingsFile, 'utf8')) as Record<string, unknown>;
      settings['laminSync.instances'] = [...((settings['laminSync.instances'] as unknown[]) ?? []), lost.toString()];
      writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
      // As after a restart (the settings file is read anew; the other passwords stay in the secret storage).
      await runCommand('Developer: Reload Window');
      await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
      const msg = await notification(/No password is stored/);
      assert.match(msg, /^Cannot open: /);
      assert.match(msg, /use Set Postgres password…/);
      const location = `${role}@${lost.hostname}:${lost.port}${lost.pathname}`;
      assert.equal(msg.split(location).length - 1, 1, `${location} once in: ${msg}`);
      const lines = log().split('\n').filter((l) => l.includes(location));
      assert.equal(lines.filter((l) => /\[error\] Cannot open/.test(l)).length, 1, lines.join('\n'));
      assert.doesNotMatch(log(), /^\s+at /m);
      assert.ok(!log().includes(rolePassword) && !log().includes(password));
      const toast = page.locator('.notifications-toasts .notification-list-item').filter({ hasText: 'No password is stored' }).first();
      await toast.getByRole('button', { name: 'Set Postgres password…' }).click();
      await answer(rolePassword, { password: true });
      for (let i = 0; i < 60 && !log().includes(`Stored the password for`); i++) await page.waitForTimeout(250);
      assert.match(log(), /Stored the password for /);
      assert.ok(!log().includes(rolePassword));
    });
  });
});
