// The reference target against a real redis-server: endpoints, readiness, chaos toggles,
// maintenance hook, GPU slots and memory, ingestion through the in-process worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis, type RunningServer } from '../test/support/servers.js';
import { startTarget, type RunningTarget } from './server.js';
import { chaosKeys } from './chaos-toggles.js';
import { waitFor } from '../test/support/wait.js';

const credentials = { username: 'qa-user', password: 'not-the-real-one' };
const adminToken = 'admin-token-for-tests';

let redisServer: RunningServer;
let redis: Redis;
let target: RunningTarget;

beforeAll(async () => {
  redisServer = await startRedis();
  redis = new Redis(redisServer.url);
  target = await startTarget({
    redisUrl: redisServer.url,
    port: 0,
    webLatencyMs: 0,
    ocrProcessingMs: 100,
    gpuSlots: 2,
    embeddingMs: 5,
    credentials,
    adminToken,
    chaosRefreshMs: 50,
  });
});

afterAll(async () => {
  await target?.stop();
  redis?.disconnect();
  await redisServer?.stop();
});

const get = (path: string) => fetch(`${target.baseUrl}${path}`);
const postJson = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${target.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });

async function upload(): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(5000)], { type: 'application/pdf' }), 'scan.pdf');
  const res = await fetch(`${target.baseUrl}/api/v1/documents/`, { method: 'POST', body: form });
  expect(res.status).toBe(201);
  const body = (await res.json()) as { document_id: string; size_bytes: number };
  expect(body.size_bytes).toBe(5000);
  return body.document_id;
}

describe('reference target', () => {
  it('serves the web endpoints', async () => {
    for (const path of ['/', '/tenant-demo/', '/admin/login/', '/health', '/readiness']) {
      expect((await get(path)).status, path).toBe(200);
    }
    const live = await get('/health/liveliness');
    expect(await live.text()).toBe('alive');
    expect((await get('/nope')).status).toBe(404);
  });

  it('gives a token for the configured user and 401 for bad credentials', async () => {
    const ok = await postJson('/api/auth/login', credentials);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { token: string }).token.length).toBeGreaterThan(20);
    expect((await postJson('/api/auth/login', { ...credentials, password: 'wrong' })).status).toBe(401);
    expect((await postJson('/api/auth/login', { username: '', password: '' })).status).toBe(401);
  });

  it('queues OCR jobs on the GPU slots: a burst waits, and memory rises with active jobs', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => upload()));
    const idle = (await (await get('/api/v1/health/gpu-memory')).json()) as { used_percent: number };
    const started = Date.now();
    let settled = false;
    const burst = Promise.all(ids.map((document_id) => postJson('/api/v1/ocr/process', { document_id, backend: 'auto' }))).finally(() => (settled = true));
    // Sample the GPU all through the burst rather than once after a fixed sleep: on a loaded machine
    // a single look may come before the burst arrives or after a round ended. Every sample must obey
    // the slot limit and the memory formula; some must show both slots busy and jobs waiting.
    type GpuSample = { used_percent: number; active_jobs: number; waiting_jobs: number };
    const samples: GpuSample[] = [];
    while (!settled && Date.now() - started < 30_000) {
      samples.push((await (await get('/api/v1/health/gpu-memory')).json()) as GpuSample);
      await new Promise((r) => setTimeout(r, 5));
    }
    const replies = await burst;
    const elapsed = Date.now() - started;
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const waits = await Promise.all(replies.map(async (r) => ((await r.json()) as { queue_wait_ms: number }).queue_wait_ms));
    // 6 jobs of 100 ms on 2 slots: three rounds, so the last jobs waited about 200 ms (load only adds).
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(Math.max(...waits)).toBeGreaterThanOrEqual(180);
    expect(idle.used_percent).toBe(12.5); // 2 GiB of 16 GiB
    expect(Math.max(...samples.map((s) => s.active_jobs))).toBe(2);
    for (const s of samples) expect(s.used_percent, JSON.stringify(s)).toBe(12.5 + 25 * s.active_jobs); // + 4 GiB a job
    const seen = samples.map((s) => `${s.active_jobs} active/${s.waiting_jobs} waiting`).join(', ');
    expect(
      samples.some((s) => s.active_jobs === 2 && s.waiting_jobs > 0),
      seen,
    ).toBe(true);
    expect(Math.max(...samples.map((s) => s.active_jobs + s.waiting_jobs))).toBeLessThanOrEqual(6);
    expect((await postJson('/api/v1/ocr/process', { document_id: 'nope', backend: 'auto' })).status).toBe(404);
    expect((await postJson('/api/v1/ocr/process', { document_id: ids[0], backend: 'quantum' })).status).toBe(422);
  });

  it('ingests through the Celery queue and retrieves the document', async () => {
    const res = await postJson('/api/ingestion/documents', { title: 'a', priority: 6 });
    expect(res.status).toBe(202);
    const { document_id } = (await res.json()) as { document_id: string };
    const status = async () => ((await (await get(`/api/ingestion/documents/${document_id}`)).json()) as { status: string }).status;
    await waitFor(async () => (await status()) === 'processed', { what: `document ${document_id} processed` });
    const retrieved = (await (await get(`/api/rag/retrieve?document_id=${document_id}`)).json()) as { retrieval_results: number };
    expect(retrieved.retrieval_results).toBeGreaterThan(0);
    const queue = (await (await get('/api/ingestion/queue')).json()) as { depth: number; retrying: number };
    expect(queue).toMatchObject({ depth: 0, retrying: 0 });
    expect((await get('/api/ingestion/documents/unknown')).status).toBe(404);
  });

  it('obeys the Redis chaos toggles and the PDF renderer flag', async () => {
    await redis.mset(chaosKeys.errorRate('gpu'), '1', chaosKeys.latencyMs('web'), '150');
    // The target re-reads the toggles every 50 ms; both keys come in the same read.
    await waitFor(async () => (await get('/api/v1/health')).status === 500, { what: 'the gpu error toggle to take effect' });
    expect((await get('/api/v1/health/gpu-memory')).status).toBe(500);
    const t0 = Date.now();
    expect((await get('/')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);

    const id = await upload();
    const legacy = await postJson('/api/v1/ocr/process', { document_id: id });
    expect(legacy.headers.get('x-pdf-renderer')).toBe('legacy-renderer');
    await redis.set(chaosKeys.newPdfRenderer, 'true');
    await redis.del(chaosKeys.errorRate('gpu'), chaosKeys.latencyMs('web'));
    await waitFor(async () => (await get('/api/v1/health')).status === 200, { what: 'the toggles to be read again' });
    const fresh = await postJson('/api/v1/ocr/process', { document_id: id });
    expect((await fresh.json()) as { renderer: string; processing_ms: number }).toMatchObject({ renderer: 'new-pdf-renderer', processing_ms: 150 });
    expect((await get('/api/v1/health')).status).toBe(200);
    await redis.del(chaosKeys.newPdfRenderer);
  });

  it('puts the web app into maintenance only with the admin token', async () => {
    expect((await postJson('/admin/chaos/maintenance', { enabled: true })).status).toBe(401);
    expect((await postJson('/admin/chaos/maintenance', { enabled: true }, { authorization: 'Bearer wrong' })).status).toBe(401);
    const on = await postJson('/admin/chaos/maintenance', { enabled: true }, { authorization: `Bearer ${adminToken}` });
    expect(on.status).toBe(200);
    expect((await get('/')).status).toBe(503);
    expect((await get('/api/v1/health')).status).toBe(200); // not a web endpoint
    await postJson('/admin/chaos/maintenance', { enabled: false }, { authorization: `Bearer ${adminToken}` });
    expect((await get('/')).status).toBe(200);
  });

  it('hides the maintenance hook when no admin token is configured', async () => {
    const bare = await startTarget({ redisUrl: redisServer.url, port: 0, workers: 0, credentials, adminToken: '' });
    try {
      const res = await fetch(`${bare.baseUrl}/admin/chaos/maintenance`, { method: 'POST', body: '{"enabled":true}' });
      expect(res.status).toBe(404);
    } finally {
      await bare.stop();
    }
  });

  it('answers /readiness 503 while Redis is down', async () => {
    const ownRedis = await startRedis();
    const t = await startTarget({ redisUrl: ownRedis.url, port: 0, workers: 1, credentials });
    try {
      expect((await fetch(`${t.baseUrl}/readiness`)).status).toBe(200);
      await ownRedis.stop();
      const t0 = Date.now();
      expect((await fetch(`${t.baseUrl}/readiness`)).status).toBe(503);
      // The ping gives up after 300 ms; the bound is loose for a loaded machine and still catches a hang.
      expect(Date.now() - t0).toBeLessThan(5000);
      expect((await fetch(`${t.baseUrl}/health`)).status).toBe(200);
    } finally {
      await t.stop();
    }
  });
});
