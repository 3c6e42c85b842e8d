// A 16 s spike by the real k6 against the reference target: under the peak (6x the baseline
// rate, above what 2 GPU slots of 120 ms serve) OCR jobs queue for a slot, so OCR p95 in the
// peak window rises well above the baseline window's - computed here from k6's NDJSON points.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSectionSchema } from '../../load/config.js';
import { runK6 } from '../../load/k6-runner.js';
import { buildScenarioConfig } from '../../load/scenario-config.js';
import { credentialsEnv } from '../../target/credentials.js';
import { p95, readPoints, startStack, type Point, type Stack } from './foundation-support.js';

// 4/s baseline for 5 s, 1 s ramp, 24/s for 6 s, 1 s down, 3 s recovery. 2 slots x 120 ms serve
// about 16 jobs/s: the peak outruns them by ~8/s, so the slot queue grows for 6 s.
const spike = { baselineRate: 4, multiplier: 6, baselineDuration: '5s', rampDuration: '1s', peakDuration: '6s', recoveryDuration: '3s' };

let stack: Stack;
let points: Point[];
let exitCode: number | null;

beforeAll(async () => {
  stack = await startStack({ ocrProcessingMs: 120, gpuSlots: 2, embeddingMs: 5 });
  const config = buildScenarioConfig(loadSectionSchema.parse({ spike, sampleIntervalMs: 500 }), { baseUrl: stack.target.baseUrl });
  const k6 = await runK6({ scenario: 'spike', config, outDir: stack.dir, redisUrl: stack.redis.url, env: credentialsEnv(stack.credentials), stdio: 'ignore' });
  ({ exitCode } = await k6.done);
  points = await readPoints(k6.paths.ndjson);
}, 90_000);

afterAll(() => stack?.stop());

describe('spike scenario (real k6)', () => {
  it('runs to the end with points for every group it drives and both gauges', () => {
    expect(exitCode).toBe(0);
    const groups = new Set(points.filter((p) => p.metric === 'http_reqs').map((p) => p.tags.group));
    expect(groups).toEqual(new Set(['web', 'ocr', 'gpu', 'ingestion']));
    expect(points.filter((p) => p.metric === 'queue_depth').length).toBeGreaterThanOrEqual(10);
    const gpu = points.filter((p) => p.metric === 'gpu_memory_used_percent').map((p) => p.value);
    expect(gpu.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...gpu)).toBe(62.5); // both slots busy under the peak: 2 + 2 x 4 GiB of 16
  });

  it('raises OCR p95 in the peak window measurably above the baseline window', () => {
    const ocr = points.filter((p) => p.metric === 'http_req_duration' && p.tags.name === 'POST /api/v1/ocr/process');
    const start = Math.min(...points.filter((p) => p.tags.scenario === 'spike').map((p) => p.time));
    const window = (from: number, to: number) => ocr.filter((p) => p.time >= start + from * 1000 && p.time < start + to * 1000).map((p) => p.value);
    const baseline = window(0, 5);
    const peak = window(6, 12);
    expect(baseline.length).toBeGreaterThanOrEqual(12);
    expect(peak.length).toBeGreaterThanOrEqual(60);
    const [baseP95, peakP95] = [p95(baseline), p95(peak)];
    console.log(`OCR p95 baseline ${baseP95.toFixed(0)} ms (n=${baseline.length}), peak ${peakP95.toFixed(0)} ms (n=${peak.length})`);
    expect(peakP95).toBeGreaterThan(3 * baseP95);
    expect(peakP95).toBeGreaterThan(500);
  });
});
