// Syncs into one target are serialized: the queue the extension runs them through.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedQueue } from '../../src/extension/queue';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('KeyedQueue', () => {
  it('runs tasks on one key one after the other, even when one fails; other keys at once', async () => {
    const q = new KeyedQueue();
    const events: string[] = [];
    const task = (name: string, ms: number, fail = false) => async () => {
      events.push(`start ${name}`);
      await tick(ms);
      events.push(`end ${name}`);
      if (fail) throw new Error(`${name} failed`);
      return name;
    };
    const a = q.run('target-1', task('a', 30, true));
    const b = q.run('target-1', task('b', 5));
    const c = q.run('target-2', task('c', 5));
    assert.equal(a.waiting, false);
    assert.equal(b.waiting, true);
    assert.equal(c.waiting, false);
    await assert.rejects(a.result, /a failed/);
    assert.equal(await b.result, 'b');
    assert.equal(await c.result, 'c');
    // b started only after a ended; c did not wait for a.
    assert.ok(events.indexOf('start b') > events.indexOf('end a'), events.join(', '));
    assert.ok(events.indexOf('start c') < events.indexOf('end a'), events.join(', '));
    await tick(0);
    assert.deepEqual(q.busyKeys, []);
  });
});
