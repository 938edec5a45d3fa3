// What a sync says about the target's write lock, the same on both dialects (SQLite's BEGIN
// IMMEDIATE, Postgres' advisory lock), as the README documents it.
import { LaminSyncError } from '../errors';

/** Told once (stderr, the extension's log) when the sync starts waiting for the lock. */
export function lockWaitMessage(where: string, limitMs: number): string {
  return `${where} is locked by another process; waiting up to ${Math.round(limitMs / 1000)} s for it to finish (LAMIN_SYNC_LOCK_TIMEOUT sets the seconds)`;
}

/** The lock still held after the wait (`waitedMs`, when known). */
export function lockedError(where: string, waitedMs: number | undefined, cause?: unknown): LaminSyncError {
  const waited = waitedMs ? ` (waited ${Math.round(waitedMs / 1000)} s)` : '';
  return new LaminSyncError(
    'LOCKED',
    `${where} is locked by another process${waited}; retry when it finishes. Nothing was written.`,
    cause === undefined ? undefined : { cause },
  );
}
