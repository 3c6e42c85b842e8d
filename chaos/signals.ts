// SIGINT/SIGTERM roll every fault and toggle back before the process goes. Never process.exit:
// by default the signal is raised again once rollback is done, so the process ends as it would
// have; a caller (the CLI, the run orchestrator) may instead take over with `afterRollback`.
export interface Clearable {
  clearAll(): Promise<void>;
}

export interface RollbackOnSignalsOptions {
  afterRollback?: (signal: NodeJS.Signals, error?: unknown) => void;
  log?: (line: string) => void;
}

/** Installs the handlers; returns a disposer that removes them. */
export function rollbackOnSignals(session: Clearable, opts: RollbackOnSignalsOptions = {}): () => void {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let rollingBack = false;
  const dispose = () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
  const reraise = (signal: NodeJS.Signals) => {
    dispose();
    process.kill(process.pid, signal);
  };
  function handler(signal: NodeJS.Signals): void {
    if (rollingBack) {
      // A second signal does not wait: the journal still lets the next start undo what is left.
      log(`chaosgate: ${signal} again, stopping without waiting for rollback (the journal keeps the rest)`);
      reraise(signal);
      return;
    }
    rollingBack = true;
    log(`chaosgate: ${signal}: rolling back chaos`);
    session.clearAll().then(
      () => (opts.afterRollback ? opts.afterRollback(signal) : reraise(signal)),
      (err: unknown) => {
        log(`chaosgate: rollback incomplete: ${(err as Error).message}`);
        if (opts.afterRollback) opts.afterRollback(signal, err);
        else reraise(signal);
      },
    );
  }
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return dispose;
}
