// The ocr scenario by the real k6: uploads and OCR jobs at a constant rate, GPU memory sampled as
// a percentage; with the "new PDF renderer" flag on, OCR takes 1.5x as long (the target obeys it).
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSectionSchema } from '../../load/config.js';
import { runK6 } from '../../load/k6-runner.js';
import { buildScenarioConfig } from '../../load/scenario-config.js';
import { credentialsEnv } from '../../target/credentials.js';
import { p95, readPoints, startStack, type Point, type Stack } from './foundation-support.js';

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
  await new Promise((r) => setTimeout(r, 400)); // the target re-reads toggles every 250 ms
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
    expect(after / before).toBeGreaterThan(1.3);
  });
});
