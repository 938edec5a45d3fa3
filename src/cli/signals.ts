// Ctrl-C and SIGTERM during a command: the command's AbortSignal fires, the sync rolls back
// (between batches, or before the commit), and the CLI prints "cancelled: nothing written" and
// exits 130 (SIGINT) or 143 (SIGTERM). A second signal exits at once (the database rolls back
// what was not committed by itself).
let received: NodeJS.Signals | null = null;

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
    if (received) process.exit(exitCodeFor(received));
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
