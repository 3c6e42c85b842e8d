// A worker thread that reads one source (plain or gzip file) with a Scanner and posts its batches
// to the main thread, which applies them to its Evaluation (evaluate.ts). Bundled as its own entry
// (dist/evaluator-worker.mjs) next to the CLI bundle.
import { parentPort, workerData } from 'node:worker_threads';
import { readSource } from './input.js';
import type { PipeDrain } from './pipe-drain.js';
import type { InputFormat } from './readers/index.js';
import { SLOT_VALUES, Scanner, type ScanBatch } from './scan.js';

export interface ScanTask {
  path: string;
  format?: InputFormat;
  /** The record ring (scan.ts), shared with the main thread. */
  ring: Float64Array;
  /** Int32 [batches posted and not yet applied by the main thread]. */
  pending: SharedArrayBuffer;
  /** A live source's draining thread, started before this thread (pipe-drain.ts). */
  drain?: PipeDrain;
}

export type ScanMessage = { batch: ScanBatch } | { done: true } | { error: string };

const task = workerData as ScanTask;
const pending = new Int32Array(task.pending);
const post = (msg: ScanMessage) => parentPort!.postMessage(msg);

const slots = task.ring.length / SLOT_VALUES;
const scanner = new Scanner(task.ring, (batch) => {
  Atomics.add(pending, 0, 1);
  post({ batch });
  // The next slot is free once at most slots - 1 batches are pending: wait for the main thread.
  for (let n = Atomics.load(pending, 0); n >= slots; n = Atomics.load(pending, 0)) Atomics.wait(pending, 0, n, 1000);
}, task.format);

readSource(scanner, task.path, task.drain).then(
  () => {
    scanner.flush();
    post({ done: true });
  },
  (err: unknown) => post({ error: err instanceof Error ? err.message : String(err) }),
);
