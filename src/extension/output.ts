import * as vscode from 'vscode';
import { isLaminSyncError } from '../core/errors';
import { redactLocation } from '../core/instance/redact';
import { redactingLog } from './redacting-log';

export const OUTPUT_NAME = 'LaminDB Sync';

export function createLog(): vscode.LogOutputChannel {
  return redactingLog(vscode.window.createOutputChannel(OUTPUT_NAME, { log: true }));
}

/** The message a user should read (notifications, the log): the core's actionable text, or the raw error; redacted. */
export function errorMessage(e: unknown): string {
  if (isLaminSyncError(e)) return redactLocation(e.message);
  if (e instanceof Error) return redactLocation(e.message);
  return redactLocation(String(e));
}

/** Logs an error and shows it as a notification with "Show log". */
export async function reportError(log: vscode.LogOutputChannel, what: string, e: unknown): Promise<void> {
  const message = errorMessage(e);
  log.error(`${what}: ${message}`);
  if (!isLaminSyncError(e) && e instanceof Error && e.stack) log.debug(e.stack);
  const choice = await vscode.window.showErrorMessage(`${what}: ${message}`, 'Show log');
  if (choice === 'Show log') log.show(true);
}
