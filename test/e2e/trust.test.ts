// Workspace Trust in a real VS Code: a workspace that lists instances in its settings opens in
// Restricted Mode, and the extension does not open those instances (package.json declares them
// `restrictedConfigurations`) but says so in the tree. Its own editor session, with trust on.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { makeFixtures, type Fixtures } from './fixtures';
import * as harness from './harness.mjs';
import { ensureEditor, skipReason } from './setup.mjs';
import { suite } from '../support/suite';

const skip = skipReason();

suite('Workspace Trust in a real editor', { skip, timeout: 10 * 60_000 }, () => {
  let dir: string;
  let fx: Fixtures;
  let editor: harness.Editor;
  let browser: Browser;
  let page: Page;

  before(async () => {
    ensureEditor();
    harness.ensureVsix();
    dir = mkdtempSync(join(tmpdir(), 'lamin-sync-trust-'));
    fx = await makeFixtures(dir, 10);
    // The workspace's own settings name the target instance; the source comes from LaminDB's settings.
    const ws = join(dir, 'workspace');
    mkdirSync(join(ws, '.vscode'), { recursive: true });
    writeFileSync(join(ws, '.vscode', 'settings.json'), JSON.stringify({ 'laminSync.instances': [fx.targetRoot] }, null, 2));
    editor = await harness.startEditor({ workspace: ws, trust: true, env: { LAMIN_SETTINGS_DIR: fx.settingsDir } });
    ({ browser, page } = await harness.openBrowser(editor.url));
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await editor?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('an untrusted workspace: its instances stay closed and the tree says why; LaminDB settings still open', async () => {
    await page.locator('.activitybar [aria-label^="LaminDB"]').first().click();
    const rows = page.locator('#workbench\\.parts\\.sidebar .monaco-list-row');
    await rows.filter({ hasText: 'laminlabs/lamindata' }).first().waitFor({ timeout: 60_000 });
    await rows.filter({ hasText: 'Restricted Mode' }).first().waitFor({ timeout: 30_000 });
    const texts = (await rows.allTextContents()).map((t) => t.replace(/\u00a0/g, ' '));
    assert.ok(texts.some((t) => t.includes('Restricted Mode: instances in the workspace settings are not opened')), texts.join('\n'));
    assert.ok(!texts.some((t) => t.includes('anonymous/test-sync')), texts.join('\n'));
    // Nothing in the log opened the target either.
    assert.ok(!harness.outputLogText(editor.userDir).includes(fx.targetRoot));
  });

  test('trusting the folder (from the hint) opens the workspace instances', async () => {
    const rows = page.locator('#workbench\\.parts\\.sidebar .monaco-list-row');
    // The hint runs Manage Workspace Trust. A click that lands while the tree re-renders is
    // dropped, and an instance row's hover can cover the hint (both seen on a loaded machine):
    // move the hover away and click again until the Workspace Trust editor shows.
    const trustEditor = page.getByText('You are in Restricted Mode').first();
    for (let attempt = 0; ; attempt++) {
      await page.mouse.move(700, 450);
      await page.keyboard.press('Escape');
      await rows.filter({ hasText: 'Restricted Mode' }).first().click({ timeout: 5_000 }).catch(() => undefined);
      const shown = await trustEditor.waitFor({ timeout: 10_000 }).then(() => true, () => false);
      if (shown) break;
      assert.ok(attempt < 4, 'the Workspace Trust editor did not open from the hint');
    }
    // Its (visible) Trust button trusts the folder.
    await page.locator(':is(a, button):visible', { hasText: /^Trust$/ }).first().click({ timeout: 30_000 });
    await rows.filter({ hasText: 'anonymous/test-sync' }).first().waitFor({ timeout: 30_000 });
    const texts = (await rows.allTextContents()).map((t) => t.replace(/\u00a0/g, ' '));
    assert.ok(!texts.some((t) => t.includes('Restricted Mode')), texts.join('\n'));
    assert.ok(texts.some((t) => t.includes('laminlabs/lamindata')), texts.join('\n'));
  });
});
