// The smoke scenario, run by the real k6 against the reference target: every endpoint group
// answers, the gauges are sampled, and the bad-credentials 401 is not a failed request.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSectionSchema } from '../../load/config.js';
import { runK6 } from '../../load/k6-runner.js';
import { buildScenarioConfig } from '../../load/scenario-config.js';
import { credentialsEnv } from '../../target/credentials.js';
import { readPoints, startStack, type Point, type Stack } from './foundation-support.js';

let stack: Stack;
let points: Point[];
let exitCode: number | null;
let summary: { metrics: Record<string, unknown> };

beforeAll(async () => {
  stack = await startStack({ embeddingMs: 5 });
  const config = buildScenarioConfig(loadSectionSchema.parse({ ingestion: { pollIntervalMs: 50 } }), { baseUrl: stack.target.baseUrl });
  const k6 = await runK6({
    scenario: 'smoke',
    config,
    outDir: stack.dir,
    redisUrl: stack.redis.url,
    env: credentialsEnv(stack.credentials),
    stdio: 'pipe',
    tags: { run_id: 'smoke-test' },
  });
  let output = '';
  k6.child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  k6.child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  ({ exitCode } = await k6.done);
  if (exitCode !== 0) console.error(output);
  points = await readPoints(k6.paths.ndjson);
  summary = JSON.parse(await readFile(k6.paths.summary!, 'utf8')) as typeof summary;
});

afterAll(() => stack?.stop());

describe('smoke scenario (real k6)', () => {
  it('passes every check (k6 exit 0) and writes the summary', () => {
    expect(exitCode).toBe(0);
    expect(summary.metrics).toHaveProperty('http_reqs');
    const checks = points.filter((p) => p.metric === 'checks');
    expect(checks.length).toBeGreaterThanOrEqual(15);
    expect(checks.filter((p) => p.value !== 1).map((p) => p.tags.check)).toEqual([]);
  });

  it('tags every request with a stable endpoint name and its group', () => {
    const reqs = points.filter((p) => p.metric === 'http_reqs');
    expect(new Set(reqs.map((p) => p.tags.group))).toEqual(new Set(['web', 'auth', 'ocr', 'gpu', 'ingestion']));
    const names = new Set(reqs.map((p) => p.tags.name));
    for (const name of [
      'GET /',
      'GET /readiness',
      'POST /api/auth/login',
      'POST /api/v1/documents/',
      'POST /api/v1/ocr/process',
      'GET /api/v1/health/gpu-memory',
      'POST /api/ingestion/documents',
      'GET /api/ingestion/documents/:id',
      'GET /api/rag/retrieve',
    ]) {
      expect(names, name).toContain(name);
    }
    // No ids in names; the run tag reaches every sample.
    expect([...names].filter((n) => /[0-9a-f]{8}-/.test(n!))).toEqual([]);
    expect(reqs.every((p) => p.tags.run_id === 'smoke-test')).toBe(true);
  });

  it('does not count the bad-credentials 401 as a failed request', () => {
    const failed = points.filter((p) => p.metric === 'http_req_failed');
    const unauthorized = failed.filter((p) => p.tags.status === '401');
    expect(unauthorized).toHaveLength(1);
    expect(unauthorized[0]!.value).toBe(0);
    expect(unauthorized[0]!.tags.expected_response).toBe('true');
    expect(failed.filter((p) => p.value !== 0)).toEqual([]);
  });

  it('samples the queue depth (Celery layout) and GPU memory in percent', () => {
    const depth = points.filter((p) => p.metric === 'queue_depth');
    expect(depth.length).toBeGreaterThanOrEqual(2);
    expect(depth.every((p) => p.tags.queue === 'ingestion' && p.tags.group === 'ingestion')).toBe(true);
    expect(depth.at(-1)!.value).toBe(0); // drained by the worker
    const gpu = points.filter((p) => p.metric === 'gpu_memory_used_percent');
    expect(gpu.map((p) => p.value)).toEqual([12.5]); // idle: 2 of 16 GiB
    const latency = points.filter((p) => p.metric === 'ingestion_e2e_latency');
    expect(latency).toHaveLength(1);
    expect(latency[0]!.value).toBeGreaterThan(0);
  });
});
