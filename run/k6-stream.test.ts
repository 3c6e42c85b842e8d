// The sample stream's release(): a run whose k6 never started must not wait forever for a writer
// that never comes (the missing-k6 hang: release() raced the reader's open of the FIFO).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSampleStream } from './k6-stream.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-k6-stream-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const within = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms))]);

describe('openSampleStream().release()', () => {
  it('ends the stream at once when released right after opening (no writer ever came)', async () => {
    for (let i = 0; i < 25; i++) {
      const stream = await openSampleStream(join(dir, `s${i}.fifo`), join(dir, `s${i}.ndjson.gz`), () => 0);
      stream.release();
      await expect(within(stream.done, 3000, `stream ${i}`)).resolves.toEqual({ lines: 0, bytes: 0 });
      await stream.remove();
    }
  }, 60_000);

  it('ends the stream when released a moment after opening', async () => {
    const stream = await openSampleStream(join(dir, 'late.fifo'), join(dir, 'late.ndjson.gz'), () => 0);
    await new Promise((r) => setTimeout(r, 200));
    stream.release();
    await expect(within(stream.done, 3000, 'late stream')).resolves.toEqual({ lines: 0, bytes: 0 });
    await stream.remove();
  });
});
