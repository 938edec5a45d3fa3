import { LaminSyncError } from '../errors';
import type { AnnotationPlanner } from './plan';

/** Adds features, schemas, labels and their links to a plan (`transfer="annotations"`). */
export const annotationPlanner: AnnotationPlanner = async () => {
  throw new LaminSyncError('UNSUPPORTED', 'Sync with annotations is not yet available; sync without --annotations.');
};
