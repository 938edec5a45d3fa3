import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { Instance } from '../core/instance/types';

/**
 * better-sqlite3 answers synchronously and kysely chains its statements with promises only, so a
 * long sync would run without ever giving the extension host's event loop a turn: no progress
 * reaches the window and a Cancel click is not even received until the sync is over. This plugin
 * yields to the event loop (setImmediate) after a statement whenever `everyMs` have passed since
 * the last yield: the progress shows, Cancel arrives, and other extensions keep running.
 */
export class YieldPlugin implements KyselyPlugin {
  private last = Date.now();
  constructor(private readonly everyMs = 30) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (Date.now() - this.last >= this.everyMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.last = Date.now();
    }
    return args.result;
  }
}

/** The same instance (same connection, same close) whose statements let the event loop breathe. */
export function responsive(instance: Instance, everyMs?: number): Instance {
  const plugin = new YieldPlugin(everyMs);
  // Snapshot reads and the write session run on their own Kysely: they yield too.
  return {
    ...instance,
    db: instance.db.withPlugin(plugin),
    withSnapshot: (fn) => instance.withSnapshot((db) => fn(db.withPlugin(plugin))),
    withWriteLock: (fn, options) => instance.withWriteLock((s) => fn({ ...s, db: s.db.withPlugin(plugin) }), options),
  };
}

/** One turn of the event loop (lets a progress notification reach the window before work starts). */
export function breathe(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
