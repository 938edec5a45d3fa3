import * as vscode from 'vscode';
import { isLaminSyncError } from '../core/errors';

export const OUTPUT_NAME = 'LaminDB Sync';

export function createLog(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel(OUTPUT_NAME, { log: true });
}

/** The message a user should read: the core's actionable text, or the raw error. */
export function errorMessage(e: unknown): string {
  if (isLaminSyncError(e)) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** Logs an error and shows it as a notification with "Show log". */
export async function reportError(log: vscode.LogOutputChannel, what: string, e: unknown): Promise<void> {
  const message = errorMessage(e);
  log.error(`${what}: ${message}`);
  if (!isLaminSyncError(e) && e instanceof Error && e.stack) log.debug(e.stack);
  const choice = await vscode.window.showErrorMessage(`${what}: ${message}`, 'Show log');
  if (choice === 'Show log') log.show(true);
}
