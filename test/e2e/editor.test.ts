// The extension in a real VS Code (code-server + chromium), installed from its .vsix.
// Skips, saying why, when the browser is missing or LAMIN_SYNC_E2E=0. `npm run test:e2e` runs
// only this file; `npm test` includes it. Screenshots go to test-output/screenshots/ (docs/screenshots/
// with LAMIN_SYNC_README_SCREENSHOTS=1, for the README, from a clean run).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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
      },
      env: { LAMIN_SETTINGS_DIR: fx.settingsDir },
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
    const entry = page.getByRole('menuitem', { name: item, exact: true });
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
    assert.ok(texts.some((t) => t.includes('anonymous/test-sync') && t.includes('default target')), texts.join('\n'));
    assert.ok(texts.some((t) => t.includes('laminlabs/lamindata') && t.includes('sqlite')), texts.join('\n'));
  });

  test('registries with counts and records newest first', async () => {
    await row('laminlabs/lamindata').click();
    await row(/^Artifact/).waitFor();
    const texts = await rowTexts();
    const ulabels = count(fx.sourceDb, 'SELECT count(*) AS n FROM lamindb_ulabel');
    assert.ok(texts.some((t) => /^Artifact\s*1$/.test(t.trim())), texts.join('\n'));
    assert.ok(texts.some((t) => new RegExp(`^ULabel\\s*${ulabels}$`).test(t.trim())), texts.join('\n'));
    await row(/^Artifact/).click();
    await row(fx.artifactKey).waitFor();
    await row(fx.artifactKey).hover();
    await page.waitForTimeout(1200);
    await page.screenshot({ path: join(shots, 'tree.png') });
  });

  test('right-click Sync to default writes the target and logs the report', async () => {
    assert.equal(count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_artifact WHERE uid = ?', fx.artifactUid), 0);
    await contextMenu(fx.artifactKey, 'Sync to default');
    const msg = await notification(/Synced Artifact/);
    assert.match(msg, /to anonymous\/test-sync: \d+ transferred/);
    assert.equal(count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_artifact WHERE uid = ?', fx.artifactUid), 1);
    assert.equal(count(fx.targetDb, "SELECT count(*) AS n FROM lamindb_transform WHERE uid = 'LaminSyncVSC0000'"), 1);
    assert.equal(count(fx.targetDb, "SELECT count(*) AS n FROM lamindb_transform WHERE key = '__lamindb_transfer__/4XIuR0tvaiXM'"), 1);
    assert.equal(count(fx.targetDb, "SELECT count(*) AS n FROM lamindb_run WHERE _status_code = 0 AND finished_at IS NOT NULL"), 2);
    // The target's tree refreshed and reveals the synced artifact under the target.
    await page.waitForTimeout(1000);
    const texts = await rowTexts();
    assert.ok(texts.filter((t) => t.includes(fx.artifactKey)).length >= 2, texts.join('\n'));
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
    await contextMenu(fx.artifactKey, 'Sync to default');
    await notification(/nothing to transfer/);
    assert.equal(count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_artifact'), artifacts);
    assert.match(log(), /→ mapped: Artifact\(uid='9K1dteZ6Qx0EXK8g0000'\)/);
    assert.match(log(), /→ nothing to transfer: the target already holds everything \(nothing written\)/);
  });

  test('Sync to default with annotations brings features, labels and schemas', async () => {
    await clearNotifications();
    const features = count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_feature');
    await contextMenu(fx.artifactKey, 'Sync to default with annotations');
    const msg = await notification(/Synced Artifact .* with annotations|Synced Artifact|failed/);
    assert.match(msg, /Synced Artifact 9K1dteZ6Qx0EXK8g0000 to anonymous\/test-sync: \d+ transferred/);
    assert.ok(count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_feature') > features);
    assert.ok(count(fx.targetDb, 'SELECT count(*) AS n FROM lamindb_schema') > 0);
    assert.match(log(), /Sync laminlabs\/lamindata → anonymous\/test-sync: Artifact 9K1dteZ6Qx0EXK8g0000 with annotations/);
  });

  test('Show lineage opens the panel for the synced artifact: transfer run, initiating run, origin instance', async () => {
    await clearNotifications();
    await collapseAll('anonymous/test-sync');
    await (await rowUnder('anonymous/test-sync', 'Artifact')).click();
    await page.waitForTimeout(500);
    await contextMenu(fx.artifactKey, 'Show lineage', 'anonymous/test-sync');
    // Webviews are nested iframes: the panel's page is the inner frame.
    const panel = page.frameLocator('iframe.webview').first().frameLocator('iframe').first();
    await panel.locator('svg.graph g.node').first().waitFor({ state: 'visible', timeout: 30_000 });
    const kinds = await panel.locator('svg.graph g.node').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    for (const kind of ['artifact', 'run', 'transform', 'instance']) assert.ok(kinds.includes(kind), `${kind} in ${kinds.join(',')}`);
    const uids = await panel.locator('svg.graph g.node').evaluateAll((els) => els.map((e) => e.getAttribute('data-uid')));
    assert.ok(uids.includes(fx.artifactUid));
    assert.ok(uids.includes('4XIuR0tvaiXM'), `origin instance uid in ${uids.join(',')}`);
    assert.ok(uids.includes('4XIuR0tvaiXM0000'), 'the transfer transform');
    await page.screenshot({ path: join(shots, 'lineage-panel.png') });
    await runCommand('View: Close All Editors');
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
    await row(fx.artifactKey).waitFor({ timeout: 15_000 });
    await contextMenu(fx.artifactKey, 'Describe');
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
    await notification(/Synced Transform NJvdsWWbJlZS0000 to anonymous\/test-sync: 1 transferred/);
    assert.equal(count(fx.targetDb, "SELECT count(*) AS n FROM lamindb_transform WHERE uid = 'NJvdsWWbJlZS0000'"), 1);
    await runCommand('View: Close All Editors');
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
    await contextMenu(fx.artifactKey, 'Copy uid');
    assert.equal(await clipboard(fx.artifactUid), fx.artifactUid);

    await contextMenu(fx.artifactKey, 'Reveal storage path');
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
    });

    test('a wrong password gives the clear error and stores nothing', async () => {
      await clearNotifications();
      await runCommand('LaminDB: Add Postgres instance…');
      await answer(noPassword);
      await answer('not-the-password', { password: true });
      const msg = await notification(/Cannot add the Postgres instance/);
      assert.match(msg, /Postgres refused the credentials/);
      assert.match(msg, /Check the user name and password/);
      assert.doesNotMatch(msg + log(), /not-the-password/);
      assert.ok(!(await rowTexts()).some((t) => t.includes(dbName) || t.includes('pg-e2e')));
    });

    test('the right password adds it; Sync to… writes the Postgres target', async () => {
      await clearNotifications();
      await runCommand('LaminDB: Add Postgres instance…');
      await answer(noPassword);
      await answer(password, { password: true });
      await notification(/Added LaminDB instance/);
      await collapseAll();
      // The row shows the instance's slug once the extension has opened it.
      await row(/anonymous\/pg-e2e/).waitFor({ timeout: 30_000 });
      assert.ok((await rowTexts()).some((t) => t.includes('anonymous/pg-e2e') && t.includes('postgres')));
      assert.doesNotMatch(log(), new RegExp(password));
      await row('laminlabs/lamindata').click();
      await row(/^Artifact/).waitFor();
      await (await rowUnder('laminlabs/lamindata', /^Artifact/)).click();
      await contextMenu(fx.artifactKey, 'Sync to…');
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
  });
});
