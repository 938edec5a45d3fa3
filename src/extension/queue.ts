/**
 * One queue per key: a task waits for the tasks queued before it on the same key, whether they
 * succeed or fail; tasks on other keys run at once. (Two syncs into one target never interleave.)
 * No vscode here, so it is tested on plain Node.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Queues `task` on `key`; `waiting` says whether it had to wait for another. */
  run<T>(key: string, task: () => Promise<T>): { waiting: boolean; result: Promise<T> } {
    const before = this.tails.get(key);
    const result = (before ?? Promise.resolve()).then(task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return { waiting: before !== undefined, result };
  }

  /** Keys with a task running or waiting. */
  get busyKeys(): string[] {
    return [...this.tails.keys()];
  }
}
