// `npm run test:e2e`: builds, then runs only the real-editor tests through the main test entry
// (which starts an embedded Postgres unless LAMIN_SYNC_TEST_PG_URL is set).
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './setup.mjs';

execFileSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
const r = spawnSync(process.execPath, [join(ROOT, 'test', 'run-tests.mjs'), 'test/e2e/', ...process.argv.slice(2)], { cwd: ROOT, stdio: 'inherit' });
process.exit(r.status ?? 1);
