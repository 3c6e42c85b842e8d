// A worker thread that reads one source (plain or gzip file, or blocks of a plain one) with a Scanner and hands its batches
// to the main thread, which applies them to its Evaluation (evaluate.ts). Bundled as its own entry
// (dist/evaluator-worker.mjs) next to the CLI bundle.
import { parentPort, workerData } from 'node:worker_threads';
import { readBlocks, readPipeBlocks, readSource } from './input.js';
import type { PipeDrain } from './pipe-drain.js';
import type { InputFormat } from './readers/index.js';
import { Scanner } from './scan.js';
import { BatchPublisher, type BatchChannel } from './batch-channel.js';
import { lowerThreadPriority } from '../lib/thread-priority.js';

export interface ScanTask {
  path: string;
  format?: InputFormat;
  /** The record ring (scan.ts), shared with the main thread. */
  ring: Float64Array;
  /** How batches reach the main thread (batch-channel.ts). */
  channel: BatchChannel;
  /** A live source's draining thread, started before this thread (pipe-drain.ts). */
  drain?: PipeDrain;
  /** A pipe, FIFO or stdin: k6 is writing it now. */
  live?: boolean;
  /** One of several readers of a plain NDJSON file: the blocks it reads (input.ts readBlocks). */
  blocks?: { index: number; count: number; bytes: number };
  /** One of several readers of a live source (needs `drain`): the blocks they cut in turns (input.ts readPipeBlocks). */
  pipeBlocks?: { index: number; count: number; cut: SharedArrayBuffer; copyFd?: number };
}

/**
 * On the worker's port: `wake` when the main thread waits for batches and one is published; `done`
 * with the bytes it parsed of a live source cut in blocks (0 otherwise).
 */
export type ScanMessage = { wake: true } | { done: true; bytes: number } | { error: string; copyCode?: string };

/**
 * Nice levels the reading thread of live input gives way by. When k6 is CPU-bound (its fastest
 * output fills both cores here), parsing at k6's priority takes k6's CPU and, worse, the draining
 * thread then wakes late, the 64 KB pipe fills and k6 buffers samples in its own memory. Nicer by
 * 6, this thread parses in what k6 leaves and the 32 MB ring absorbs the lag (measured, 3 runs
 * each: k6's RSS 147–167 MB vs 145–201 at equal priority, k6 alone 148–156; by 10 or more the
 * parsing fell behind and the ring filled: 419–789 MB). The draining thread and the main thread
 * (timers, live gates) keep their priority.
 */
const LIVE_READER_NICE_STEPS = 6;

const task = workerData as ScanTask;
if (task.live) lowerThreadPriority(LIVE_READER_NICE_STEPS);
const post = (msg: ScanMessage) => parentPort!.postMessage(msg);
const publisher = new BatchPublisher(task.channel, () => post({ wake: true }));
const scanner = new Scanner(task.ring, (batch) => publisher.publish(batch), task.format);

const endBlock = () => scanner.endBlock();
const read: Promise<number | void> = task.blocks
  ? readBlocks(scanner, task.path, task.blocks, endBlock)
  : task.pipeBlocks
    ? readPipeBlocks(scanner, task.path, task.drain!, task.pipeBlocks.cut, task.pipeBlocks, endBlock)
    : readSource(scanner, task.path, task.drain);
read.then(
  (bytes) => {
    scanner.flush();
    post({ done: true, bytes: bytes ?? 0 });
  },
  (err: unknown) => {
    const copy = (err as { copyFailed?: boolean; code?: string } | null)?.copyFailed ? { copyCode: (err as { code?: string }).code ?? 'EIO' } : {};
    post({ error: err instanceof Error ? err.message : String(err), ...copy });
  },
);
