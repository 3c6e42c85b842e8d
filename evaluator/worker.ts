// A worker thread that reads one source (plain or gzip file, or blocks of a plain one) with a Scanner and hands its batches
// to the main thread, which applies them to its Evaluation (evaluate.ts). Bundled as its own entry
// (dist/evaluator-worker.mjs) next to the CLI bundle.
import { parentPort, workerData } from 'node:worker_threads';
import { readBlocks, readSource } from './input.js';
import type { PipeDrain } from './pipe-drain.js';
import type { InputFormat } from './readers/index.js';
import { Scanner } from './scan.js';
import { BatchPublisher, type BatchChannel } from './batch-channel.js';

export interface ScanTask {
  path: string;
  format?: InputFormat;
  /** The record ring (scan.ts), shared with the main thread. */
  ring: Float64Array;
  /** How batches reach the main thread (batch-channel.ts). */
  channel: BatchChannel;
  /** A live source's draining thread, started before this thread (pipe-drain.ts). */
  drain?: PipeDrain;
  /** One of several readers of a plain NDJSON file: the blocks it reads (input.ts readBlocks). */
  blocks?: { index: number; count: number; bytes: number };
}

/** On the worker's port: `wake` when the main thread waits for batches and one is published. */
export type ScanMessage = { wake: true } | { done: true } | { error: string };

const task = workerData as ScanTask;
const post = (msg: ScanMessage) => parentPort!.postMessage(msg);
const publisher = new BatchPublisher(task.channel, () => post({ wake: true }));
const scanner = new Scanner(task.ring, (batch) => publisher.publish(batch), task.format);

const read = task.blocks ? readBlocks(scanner, task.path, task.blocks, () => scanner.endBlock()) : readSource(scanner, task.path, task.drain);
read.then(
  () => {
    scanner.flush();
    post({ done: true });
  },
  (err: unknown) => post({ error: err instanceof Error ? err.message : String(err) }),
);
