import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createPipeCut, readPipeBlocks } from '../evaluator/input.js';
import { openSampleStream, openThreadedSampleStream } from './k6-stream.js';

const dir = mkdtempSync(join(tmpdir(), 'chaosgate-k6-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('k6 sample stream (FIFO)', () => {
  it('hands on every line in order with exact counts and keeps an identical gzip copy', async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `{"metric":"m","type":"Point","data":{"time":"2026-11-29T00:00:00Z","value":${i},"tags":null}}`);
    const data = join(dir, 'in.ndjson');
    writeFileSync(data, lines.join('\n') + '\n');
    const seen: string[] = [];
    const stream = await openSampleStream(join(dir, 'k6.fifo'), join(dir, 'copy.ndjson.gz'), (text, start, end) => {
      const part = text
        .slice(start, end)
        .split('\n')
        .filter((l) => l !== '');
      seen.push(...part);
      return part.length;
    });
    spawn('sh', ['-c', `cat ${data} > ${stream.fifoPath}`], { stdio: 'ignore' });
    const done = await stream.done;
    expect(done.lines).toBe(lines.length);
    expect(done.bytes).toBe(readFileSync(data).length);
    expect(seen.length === lines.length && seen.every((line, i) => line === lines[i])).toBe(true);
    expect(gunzipSync(readFileSync(join(dir, 'copy.ndjson.gz'))).equals(readFileSync(data))).toBe(true);
    await stream.remove();
  });

  it('ends when release() is called and no writer ever came', async () => {
    const stream = await openSampleStream(join(dir, 'never.fifo'), join(dir, 'never.ndjson.gz'), () => 0);
    setTimeout(() => stream.release(), 100);
    const done = await Promise.race([stream.done, new Promise((resolve) => setTimeout(() => resolve('hung'), 10_000))]);
    expect(done).toEqual({ lines: 0, bytes: 0 });
    await stream.remove();
  });
});

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms))]);

// The missing-k6 hang: release() raced the reader's open of the FIFO.
describe('openSampleStream().release() races', () => {
  it('ends the stream at once when released right after opening (no writer ever came)', async () => {
    for (let i = 0; i < 25; i++) {
      const stream = await openSampleStream(join(dir, `s${i}.fifo`), join(dir, `s${i}.ndjson.gz`), () => 0);
      stream.release();
      await expect(within(stream.done, 3000, `stream ${i}`)).resolves.toEqual({ lines: 0, bytes: 0 });
      await stream.remove();
    }
  }, 60_000);
});

// The stream read by the evaluator's reading threads (run on the bundled CLI; here one reader on
// this thread, which has every turn and blocks it while it waits: started once the writer is).
describe('openThreadedSampleStream', () => {
  const readOne = (fifo: string, seen: string[]) => async (drain: Parameters<typeof readPipeBlocks>[2], copyFd: number) => {
    await new Promise(setImmediate);
    let lines = 0;
    const target = {
      describeSource: () => {},
      ingestText: (text: string, start: number, end: number) => {
        const part = text
          .slice(start, end)
          .split('\n')
          .filter((l) => l !== '');
        seen.push(...part);
        lines += part.length;
        return part.length;
      },
    };
    const bytes = await readPipeBlocks(target, fifo, drain, createPipeCut(), { index: 0, count: 1, copyFd }, () => {});
    return { lines, bytes };
  };

  it('hands on every line in order and keeps a gzip copy (a member per block) that inflates to the input', async () => {
    const lines = Array.from({ length: 50_000 }, (_, i) => `{"metric":"m","type":"Point","data":{"time":"2026-11-29T00:00:00Z","value":${i},"tags":null}}`);
    const data = join(dir, 'threaded.ndjson');
    writeFileSync(data, lines.join('\n') + '\n');
    const fifo = join(dir, 'threaded.fifo');
    const seen: string[] = [];
    const stream = await openThreadedSampleStream(fifo, join(dir, 'threaded.ndjson.gz'), readOne(fifo, seen));
    spawn('sh', ['-c', `cat ${data} > ${fifo}`], { stdio: 'ignore' });
    const done = await within(stream.done, 20_000, 'threaded stream');
    expect(done).toEqual({ lines: lines.length, bytes: readFileSync(data).length });
    expect(seen.length === lines.length && seen.every((line, i) => line === lines[i])).toBe(true);
    expect(gunzipSync(readFileSync(join(dir, 'threaded.ndjson.gz'))).equals(readFileSync(data))).toBe(true);
    await stream.remove();
  });

  it('ends when release() is called and no writer ever came, leaving an empty but valid gzip copy', async () => {
    for (let i = 0; i < 5; i++) {
      const fifo = join(dir, `tnever${i}.fifo`);
      // A reader that waits without blocking this thread (release() closes its write end from a timer).
      const waitForEnd = async (drain: Parameters<typeof readPipeBlocks>[2]) => {
        while (Atomics.load(new Int32Array(drain.ctl), 1) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        return { lines: 0, bytes: Atomics.load(new Int32Array(drain.ctl), 0) };
      };
      const stream = await openThreadedSampleStream(fifo, join(dir, `tnever${i}.ndjson.gz`), waitForEnd);
      if (i % 2 === 0) stream.release();
      else setTimeout(() => stream.release(), 100);
      await expect(within(stream.done, 5000, `stream ${i}`)).resolves.toEqual({ lines: 0, bytes: 0 });
      expect(gunzipSync(readFileSync(join(dir, `tnever${i}.ndjson.gz`))).length).toBe(0);
      await stream.remove();
    }
  }, 60_000);
});
