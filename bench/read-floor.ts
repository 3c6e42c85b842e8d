// The floor under any JavaScript reader of this pipeline: what reading a k6 NDJSON file costs in
// Node before any parsing, on threads reading interleaved 8 MB blocks as the evaluator's readers
// do. The evaluator benchmark's child runs it (modes `read-floor` and `lines-floor`) beside the
// evaluator and DuckDB on the same file. Stages, each including the one before:
//   read    readSync into one reused buffer (the kernel's copy out of the page cache);
//   lines   + the ASCII check and latin1 decoding the evaluator does before its fast path, and
//           every line end found in the decoded text (one indexOf per line).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { isAscii } from 'node:buffer';
import { Worker } from 'node:worker_threads';

export type FloorStage = 'read' | 'lines';

export interface FloorTask {
  path: string;
  stage: FloorStage;
  index: number;
  count: number;
}

const BLOCK = 8 << 20;
const CHUNK = 1 << 20;

/** One thread's share: blocks index, index + count, …; returns the line ends it saw (0 for `read`). */
export function readShare({ path, stage, index, count }: FloorTask): number {
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(CHUNK);
  let lines = 0;
  try {
    for (let block = index; block * BLOCK < size; block += count) {
      const end = Math.min(size, (block + 1) * BLOCK);
      for (let pos = block * BLOCK; pos < end;) {
        const got = readSync(fd, buffer, 0, Math.min(CHUNK, end - pos), pos);
        if (got === 0) break;
        pos += got;
        if (stage === 'read') continue;
        const bytes = buffer.subarray(0, got);
        if (!isAscii(bytes)) throw new Error(`${path}: not ASCII near byte ${pos}`);
        const text = bytes.toString('latin1');
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) lines++;
      }
    }
  } finally {
    closeSync(fd);
  }
  return lines;
}

/** Runs `stage` on `threads` worker threads of `script` (a bundle that calls readShare on workerData when not the main thread). */
export async function readFloor(script: string, path: string, stage: FloorStage, threads = 2): Promise<number> {
  const counts = await Promise.all(
    Array.from(
      { length: threads },
      (_, index) =>
        new Promise<number>((resolve, reject) => {
          const w = new Worker(script, { workerData: { path, stage, index, count: threads } satisfies FloorTask });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  return counts.reduce((a, b) => a + b, 0);
}
