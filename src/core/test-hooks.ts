// Test hooks, off unless their environment variable is set. Harmless: they only wait.

/** `LAMIN_SYNC_TEST_PAUSE_MS`, or 0 when unset. */
export function testPauseMs(): number {
  const ms = Number(process.env.LAMIN_SYNC_TEST_PAUSE_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}

/**
 * With `LAMIN_SYNC_TEST_PAUSE_MS` set (tests only), pauses that long at a point of a sync
 * (`stage`: `plan` between source reads, `batch` before each written batch, `commit` before the
 * commit, `commit-sent` while a Postgres COMMIT is in flight; `close`, only when listed, as the CLI closes an instance) after writing `[test-pause STAGE]`
 * to stderr (only at the stages listed in `LAMIN_SYNC_TEST_PAUSE_AT`, when set), so that a fault test can kill or signal the CLI, or change the source, right there.
 * A SQLite target also gets a tiny page cache then, so that written pages reach the file before
 * the commit as in a large sync (a kill then leaves a hot journal, as a kill inside the commit does).
 */
export async function testPause(stage: string): Promise<void> {
  const ms = testPauseMs();
  if (ms === 0) return;
  // `LAMIN_SYNC_TEST_PAUSE_AT=commit,plan` pauses at those stages only (all when unset).
  const at = process.env.LAMIN_SYNC_TEST_PAUSE_AT;
  if (at && !at.split(',').includes(stage)) return;
  process.stderr.write(`[test-pause ${stage}]\n`);
  await new Promise((r) => setTimeout(r, ms));
}
