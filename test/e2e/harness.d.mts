import type { Browser, Page } from 'playwright-core';
export const VSIX: string;
export function ensureVsix(): string;
export interface Editor {
  url: string;
  userDir: string;
  extDir: string;
  output(): string;
  stop(): Promise<void>;
}
export function startEditor(options: {
  workspace: string;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  log?: (line: string) => void;
  /** Workspace Trust on: the workspace opens untrusted (Restricted Mode). */
  trust?: boolean;
}): Promise<Editor>;
export function openBrowser(url: string): Promise<{ browser: Browser; page: Page }>;
export function outputLogText(userDir: string): string;
