// Test entry (`npm test` -> `node test/run-tests.mjs [file filters...]`).
// Without LAMIN_SYNC_TEST_PG_URL it starts ONE embedded Postgres for the whole run (see
// test/support/embedded-postgres.mjs), passes its URL to the test processes, and always stops it
// and removes its data folder at the end, also on SIGINT/SIGTERM.
// Extra arguments filter the test files: a file path, or a substring of the path
// (e.g. `node test/run-tests.mjs schema` runs test/**/*schema*/**.test.ts).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmbeddedPostgres } from './support/embedded-postgres.mjs';

const ENV = 'LAMIN_SYNC_TEST_PG_URL';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function testFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...testFiles(path));
    else if (entry.name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out.sort();
}

const filters = process.argv.slice(2);
const all = testFiles(join(root, 'test'));
const files = filters.length === 0
  ? all
  : all.filter((file) => filters.some((f) => file === relative(root, resolve(f)) || file.includes(f)));
if (files.length === 0) {
  console.error(`no test files match ${JSON.stringify(filters)}`);
  process.exit(1);
}

let server;
let child;
let exiting = false;
async function shutdown(code) {
  if (exiting) return;
  exiting = true;
  if (settingsDir) rmSync(settingsDir, { recursive: true, force: true });
  try {
    if (server) await server.stop();
  } catch (error) {
    console.error('failed to stop embedded Postgres:', error);
  }
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (child && child.exitCode === null) child.kill(signal);
    void shutdown(signal === 'SIGINT' ? 130 : 143);
  });
}

const env = { ...process.env };
// LaminDB's settings folder: the tests' own (`lamin-sync init` registers instances there), never
// the user's ~/.lamin. Tests that need settings point LAMIN_SETTINGS_DIR at their own folder.
let settingsDir;
if (!env.LAMIN_SETTINGS_DIR) {
  settingsDir = mkdtempSync(join(tmpdir(), 'lamin-sync-settings-'));
  env.LAMIN_SETTINGS_DIR = settingsDir;
}
if (!env[ENV]) {
  try {
    server = await startEmbeddedPostgres();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    await shutdown(1);
  }
  env[ENV] = server.url;
  console.error(`embedded Postgres on port ${server.port} (data: ${server.dataDir})`);
}

child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  cwd: root,
  env,
  stdio: 'inherit',
});
child.on('exit', (code, signal) => {
  void shutdown(code ?? (signal ? 1 : 0));
});
