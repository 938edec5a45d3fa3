import { checksForeignKeysAtOnce } from './foreign-keys';
import type { Instance } from '../instance/types';
import { executeSync, type ExecuteOptions } from './execute';
import { assertDifferentInstances, planSync, type PlanOptions, type AnnotationPlanner } from './plan';
import type { Selection, SyncPlan, SyncResult } from './types';

export type SyncOptions = PlanOptions & ExecuteOptions & { annotationPlanner?: AnnotationPlanner };

/**
 * plan → execute: the whole sync of a selection from source into target. The target's write lock
 * is taken first and held across the plan and the write (SQLite `BEGIN IMMEDIATE`, Postgres an
 * advisory lock), so two syncs into one target run one after the other and the second plans
 * what the first wrote: it maps it. The source is read as one snapshot.
 */
export async function sync(
  source: Instance,
  target: Instance,
  selection: Selection,
  options: SyncOptions = {},
): Promise<{ plan: SyncPlan; result: SyncResult }> {
  assertDifferentInstances(source, target);
  const done = await target.withWriteLock(
    async (session) => {
      // SQLite: one connection, now inside the transaction; the planner reads the target through it.
      const locked: Instance = target.dialect === 'sqlite' ? { ...target, db: session.db } : target;
      const plan = await planSync(source, locked, selection, options);
      const result = await executeSync(source, locked, plan, { ...options, session });
      return { plan, result, executedAt: Date.now() };
    },
    {
      foreignKeysOff: checksForeignKeysAtOnce(target),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onWait ? { onWait: options.onWait } : {}),
    },
  );
  // The COMMIT runs when the lock's transaction ends, after executeSync: it belongs to the commit
  // phase (on Postgres it is where Django's deferred foreign-key checks run).
  const { plan, result, executedAt } = done;
  const commitMs = Date.now() - executedAt;
  result.phases.commitMs += commitMs;
  result.durationMs += commitMs;
  return { plan, result };
}
