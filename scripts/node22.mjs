// Runs a script on Node ≥ 22 (better-sqlite3 13 crashes on older Node):
//   node scripts/node22.mjs SCRIPT [ARGS…]
// With the current Node ≥ 22 the script runs on it. Otherwise on Node 22 from the npm registry
// (`npm pack node-<platform>-<arch>@22`), fetched once into .cache/node22 (where .ci/run puts it
// too). `node scripts/node22.mjs --fetch` only fetches (npm install's postinstall does that).
// Written for any Node ≥ 18, since it is what runs on the old one.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MIN_MAJOR = 22;
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = join(ROOT, '.cache', 'node22');

export function major(version) {
  return Number(String(version).replace(/^v/, '').split('.')[0]);
}

/** The cached Node's executable (it may not exist yet). */
export function cachedNode(cache = CACHE) {
  return process.platform === 'win32' ? join(cache, 'package', 'node.exe') : join(cache, 'package', 'bin', 'node');
}

function versionOf(node) {
  const r = spawnSync(node, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** npm as the caller ran it (`npm run` sets npm_execpath), else the one on PATH. */
function npmCommand() {
  const cli = process.env.npm_execpath;
  if (cli && /\.[cm]?js$/.test(cli)) return [process.execPath, [cli]];
  return [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
}

/**
 * Fetches Node 22 into `cache` (unpacked in a temporary folder, then renamed into place, so an
 * interrupted fetch leaves nothing half-made). Returns the executable, or throws one clear line.
 */
export function fetchNode(cache = CACHE) {
  const node = cachedNode(cache);
  if (existsSync(node) && major(versionOf(node)) >= MIN_MAJOR) return node;
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const pkg = `node-${platform}-${process.arch}@${MIN_MAJOR}`;
  const tmp = join(cache, `.fetch-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const [npm, npmArgs] = npmCommand();
    const packed = spawnSync(npm, [...npmArgs, 'pack', '--silent', pkg], { cwd: tmp, encoding: 'utf8' });
    const tgz = existsSync(tmp) ? readdirSync(tmp).find((f) => f.endsWith('.tgz')) : undefined;
    if (packed.status !== 0 || !tgz) {
      const why = (packed.stderr || packed.error?.message || '').trim().split('\n').filter(Boolean).pop() ?? 'no package';
      throw new Error(`could not fetch ${pkg} from the npm registry (${why})`);
    }
    const untar = spawnSync('tar', ['xzf', tgz], { cwd: tmp, encoding: 'utf8' });
    if (untar.status !== 0) throw new Error(`could not unpack ${tgz} (${(untar.stderr || untar.error?.message || '').trim()})`);
    if (!existsSync(cachedNode(tmp)) || major(versionOf(cachedNode(tmp))) < MIN_MAJOR) {
      throw new Error(`${pkg} holds no runnable Node ${MIN_MAJOR} for ${process.platform}-${process.arch}`);
    }
    rmSync(join(cache, 'package'), { recursive: true, force: true });
    renameSync(join(tmp, 'package'), join(cache, 'package'));
    return node;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The Node to run the project's scripts with: this one if ≥ 22, else the cached (fetched) one. */
export function pickNode(cache = CACHE) {
  if (major(process.versions.node) >= MIN_MAJOR) return process.execPath;
  return fetchNode(cache);
}

function fail(message) {
  console.error(`lamin-sync: ${message}`);
  process.exit(1);
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const [script, ...args] = process.argv.slice(2);
  if (!script) fail('usage: node scripts/node22.mjs SCRIPT [ARGS…] | --fetch');
  const here = `Node ${process.version} is older than ${MIN_MAJOR}, which lamin-sync needs (better-sqlite3 crashes on it)`;
  if (script === '--fetch') {
    // npm install's postinstall: one line either way, never a failed install.
    if (major(process.versions.node) >= MIN_MAJOR) process.exit(0);
    try {
      const node = fetchNode();
      console.log(`lamin-sync: ${here}; npm run demo and npm test run on Node ${versionOf(node)} from .cache/node22.`);
    } catch (e) {
      console.log(`lamin-sync: ${here} and ${e.message}: install Node ${MIN_MAJOR} or newer (https://nodejs.org), then npm install again.`);
    }
    process.exit(0);
  }
  let node;
  try {
    node = pickNode();
  } catch (e) {
    fail(`${here} and ${e.message}: install Node ${MIN_MAJOR} or newer (https://nodejs.org).`);
  }
  // The script's own children (`node …`, process.execPath) get the same Node.
  const env = { ...process.env, PATH: `${dirname(node)}${process.platform === 'win32' ? ';' : ':'}${process.env.PATH ?? ''}` };
  const child = spawn(node, [script, ...args], { stdio: 'inherit', env });
  // Ctrl-C reaches the whole process group, the child too: this one just waits for its exit.
  // A SIGTERM sent to this process alone is passed on.
  const signals = { SIGINT: () => {}, SIGTERM: () => child.kill('SIGTERM') };
  for (const [signal, handler] of Object.entries(signals)) process.on(signal, handler);
  child.on('error', (e) => fail(`could not start ${node}: ${e.message}`));
  child.on('exit', (code, signal) => {
    if (!signal) process.exit(code ?? 1);
    for (const s of Object.keys(signals)) process.removeAllListeners(s);
    process.kill(process.pid, signal);
  });
}
