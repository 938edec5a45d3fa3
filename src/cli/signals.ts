// Ctrl-C and SIGTERM during a command: the command's AbortSignal fires, the sync rolls back
// (between batches, or before the commit), and the CLI prints "cancelled: nothing written" and
// exits 130 (SIGINT) or 143 (SIGTERM). A second signal, or a signal while the connections close
// (nothing left to cancel), exits at once (the database rolls back what was not committed by itself).
import { testPause } from '../core/test-hooks';

let received: NodeJS.Signals | null = null;
let closingNow = 0;

/** The signal that cancelled the command, if one came. */
export function receivedSignal(): NodeJS.Signals | null {
  return received;
}

export function exitCodeFor(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}

/** Runs `fn` with an AbortSignal that SIGINT and SIGTERM fire. */
export async function cancellable<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (received || closingNow > 0) process.exit(exitCodeFor(received ?? signal));
    received = signal;
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Runs `close` (an instance's connections) so that a signal meanwhile ends the process at once. */
export async function closing(close: () => Promise<void>): Promise<void> {
  closingNow++;
  try {
    // Test hook: only when asked for by name (a close pause would slow every paused test).
    if (process.env.LAMIN_SYNC_TEST_PAUSE_AT?.split(',').includes('close')) await testPause('close');
    await close();
  } finally {
    closingNow--;
  }
}
