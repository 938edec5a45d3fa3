// The keybindings package.json contributes: each runs a contributed command, only while the LaminDB
// tree has focus, and none takes a key VS Code binds everywhere.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
  contributes: { commands: Array<{ command: string }>; keybindings?: Array<{ command: string; key: string; mac?: string; when?: string }> };
};

/** Keys VS Code binds with no (or a workbench-wide) when clause, on Windows/Linux and on macOS. */
const WORKBENCH_KEYS = new Set([
  'ctrl+f', 'ctrl+shift+f', 'ctrl+r', 'ctrl+p', 'ctrl+shift+p', 'ctrl+e', 'ctrl+n', 'ctrl+o', 'ctrl+s', 'ctrl+w', 'ctrl+b',
  'ctrl+c', 'ctrl+v', 'ctrl+x', 'ctrl+a', 'ctrl+z', 'ctrl+alt+r', 'ctrl+alt+f', 'ctrl+k', 'f1', 'f2', 'f5', 'shift+f5', 'enter', 'space', 'delete', 'escape',
  'cmd+f', 'cmd+shift+f', 'cmd+r', 'cmd+p', 'cmd+shift+p', 'cmd+e', 'cmd+n', 'cmd+o', 'cmd+s', 'cmd+w', 'cmd+b',
  'cmd+c', 'cmd+v', 'cmd+x', 'cmd+a', 'cmd+z', 'cmd+alt+r', 'cmd+alt+f', 'cmd+alt+s', 'cmd+k', 'cmd+enter', 'cmd+backspace',
]);

describe('contributed keybindings', () => {
  const bindings = pkg.contributes.keybindings ?? [];
  const commands = new Set(pkg.contributes.commands.map((c) => c.command));

  it('sync to default, refresh, filter and find have keys, scoped to the LaminDB tree', () => {
    for (const c of ['laminSync.syncToDefault', 'laminSync.refresh', 'laminSync.filterRecords', 'laminSync.findObject']) {
      assert.ok(bindings.some((b) => b.command === c), `${c} has a keybinding`);
    }
    for (const b of bindings) {
      assert.ok(commands.has(b.command), `${b.command} is a contributed command`);
      assert.match(b.when ?? '', /(^|&& )focusedView == laminSync\.instances( &&|$)/, `${b.command}: when clause scoped to the tree`);
      assert.match(b.when ?? '', /!inputFocus/, `${b.command}: not while typing in the tree's find box`);
    }
  });

  it('no key VS Code binds everywhere, and no key twice', () => {
    const keys = bindings.flatMap((b) => [b.key, b.mac ?? b.key]);
    for (const k of bindings.flatMap((b) => [b.key, b.mac].filter((x): x is string => Boolean(x)))) {
      assert.ok(!WORKBENCH_KEYS.has(k), `${k} is a VS Code default`);
    }
    assert.equal(new Set(bindings.map((b) => b.key)).size, bindings.length, `keys unique: ${keys.join(', ')}`);
    assert.equal(new Set(bindings.map((b) => b.mac ?? b.key)).size, bindings.length, 'mac keys unique');
  });
});
