// The extension's output channel redacts what it is given: the seam below every log line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type * as vscode from 'vscode';
import { redactingLog } from '../../src/extension/redacting-log';

describe('redactingLog', () => {
  it('writes every line, and an Error\'s message and stack, without the password', () => {
    const written: unknown[][] = [];
    const channel = {
      name: 'LaminDB Sync',
      info: (...a: unknown[]) => written.push(['info', ...a]),
      warn: (...a: unknown[]) => written.push(['warn', ...a]),
      error: (...a: unknown[]) => written.push(['error', ...a]),
      debug: (...a: unknown[]) => written.push(['debug', ...a]),
      appendLine: (...a: unknown[]) => written.push(['appendLine', ...a]),
      show: () => written.push(['show']),
    } as unknown as vscode.LogOutputChannel;
    const log = redactingLog(channel);
    log.info('source: postgresql://u@h/db?password=SEC (postgres, read-only)');
    log.warn('Cannot open postgresql://:SEC@h:bad/db: Invalid URL');
    log.error(new Error('connect to postgresql://u:SEC@h/db failed'));
    log.appendLine('password=SEC');
    log.show(true);
    assert.equal(log.name, 'LaminDB Sync');
    const text = written.map((w) => w.map((x) => (x instanceof Error ? `${x.message}\n${x.stack}` : String(x))).join(' ')).join('\n');
    assert.ok(!text.includes('SEC'), text);
    assert.match(text, /info source: postgresql:\/\/u@h\/db\?password=\*\*\* \(postgres, read-only\)/);
    assert.match(text, /^show$/m);
  });
});
