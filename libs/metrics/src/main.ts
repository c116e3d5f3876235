/**
 * The lifecycle every app shares: run `main`, turn SIGINT/SIGTERM into one graceful `stop` (a second
 * signal exits at once), and print a fatal error as one actionable line instead of a stack dump.
 * Set DEBUG_STACK=1 to see the stack.
 */
export function runMain(main: (signal: AbortSignal) => Promise<void>): void {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(130);
    process.stderr.write(`${sig}: stopping (again to exit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  main(controller.signal).then(
    () => process.exit(0),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      process.stderr.write(`error: ${e.name === 'Error' ? '' : `${e.name}: `}${e.message.split('\n')[0]}\n`);
      if (process.env.DEBUG_STACK) process.stderr.write(`${e.stack}\n`);
      process.exit(exitCodeOf(e));
    },
  );
}

/** 2 for configuration and connectivity problems the user can fix, 1 for everything else. */
function exitCodeOf(e: Error): number {
  return /^(ConfigError|BrokerUnavailableError|RegistryUnavailableError|TopicMismatchError|SchemaIncompatibleError|.*ConfigError)$/.test(e.name) ? 2 : 1;
}

/** Resolves when `signal` (runMain's) aborts: SIGINT or SIGTERM, including one that came already. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
