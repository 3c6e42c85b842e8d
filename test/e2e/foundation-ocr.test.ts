// The ocr scenario by the real k6: uploads and OCR jobs at a constant rate, GPU memory sampled as
// a percentage; with the "new PDF renderer" flag on, OCR takes 1.5x as long (the target obeys it).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSectionSchema } from '../../load/config.js';
import { runK6 } from '../../load/k6-runner.js';
import { buildScenarioConfig } from '../../load/scenario-config.js';
import { credentialsEnv } from '../../target/credentials.js';
import { p95, percentile, readPoints, startStack, type Point, type Stack } from './foundation-support.js';
import { waitFor } from '../support/wait.js';

let stack: Stack;

async function ocrRun(name: string): Promise<{ exitCode: number | null; points: Point[] }> {
  const config = buildScenarioConfig(loadSectionSchema.parse({ ocr: { rate: 5, duration: '4s' }, sampleIntervalMs: 250 }), { baseUrl: stack.target.baseUrl });
  const k6 = await runK6({ scenario: 'ocr', config, outDir: `${stack.dir}/${name}`, redisUrl: stack.redis.url, env: credentialsEnv(stack.credentials), stdio: 'ignore' });
  const { exitCode } = await k6.done;
  return { exitCode, points: await readPoints(k6.paths.ndjson) };
}

const ocrDurations = (points: Point[]) => points.filter((p) => p.metric === 'http_req_duration' && p.tags.name === 'POST /api/v1/ocr/process').map((p) => p.value);

let plain: Awaited<ReturnType<typeof ocrRun>>;
let flagged: Awaited<ReturnType<typeof ocrRun>>;

beforeAll(async () => {
  stack = await startStack({ ocrProcessingMs: 100, gpuSlots: 3, embeddingMs: 5 });
  plain = await ocrRun('plain');
  const redis = new Redis(stack.redis.url);
  await redis.set('feature:new-pdf-renderer', 'true');
  // The target re-reads its toggles every 250 ms: wait until an OCR job says it used the new renderer.
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(1000)], { type: 'application/pdf' }), 'probe.pdf');
  const uploaded = (await (await fetch(`${stack.target.baseUrl}/api/v1/documents/`, { method: 'POST', body: form })).json()) as { document_id: string };
  await waitFor(
    async () => {
      const res = await fetch(`${stack.target.baseUrl}/api/v1/ocr/process`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ document_id: uploaded.document_id }),
      });
      await res.arrayBuffer();
      return res.headers.get('x-pdf-renderer') === 'new-pdf-renderer';
    },
    { what: 'the target to use the new PDF renderer' },
  );
  flagged = await ocrRun('flagged');
  await redis.quit();
}, 90_000);

afterAll(() => stack?.stop());

describe('ocr scenario (real k6)', () => {
  it('uploads and processes at the configured rate and samples GPU memory in percent', () => {
    expect(plain.exitCode).toBe(0);
    const uploads = plain.points.filter((p) => p.metric === 'http_reqs' && p.tags.name === 'POST /api/v1/documents/');
    expect(uploads.length).toBeGreaterThanOrEqual(18); // 5/s for 4 s
    expect(uploads.length).toBeLessThanOrEqual(22);
    expect(ocrDurations(plain.points).length).toBe(uploads.length);
    expect(plain.points.filter((p) => p.metric === 'http_req_failed' && p.value !== 0)).toEqual([]);
    const gpu = plain.points.filter((p) => p.metric === 'gpu_memory_used_percent').map((p) => p.value);
    expect(gpu.length).toBeGreaterThanOrEqual(8);
    // 2 GiB idle of 16 = 12.5 %; each of up to 3 running jobs adds 4 GiB = 25 %.
    for (const v of gpu) expect([12.5, 37.5, 62.5, 87.5]).toContain(v);
  });

  it('takes measurably longer with the new-pdf-renderer feature flag on', () => {
    const before = p95(ocrDurations(plain.points));
    const after = p95(ocrDurations(flagged.points));
    expect(before).toBeGreaterThanOrEqual(100);
    expect(after).toBeGreaterThanOrEqual(150);
    // The ratio on the medians: a few requests slowed by a loaded machine move a p95 of 20, not a median.
    const [medianBefore, medianAfter] = [percentile(ocrDurations(plain.points), 0.5), percentile(ocrDurations(flagged.points), 0.5)];
    expect(medianAfter / medianBefore, `median ${medianBefore} -> ${medianAfter} ms`).toBeGreaterThan(1.3);
  });
});
