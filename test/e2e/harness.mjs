// Drives a real VS Code (code-server 4.139 on Node 24) in Debian's chromium with playwright-core,
// with the extension installed from its .vsix. See ../../../shared/vscode-e2e.md for the recipe.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { CHROMIUM, CS_ENTRY, NODE24_BIN, ROOT } from './setup.mjs';

export const VSIX = join(ROOT, 'lamin-sync.vsix');

async function freePort() {
  return await new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

/** Packages the extension (`vsce package`) when the .vsix is missing or older than the bundle. */
export function ensureVsix() {
  const bundle = join(ROOT, 'dist', 'extension.js');
  if (existsSync(VSIX) && existsSync(bundle) && statSync(VSIX).mtimeMs >= statSync(bundle).mtimeMs) return VSIX;
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  execFileSync(
    process.execPath,
    [join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'package', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', VSIX],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  return VSIX;
}

/**
 * Installs the .vsix into fresh folders and starts code-server. `settings` go to the user's
 * settings.json; `env` reaches the extension host (LAMIN_SETTINGS_DIR…).
 */
export async function startEditor({ workspace, settings = {}, env = {}, log = () => {}, trust = false }) {
  const base = mkdtempSync(join(tmpdir(), 'lamin-sync-e2e-editor-'));
  const userDir = join(base, 'user');
  const extDir = join(base, 'extensions');
  mkdirSync(join(userDir, 'User'), { recursive: true });
  mkdirSync(extDir, { recursive: true });
  writeFileSync(
    join(userDir, 'User', 'settings.json'),
    JSON.stringify(
      {
        'workbench.startupEditor': 'none',
        'workbench.tips.enabled': false,
        // Workspace Trust off, unless a test is about it (then the workspace opens in Restricted Mode).
        'security.workspace.trust.enabled': trust,
        'security.workspace.trust.startupPrompt': 'never',
        'extensions.autoCheckUpdates': false,
        'extensions.autoUpdate': false,
        'telemetry.telemetryLevel': 'off',
        'window.dialogStyle': 'custom',
        'files.simpleDialog.enable': true,
        ...settings,
      },
      null,
      2,
    ),
  );
  const childEnv = { ...process.env, ...env, PATH: `${join(NODE24_BIN, '..')}:${process.env.PATH}` };
  delete childEnv.NODE_OPTIONS; // tsx's loader must not leak into the editor
  execFileSync(NODE24_BIN, [CS_ENTRY, '--extensions-dir', extDir, '--user-data-dir', userDir, '--install-extension', ensureVsix()], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await freePort();
  const child = spawn(
    NODE24_BIN,
    [CS_ENTRY, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check',
      ...(trust ? [] : ['--disable-workspace-trust']), '--user-data-dir', userDir, '--extensions-dir', extDir, workspace],
    { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: false },
  );
  let output = '';
  child.stdout.on('data', (d) => {
    output += d;
    log(String(d));
  });
  child.stderr.on('data', (d) => {
    output += d;
    log(String(d));
  });
  const url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`;
  const deadline = Date.now() + 60_000;
  while (!/HTTP server listening/.test(output)) {
    if (child.exitCode !== null) throw new Error(`code-server exited (${child.exitCode}):\n${output}`);
    if (Date.now() > deadline) throw new Error(`code-server did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    userDir,
    extDir,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => {
          const t = setTimeout(() => {
            child.kill('SIGKILL');
            r();
          }, 5000);
          child.once('exit', () => {
            clearTimeout(t);
            r();
          });
        });
      }
    },
  };
}

export async function openBrowser(url) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
  return { browser, page };
}

/** The LaminDB Sync log file the editor writes (the output channel's content). */
export function outputLogText(userDir) {
  const files = [];
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('LaminDB Sync.log')) files.push(p);
    }
  };
  if (existsSync(join(userDir, 'logs'))) walk(join(userDir, 'logs'));
  return files.map((f) => readFileSync(f, 'utf8')).join('\n');
}
