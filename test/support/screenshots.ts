import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Where tests put their screenshots: `test-output/screenshots/` (ignored). The README's tracked
 * `docs/screenshots/` are written only on purpose, from a clean run with LAMIN_SYNC_README_SCREENSHOTS=1.
 */
export function screenshotDir(): string {
  const root = resolve(__dirname, '..', '..');
  const dir = process.env.LAMIN_SYNC_README_SCREENSHOTS === '1' ? join(root, 'docs', 'screenshots') : join(root, 'test-output', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}
