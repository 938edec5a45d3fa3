// A suite that may be skipped as a whole (no Chromium, no Postgres URL…). node:test does not count
// a skipped `describe` in its summary (`# skipped 0`), so a skipped suite is registered as one
// skipped test carrying the reason: the runner's closing lines then show it (`# skipped 1`).
import { describe, test, type SuiteContext } from 'node:test';

interface SuiteOptions {
  /** why the suite cannot run here; false, null or undefined: it runs */
  skip?: string | false | null | undefined;
  timeout?: number;
}

export function suite(name: string, options: SuiteOptions, fn: (s: SuiteContext) => void | Promise<void>): void {
  const { skip, ...rest } = options;
  if (skip) test(name, { skip });
  else describe(name, rest, fn);
}
