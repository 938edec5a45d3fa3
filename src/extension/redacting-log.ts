import type * as vscode from 'vscode';
import { redactLocation } from '../core/instance/redact';

const WRITERS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'append', 'appendLine', 'replace']);

function redactArg(a: unknown): unknown {
  if (typeof a === 'string') return redactLocation(a);
  if (a instanceof Error) {
    const copy = new Error(redactLocation(a.message));
    copy.name = a.name;
    if (a.stack) copy.stack = redactLocation(a.stack);
    return copy;
  }
  return a;
}

/**
 * The output channel as the extension writes to it: every line (and an Error's message and stack)
 * passes the one redaction first, so no password reaches the log, whoever logs. Imports only
 * vscode's types, so it is testable outside the editor.
 */
export function redactingLog(channel: vscode.LogOutputChannel): vscode.LogOutputChannel {
  return new Proxy(channel, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (typeof prop === 'string' && WRITERS.has(prop)) {
        return (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args.map(redactArg));
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}
