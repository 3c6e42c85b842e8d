// The ingestion worker as its own process (`chaosgate target worker`): writes its PID file so
// chaos can SIGSTOP/SIGCONT/SIGKILL it, runs until SIGINT/SIGTERM, removes the PID file on a
// clean exit (after SIGKILL the stale file names a dead PID, which the next start replaces).
import { readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { UsageError } from '../lib/errors.js';
import { pidAlive } from '../lib/proc.js';
import { startWorker, type WorkerOptions } from './worker.js';

/** Refuses a PID file that names another live process: two workers must not share one. */
async function checkPidFile(path: string): Promise<void> {
  const previous = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
  if (Number.isInteger(previous) && previous > 0 && previous !== process.pid && pidAlive(previous)) {
    throw new UsageError(`--pid-file ${path}: process ${previous} is still running with it`);
  }
}

export interface WorkerProcessOptions extends Omit<WorkerOptions, 'toggles'> {
  pidFile: string;
  /** Called once the worker pops from the queue (e.g. to print a line). */
  onReady?: () => void;
}

/** Runs until SIGINT or SIGTERM, then stops cleanly; resolves with the signal that ended it. */
export async function runWorkerProcess(opts: WorkerProcessOptions): Promise<NodeJS.Signals> {
  const pidFile = resolve(opts.pidFile);
  await checkPidFile(pidFile);
  // Signals are caught before the PID file exists: whoever reads the file may signal at once.
  let onSignal: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((done) => (onSignal = done));
  const handler = (signal: NodeJS.Signals) => onSignal(signal);
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  try {
    const worker = await startWorker(opts);
    // The PID file doubles as "ready": it is written once the worker pops from the queue.
    await writeFileAtomic(pidFile, `${process.pid}\n`);
    opts.onReady?.();
    const signal = await stopped;
    await worker.stop();
    return signal;
  } finally {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
    await rm(pidFile, { force: true });
  }
}
