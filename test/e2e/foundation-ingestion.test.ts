// The ingestion scenario by the real k6: a mini-batch through a flaky embedder (retries) ends
// processed, with one end-to-end latency point per document and a queue-depth gauge that rose
// while the batch waited and is back at 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSectionSchema } from '../../load/config.js';
import { runK6 } from '../../load/k6-runner.js';
import { buildScenarioConfig } from '../../load/scenario-config.js';
import { credentialsEnv } from '../../target/credentials.js';
import { readPoints, startStack, type Point, type Stack } from './foundation-support.js';

let stack: Stack;
let points: Point[];
let exitCode: number | null;

beforeAll(async () => {
  // 30 % of attempts fail, 6 retries each: a document fails for good with p = 0.3^7 (2e-4).
  stack = await startStack({ embeddingMs: 40, embeddingFailureRate: 0.3, maxRetries: 6 });
  const config = buildScenarioConfig(loadSectionSchema.parse({ ingestion: { batchSize: 6, batches: 1, pollIntervalMs: 50 } }), { baseUrl: stack.target.baseUrl });
  const k6 = await runK6({
    scenario: 'ingestion',
    config,
    outDir: stack.dir,
    redisUrl: stack.redis.url,
    env: credentialsEnv(stack.credentials),
    stdio: 'ignore',
    summaryPath: null,
  });
  ({ exitCode } = await k6.done);
  points = await readPoints(k6.paths.ndjson);
});

afterAll(() => stack?.stop());

describe('ingestion scenario (real k6)', () => {
  it('processes the mini-batch and reports latency, outcome and queue depth', () => {
    expect(exitCode).toBe(0);
    const outcomes = points.filter((p) => p.metric === 'ingestion_documents');
    expect(outcomes.filter((p) => p.tags.status === 'processed').reduce((n, p) => n + p.value, 0)).toBe(6);
    const latency = points.filter((p) => p.metric === 'ingestion_e2e_latency');
    expect(latency).toHaveLength(6);
    expect(Math.min(...latency.map((p) => p.value))).toBeGreaterThanOrEqual(40);
    const depth = points.filter((p) => p.metric === 'queue_depth').map((p) => p.value);
    expect(Math.max(...depth)).toBeGreaterThanOrEqual(3); // one worker, 40 ms each: the batch waits
    expect(depth.at(-1)).toBe(0);
    const retrieval = points.filter((p) => p.metric === 'checks' && p.tags.check === 'retrieval_results > 0');
    expect(retrieval.map((p) => p.value)).toEqual([1, 1, 1, 1, 1, 1]);
  });
});
