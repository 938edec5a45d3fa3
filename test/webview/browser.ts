// Headless Chromium for the webview tests: Debian's `chromium` driven by playwright-core.
import { existsSync } from 'node:fs';
import { build } from 'esbuild';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';

export const CHROMIUM_ENV = 'LAMIN_SYNC_CHROMIUM';

export function chromiumPath(): string | null {
  const candidates = [process.env[CHROMIUM_ENV], '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter((c): c is string => Boolean(c));
  return candidates.find((c) => existsSync(c)) ?? null;
}

/** Why the browser tests cannot run here, or undefined. */
export function browserSkipReason(): string | undefined {
  return chromiumPath()
    ? undefined
    : `no Chromium at /usr/bin/chromium (install Debian's \`chromium\` package, or set ${CHROMIUM_ENV}): browser tests skipped`;
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: chromiumPath()!,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--headless',
    ],
  });
}

/** The webview bundle, built the way scripts/build.mjs builds dist/webview/lineage.js. */
export async function buildLineageBundle(): Promise<string> {
  const r = await build({
    entryPoints: ['webview/lineage/main.ts'],
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    write: false,
    logLevel: 'warning',
  });
  return r.outputFiles[0]!.text;
}

/** Collects console errors, page errors, and CSP violations (reported by the page itself). */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error' || /Content Security Policy/i.test(m.text())) problems.push(`console.${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e: Error) => problems.push(`pageerror: ${e.message}`));
  return problems;
}

/** Installed before any page script: records CSP violations into window.__csp. */
export const CSP_LISTENER = `
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || ''));
  });
`;
