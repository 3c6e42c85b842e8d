// k6 writes its samples into a FIFO; this end reads them live into the evaluation and keeps a
// gzip-compressed copy (the `chaos-load-summaries` artifact). A multi-hour soak needs no
// multi-GB temporary file: the FIFO holds at most a pipe buffer.
import { execFile } from 'node:child_process';
import { createWriteStream, openSync, closeSync, constants } from 'node:fs';
import { lstat, rm } from 'node:fs/promises';
import { UsageError } from '../lib/errors.js';
import { writeError } from '../lib/atomic-write.js';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { createGzip } from 'node:zlib';
import { forEachText, pipeChunks } from '../evaluator/input.js';

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
  // Never deletes what is not a FIFO (a user's file of that name): mkfifo then fails, said clearly.
  const existing = await lstat(fifoPath).catch(() => undefined);
  if (existing?.isFIFO()) await rm(fifoPath, { force: true });
  else if (existing) throw new UsageError(`${fifoPath} exists and is not a FIFO chaosgate made: refused (it is not deleted; choose another --out-dir)`);
  await execFileAsync('mkfifo', ['-m', '600', fifoPath]);
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
      let fd: number;
      try {
        fd = openSync(fifoPath, constants.O_RDWR | constants.O_NONBLOCK);
      } catch {
        return; // the FIFO is gone: nothing can be blocked on it
      }
      const close = () => closeSync(fd);
      if (opened) close();
      else onOpened.push(close);
    },
    // Only the FIFO it made: whatever replaced it meanwhile stays.
    remove: async () => {
      if ((await lstat(fifoPath).catch(() => undefined))?.isFIFO()) await rm(fifoPath, { force: true });
    },
  };
}
