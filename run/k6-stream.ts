// k6 writes its samples into a FIFO; this end reads them live into the evaluation and keeps a
// gzip-compressed copy (the `chaos-load-summaries` artifact). A multi-hour soak needs no
// multi-GB temporary file: the FIFO holds at most a pipe buffer.
import { execFile } from 'node:child_process';
import { createWriteStream, openSync, closeSync, constants, fstatSync, writeSync } from 'node:fs';
import { lstat, rm } from 'node:fs/promises';
import { UsageError } from '../lib/errors.js';
import { writeError } from '../lib/atomic-write.js';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { createGzip, gzipSync } from 'node:zlib';
import { forEachText, pipeChunks } from '../evaluator/input.js';
import { startPipeDrain, type PipeDrain } from '../evaluator/pipe-drain.js';
import { evaluateThreads } from '../evaluator/config.js';
import { canReadLiveInWorkers, readLiveInWorkers } from '../evaluator/evaluate.js';
import type { Evaluation } from '../evaluator/evaluation.js';
import { join } from 'node:path';
import { LiveTap } from './progress.js';

const execFileAsync = promisify(execFile);

export interface SampleStream {
  fifoPath: string;
  /** Resolves when k6 closed its end and every line was handed over; the gzip copy is flushed. */
  done: Promise<{ lines: number; bytes: number }>;
  /** Unblocks a reader whose writer never came (k6 failed before opening its output). */
  release(): void;
  remove(): Promise<void>;
}

export async function openSampleStream(
  fifoPath: string,
  gzipPath: string,
  /** Complete lines text[start, end) starting with line firstLineNo; returns how many lines it held. */
  onText: (text: string, start: number, end: number, firstLineNo: number) => number,
): Promise<SampleStream> {
  await makeFifo(fifoPath);
  let opened = false;
  let releasing = false;
  const onOpened: Array<() => void> = [];
  // A draining thread empties the FIFO into an 8 MB ring as fast as k6 writes (evaluator/input.ts):
  // pauses of this thread (GC, reports, chaos steps) never hold k6's writer up, so k6 never
  // buffers samples in its own memory.
  const source = pipeChunks(
    fifoPath,
    () => {},
    () => {
      opened = true;
      for (const f of onOpened.splice(0)) f();
    },
  );
  const gzip = createGzip({ level: 6 });
  const gzFile = createWriteStream(gzipPath);
  gzip.pipe(gzFile);
  // A failed write of the copy (disk full, ulimit -f) ends the stream with a plain error; the
  // promise is handled at once so that it is never an unhandled rejection before `done` awaits it.
  const gzFlushed = new Promise<void>((resolve, reject) => {
    gzFile.once('finish', () => resolve());
    gzFile.once('error', (err) => reject(writeError(gzipPath, err)));
  });
  gzFlushed.catch(() => {});
  // Reading pulls: a slow evaluation slows the FIFO, and k6 waits, rather than memory growing.
  async function* teeToGzip(): AsyncIterable<Buffer> {
    for await (const chunk of source) {
      // A stalled file (its write failed) never drains: the failure ends the wait instead.
      if (!gzip.write(chunk)) await Promise.race([once(gzip, 'drain'), gzFlushed]);
      yield chunk;
    }
  }
  let count = 0;
  const done = (async () => {
    const bytes = await forEachText(teeToGzip(), (text, start, end, firstLineNo) => {
      const n = onText(text, start, end, firstLineNo);
      count = firstLineNo + n - 1;
      return n;
    });
    gzip.end();
    await gzFlushed;
    return { lines: count, bytes };
  })();
  // Whoever awaits `done` sees a failure; until then it is not an unhandled rejection (a write
  // error can end the stream before the run awaits it).
  done.catch(() => {});
  return {
    fifoPath,
    done,
    release() {
      if (opened || releasing) return;
      // Our own write end (O_RDWR never blocks on a FIFO) lets the reader's pending open complete
      // even if it has not reached the kernel yet; closing it once the reader is open gives the
      // reader its EOF. A writer-only open could miss a reader not yet waiting (ENXIO) and leave it
      // blocked forever: the hang when k6 never started.
      releasing = true;
      const fd = ownWriteEnd(fifoPath);
      if (fd === undefined) return;
      const close = () => closeSync(fd);
      if (opened) close();
      else onOpened.push(close);
    },
    remove: () => removeFifo(fifoPath),
  };
}

/** Never deletes what is not a FIFO (a user's file of that name): mkfifo then fails, said clearly. */
async function makeFifo(fifoPath: string): Promise<void> {
  const existing = await lstat(fifoPath).catch(() => undefined);
  if (existing?.isFIFO()) await rm(fifoPath, { force: true });
  else if (existing) throw new UsageError(`${fifoPath} exists and is not a FIFO chaosgate made: refused (it is not deleted; choose another --out-dir)`);
  await execFileAsync('mkfifo', ['-m', '600', fifoPath]);
}

/** Our own write end of the FIFO (O_RDWR never blocks on a FIFO); undefined when the FIFO is gone (nothing can be blocked on it). */
function ownWriteEnd(fifoPath: string): number | undefined {
  try {
    return openSync(fifoPath, constants.O_RDWR | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
}

/** Only the FIFO it made: whatever replaced it meanwhile stays. */
async function removeFifo(fifoPath: string): Promise<void> {
  if ((await lstat(fifoPath).catch(() => undefined))?.isFIFO()) await rm(fifoPath, { force: true });
}

/**
 * Like openSampleStream, but `read` (the evaluator's reading threads, evaluate.ts
 * readLiveInWorkers) parses the samples straight from the FIFO's draining thread and writes the
 * gzip copy to the file descriptor it is given; this thread only records. `read` resolves with
 * the lines and bytes it read.
 */
export async function openThreadedSampleStream(
  fifoPath: string,
  gzipPath: string,
  read: (drain: PipeDrain, copyFd: number) => Promise<{ lines: number; bytes: number }>,
): Promise<SampleStream> {
  await makeFifo(fifoPath);
  let fd: number;
  try {
    fd = openSync(gzipPath, 'w', 0o644);
  } catch (err) {
    throw writeError(gzipPath, err as Error);
  }
  const { drain, stop } = startPipeDrain(fifoPath);
  const opened = () => Atomics.load(new Int32Array(drain.ctl), 2) === 1;
  const done = (async () => {
    try {
      const got = await read(drain, fd);
      // No sample at all (k6 never wrote): still a valid, empty gzip file, as openSampleStream leaves.
      if (fstatSync(fd).size === 0) writeSync(fd, gzipSync(''));
      return got;
    } catch (err) {
      // The copy could not be written (a full disk, ulimit -f): said as openSampleStream says it.
      if ((err as { copyFailed?: boolean }).copyFailed || (err as NodeJS.ErrnoException).syscall === 'write') throw writeError(gzipPath, err);
      throw err;
    } finally {
      closeSync(fd);
      stop();
    }
  })();
  done.catch(() => {});
  let releasing = false;
  return {
    fifoPath,
    done,
    release() {
      if (releasing || opened()) return;
      // As openSampleStream's release: our own write end lets the draining thread's open complete;
      // closed once it is open, it gives the drain its EOF.
      releasing = true;
      const writeEnd = ownWriteEnd(fifoPath);
      if (writeEnd === undefined) return;
      const timer = setInterval(() => {
        if (!opened()) return;
        clearInterval(timer);
        closeSync(writeEnd);
      }, 10);
    },
    remove: () => removeFifo(fifoPath),
  };
}

/**
 * Threads from which `run` parses k6's stream on reading threads. On 2 cores (HTTP load, 2.6 M
 * points, three alternated pairs) one reading thread instead of the main thread took 12–16 % less
 * wall and ~15 % less CPU, let k6 run 12–20 % faster, for +12–19 MB peak RSS.
 */
export const RUN_READERS_MIN_THREADS = 2;

/**
 * k6's samples (k6.fifo in `outDir`, copied to k6.ndjson.gz) into `ev` and the progress line's
 * `tap`: parsed by the evaluator's reading threads from RUN_READERS_MIN_THREADS threads on (this
 * thread then only records; the report's config.threads says how many), else on this thread.
 */
export async function openK6Stream(outDir: string, ev: Evaluation, tap: LiveTap): Promise<SampleStream> {
  const open = threadedStreams(ev, tap, 1);
  const fifo = join(outDir, 'k6.fifo');
  const copy = join(outDir, 'k6.ndjson.gz');
  if (open) return open(fifo, copy, 'k6');
  return openSampleStream(fifo, copy, (text, start, end, firstLineNo) => {
    tap.text(text, start, end);
    return ev.ingestText(text, start, end, 'k6', firstLineNo);
  });
}

/**
 * How `streams` k6 streams (shards) each get reading threads: the threads but the main one shared
 * among them (at most 4 each); null below RUN_READERS_MIN_THREADS, with fewer threads than one per
 * stream beside the main one, or from source.
 */
export function threadedStreams(ev: Evaluation, tap: LiveTap, streams: number): ((fifo: string, copy: string, source: string) => Promise<SampleStream>) | null {
  const threads = evaluateThreads(ev.config);
  // Every stream needs a reading thread of its own within the threads allowed.
  if (threads < RUN_READERS_MIN_THREADS || threads - 1 < streams || !canReadLiveInWorkers(threads)) return null;
  const readers = Math.min(4, Math.floor((threads - 1) / streams));
  ev.readsInputsAtOnce = streams > 1;
  ev.watch(LiveTap.METRICS, (metric, time, value) => tap.point(metric, time, value));
  return (fifo, copy, source) =>
    openThreadedSampleStream(fifo, copy, async (drain, copyFd) => {
      await readLiveInWorkers(ev, fifo, { name: source, readers, drain, copyFd });
      const summary = ev.inputSummaries().find((s) => s.source === source);
      return { lines: summary?.lines ?? 0, bytes: summary?.bytes ?? 0 };
    });
}
