// The ingestion worker against a real redis-server: kombu's priority order, retries up to the
// limit with the retries left visible, and the chaos error rate turning into retries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis, type RunningServer } from '../test/support/servers.js';
import { enqueue, queueDepth, queueKeys } from './celery-queue.js';
import { IngestionStore } from './ingestion-store.js';
import { startWorker } from './worker.js';
import { waitFor } from '../test/support/wait.js';

let server: RunningServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

/** Polls `read` until `done` holds for what it returns, and returns that. */
function until<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  return waitFor(
    async () => {
      const v = await read();
      return done(v) ? { v } : undefined;
    },
    { what, timeoutMs },
  ).then((found) => found.v);
}

describe('Celery queue layout', () => {
  it('files priorities under kombu keys and counts them all', async () => {
    const queue = 'layout';
    expect(queueKeys(queue)).toEqual(['layout', 'layout\x06\x163', 'layout\x06\x166', 'layout\x06\x169']);
    for (const priority of [0, 2, 3, 5, 9]) await enqueue(redis, queue, { documentId: `d${priority}`, retries: 0, priority });
    expect(await redis.llen('layout')).toBe(2); // 0 and 2 (rounded down to step 0)
    expect(await redis.llen('layout\x06\x163')).toBe(2);
    expect(await redis.llen('layout\x06\x169')).toBe(1);
    expect(await queueDepth(redis, queue)).toBe(5);
    const message = JSON.parse((await redis.lindex('layout\x06\x169', 0))!) as { headers: { task: string }; properties: { delivery_info: { routing_key: string } } };
    expect(message.headers.task).toBe('ingestion.embed_document');
    expect(message.properties.delivery_info.routing_key).toBe('layout');
  });
});

describe('ingestion worker', () => {
  it('pops the highest priority first and drains every list', async () => {
    const queue = 'order';
    const store = new IngestionStore(redis, queue);
    const ids: string[] = [];
    for (const priority of [9, 6, 3, 0]) {
      const id = await store.create(3);
      ids.push(id);
      await enqueue(redis, queue, { documentId: id, retries: 0, priority });
    }
    const worker = await startWorker({ redisUrl: server.url, queue, embeddingMs: 5, embeddingFailureRate: 0, maxRetries: 3 });
    try {
      await until(
        () => queueDepth(redis, queue),
        (d) => d === 0,
        'the queue drained',
      );
      const statuses = await until(
        () => Promise.all(ids.map((id) => store.get(id))),
        (s) => s.every((x) => x?.status === 'processed'),
        'all 4 documents processed',
      );
      const order = statuses.map((s) => s!.processed_at!);
      // Enqueued 9, 6, 3, 0: processed in the reverse order (step 0 first).
      expect([...order].sort((a, b) => a - b)).toEqual([...order].reverse());
      expect(statuses.every((s) => s!.chunks > 0 && s!.attempts === 1)).toBe(true);
    } finally {
      await worker.stop();
    }
  });

  it('retries a failing embedding up to the limit and records what is left', async () => {
    const queue = 'failing';
    const store = new IngestionStore(redis, queue);
    const id = await store.create(2);
    await enqueue(redis, queue, { documentId: id, retries: 0, priority: 0 });
    // Each attempt takes 400 ms: the poll below must catch the second one while it runs, which a
    // loaded machine can miss in a shorter window.
    const worker = await startWorker({ redisUrl: server.url, queue, embeddingMs: 400, embeddingFailureRate: 1, maxRetries: 2 });
    try {
      // The first retry is running: one retry left after it, and the retry counts as open.
      const midway = await until(
        () => store.get(id),
        (s) => (s?.attempts ?? 0) >= 2,
        'the second attempt',
      );
      expect(midway).toMatchObject({ status: 'processing', attempts: 2, retries_left: 1 });
      expect(await store.retryingCount()).toBe(1);
      const final = await until(
        () => store.get(id),
        (s) => s?.status === 'failed',
        'the document failed for good',
      );
      expect(final).toMatchObject({ status: 'failed', attempts: 3, retries_left: 0, last_error: 'embedding failed' });
      expect(await store.retryingCount()).toBe(0);
      expect(await store.embeddingErrors()).toBe(3);
      expect(await queueDepth(redis, queue)).toBe(0);
    } finally {
      await worker.stop();
    }
  });

  it('turns the ingestion chaos error rate into retries', async () => {
    const queue = 'chaotic';
    const store = new IngestionStore(redis, queue);
    await redis.set('chaos:error_rate:ingestion', '1');
    const worker = await startWorker({ redisUrl: server.url, queue, embeddingMs: 1, embeddingFailureRate: 0, maxRetries: 1 });
    try {
      const id = await store.create(1);
      await enqueue(redis, queue, { documentId: id, retries: 0, priority: 0 });
      const final = await until(
        () => store.get(id),
        (s) => s?.status === 'failed',
        'the document failed for good',
      );
      expect(final).toMatchObject({ status: 'failed', attempts: 2 });
    } finally {
      await redis.del('chaos:error_rate:ingestion');
      await worker.stop();
    }
  });
});

describe('embedding rate limit', () => {
  it('refuses calls over the per-second limit as rate-limited attempts that are retried', async () => {
    const queue = 'limited';
    const store = new IngestionStore(redis, queue);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const id = await store.create(10);
      ids.push(id);
      await enqueue(redis, queue, { documentId: id, retries: 0, priority: 0 });
    }
    // 6 documents at 2 calls/s: the worker is refused when a window is used up and backs off to
    // the next one, so they need at least three windows (over 1 s from first to last). Usually
    // that is two refusals; when the first window is nearly over as the worker starts, one
    // (seen once on a loaded machine), so the test asks for at least one.
    const worker = await startWorker({ redisUrl: server.url, queue, embeddingMs: 1, embeddingFailureRate: 0, maxRetries: 10, embeddingRateLimit: 2 });
    try {
      const statuses = await until(
        () => Promise.all(ids.map((id) => store.get(id))),
        (s) => s.every((x) => x?.status === 'processed'),
        'all 6 documents processed',
        15_000,
      );
      expect(statuses.map((s) => s?.status)).toEqual(Array(6).fill('processed'));
      expect(await store.rateLimited()).toBeGreaterThanOrEqual(1);
      expect(statuses.some((s) => s!.last_error === 'embedding rate limit (429)')).toBe(true);
      const done = statuses.map((s) => s!.processed_at!);
      expect(Math.max(...done) - Math.min(...done)).toBeGreaterThanOrEqual(1000);
    } finally {
      await worker.stop();
    }
  }, 15_000);
});
