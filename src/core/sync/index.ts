import type { Instance } from '../instance/types';
import { executeSync, type ExecuteOptions } from './execute';
import { planSync, type PlanOptions, type AnnotationPlanner } from './plan';
import type { Selection, SyncPlan, SyncResult } from './types';

export type SyncOptions = PlanOptions & ExecuteOptions & { annotationPlanner?: AnnotationPlanner };

/** plan → execute: the whole sync of a selection from source into target. */
export async function sync(
  source: Instance,
  target: Instance,
  selection: Selection,
  options: SyncOptions = {},
): Promise<{ plan: SyncPlan; result: SyncResult }> {
  const plan = await planSync(source, target, selection, options);
  const result = await executeSync(source, target, plan, options);
  return { plan, result };
}
