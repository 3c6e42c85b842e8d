import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { openSampleStream } from './k6-stream.js';

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
