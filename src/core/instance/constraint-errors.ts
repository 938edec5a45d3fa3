// What a written row that breaks the target's schema is told, the same on both dialects: SQLite's
// statements (sqlite-errors.ts) and the sync's write path (Postgres' integrity errors, which its
// connection leaves to the engine) build their lines here.
import { LaminSyncError } from '../errors';

/** A row of this sync has no value (NULL) in `column`, which the target (`location`) requires. */
export function nullValueError(column: string | undefined, location: string, cause: unknown): LaminSyncError {
  return new LaminSyncError(
    'INVALID_DATA',
    `Nothing was written: a row of this sync has no value (NULL) in ${column ?? 'a column'}, which ${location} requires. ` +
      'The source row breaks LaminDB’s schema: give it a value in the source (or leave it out) and sync again.',
    { cause },
  );
}

/** A row of this sync fails the target's CHECK `check` (on Postgres LaminDB's `is_valid_<model>_type` ones). */
export function checkViolationError(check: string | undefined, location: string, cause: unknown): LaminSyncError {
  return new LaminSyncError(
    'INVALID_DATA',
    `Nothing was written: a row of this sync breaks the check ${check ? `${check} ` : ''}of ${location}. Fix the source row and sync again.`,
    { cause },
  );
}
