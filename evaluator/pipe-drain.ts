// The draining thread of a pipe, FIFO or stdin (input.ts reads its ring with pipeChunks). Kept in a
// module of its own, with no imports beyond Node's, so the CLI's entry (cli/launch.ts) can start it
// for `evaluate -` before it loads the commands: a pipe holds 64 KB, and k6 buffers every sample
// its writer could not hand on while the evaluator was still starting (~1 s on a loaded machine).
import { Worker } from 'node:worker_threads';

/**
 * Bytes of the ring a draining thread fills from a pipe: 8 MB, ~0.4 s of k6's fastest output here
 * (~20 MB/s, written as 2 MB bursts every 100 ms). A pipe holds 64 KB, 3 ms of that output: any
 * consumer that parses between its reads makes k6's writer wait whenever it is late, and k6 then
 * buffers samples in its own memory (k6 RSS 74 → 190–240 MB with a parsing reader in measurements).
 */
export const PIPE_RING = 8 << 20;
/**
 * The ring of a drain started before the evaluation (startEarlyDrain): its reader comes 0.3–1.5 s
 * later on this loaded 2-core machine (loading the commands, the reading thread's start), 6–30 MB
 * of k6's fastest output. Pages fill as the ring is used, so it costs RSS only as far as it filled.
 */
export const EARLY_PIPE_RING = 32 << 20;

/**
 * The draining thread (plain CommonJS, run with `eval`: no bundle entry). It does nothing but
 * blocking reads into the shared ring, like `cat`: its CPU bursts are tiny, so it is scheduled the
 * moment the writer fills the pipe. ctl: [0] bytes in the ring, [1] 0 running / 1 end / 2 error,
 * [2] 1 once the source is open, [3] bytes of the error's JSON ({ message, code }) in `error`.
 */
const DRAIN_THREAD = `
const { openSync, readSync } = require('node:fs');
const { workerData } = require('node:worker_threads');
const { path, ring, ctl: ctlBuffer, error } = workerData;
const ctl = new Int32Array(ctlBuffer);
const bytes = new Uint8Array(ring);
const size = bytes.length;
const nap = new Int32Array(new SharedArrayBuffer(4));
function finish(state) { Atomics.store(ctl, 1, state); Atomics.notify(ctl, 0); }
try {
  let fd;
  try { fd = openSync(path === '-' ? '/dev/stdin' : path, 'r'); }
  catch (err) { if (path !== '-') throw err; fd = 0; }
  Atomics.store(ctl, 2, 1); // open: a FIFO now has a writer (see pipeChunks' onOpen)
  Atomics.notify(ctl, 0);
  let w = 0;
  for (;;) {
    const filled = Atomics.load(ctl, 0);
    if (filled === size) { Atomics.wait(ctl, 0, filled, 1000); continue; }
    let got;
    try { got = readSync(fd, bytes, w, Math.min(size - filled, size - w), null); }
    catch (err) { if (err.code !== 'EAGAIN') throw err; Atomics.wait(nap, 0, 0, 2); continue; }
    if (got === 0) break;
    w = (w + got) % size;
    Atomics.add(ctl, 0, got);
    Atomics.notify(ctl, 0);
  }
  finish(1);
} catch (err) {
  const text = new TextEncoder().encode(JSON.stringify({ message: String(err.message).slice(0, 400), code: err.code }));
  const room = new Uint8Array(error);
  room.set(text.subarray(0, room.length));
  Atomics.store(ctl, 3, Math.min(text.length, room.length));
  finish(2);
}
`;

/**
 * A running draining thread's shared parts: shared memory only, so they cross to a reading thread
 * as they are, also once the draining thread has ended (a short input ends before its reader starts).
 */
export interface PipeDrain {
  ring: SharedArrayBuffer;
  /** Int32 [bytes in the ring, 0 reading / 1 ended / 2 failed, 1 once the source is open, error bytes]. */
  ctl: SharedArrayBuffer;
  /** The error's JSON ({ message, code }) when the thread failed. */
  error: SharedArrayBuffer;
}

/** The error a failed draining thread left (state 2 in ctl). */
export function drainError(drain: PipeDrain): Error {
  const length = Atomics.load(new Int32Array(drain.ctl), 3);
  let parsed: { message?: string; code?: string } = {};
  try {
    parsed = JSON.parse(new TextDecoder().decode(new Uint8Array(drain.error).slice(0, length))) as typeof parsed;
  } catch {
    // A message cut at the buffer's end: the generic one below.
  }
  return Object.assign(new Error(parsed.message ?? 'the draining thread failed'), { code: parsed.code });
}

/** Starts draining `path` ("-": stdin); `stop` ends the thread (a drain whose reader quit early). */
export function startPipeDrain(path: string, ringBytes = PIPE_RING): { drain: PipeDrain; stop: () => void } {
  const ring = new SharedArrayBuffer(ringBytes);
  const ctl = new SharedArrayBuffer(16);
  const error = new SharedArrayBuffer(1024);
  const worker = new Worker(DRAIN_THREAD, { eval: true, workerData: { path, ring, ctl, error } });
  worker.unref();
  return { drain: { ring, ctl, error }, stop: () => void worker.terminate() };
}

const EARLY = Symbol.for('chaosgate.earlyPipeDrain');
type Early = { path: string; drain: PipeDrain };

/** Starts draining `path` now, for the first reader of it in this process to take (takeEarlyDrain). */
export function startEarlyDrain(path: string): void {
  (globalThis as { [EARLY]?: Early })[EARLY] = { path, drain: startPipeDrain(path, EARLY_PIPE_RING).drain };
}

/** The drain startEarlyDrain started for `path`, once (later readers of it start their own). */
export function takeEarlyDrain(path: string): PipeDrain | undefined {
  const g = globalThis as { [EARLY]?: Early };
  const early = g[EARLY];
  if (early?.path !== path) return undefined;
  delete g[EARLY];
  return early.drain;
}

/** Whether a command line (process.argv without node and script) is `evaluate` reading stdin. */
export function readsStdinEarly(args: string[]): boolean {
  return args[0] === 'evaluate' && args.includes('-');
}
