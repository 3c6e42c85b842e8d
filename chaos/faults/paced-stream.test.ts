import { describe, expect, it } from 'vitest';
import { bandwidthPace, delayPace, PacedStream, sliceForRate } from './paced-stream.js';

function run(stream: PacedStream, chunks: Buffer[]): Promise<{ data: Buffer; ms: number }> {
  const started = performance.now();
  const out: Buffer[] = [];
  return new Promise((resolve, reject) => {
    stream.on('data', (c: Buffer) => out.push(c));
    stream.on('end', () => resolve({ data: Buffer.concat(out), ms: performance.now() - started }));
    stream.on('error', reject);
    for (const c of chunks) stream.write(c);
    stream.end();
  });
}

describe('PacedStream', () => {
  it('keeps order under jittered delays', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.from([i]));
    let i = 0;
    const { data, ms } = await run(new PacedStream(delayPace(() => (i++ % 2 === 0 ? 60 : 5))), chunks);
    expect([...data]).toEqual(chunks.map((c) => c[0]));
    expect(ms).toBeGreaterThanOrEqual(55);
  });

  it('holds a rate: 40 kB at 100 kB/s takes about 0.4 s, every byte kept', async () => {
    const payload = Buffer.from(Array.from({ length: 40_000 }, (_, i) => i % 251));
    const { data, ms } = await run(new PacedStream(bandwidthPace(100_000), sliceForRate(100_000)), [payload]);
    expect(data.equals(payload)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(380);
    expect(ms).toBeLessThan(1200);
  });

  it('drops a chunk its pace refuses', async () => {
    const { data } = await run(new PacedStream((now, _last, bytes) => (bytes === 2 ? null : now)), [Buffer.from('a'), Buffer.from('bb'), Buffer.from('c')]);
    expect(data.toString()).toBe('ac');
  });
});
