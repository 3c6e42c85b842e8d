// Each HTTP fault measured through the real proxy on real sockets, with keep-alive clients.
import { Agent } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChaosSession, PlanEntry } from '../../chaos/index.js';
import { median, openTestSession, pattern, send, startUpstream, tempPaths, type TestSession, type Upstream } from './chaos-support.js';

let upstream: Upstream;
let paths: TestSession;
let session: ChaosSession;
let plan: Map<string, PlanEntry>;
let base: string;
const agent = new Agent({ keepAlive: true, maxSockets: 4 });

beforeAll(async () => {
  upstream = await startUpstream();
  paths = await tempPaths();
  ({ session, plan } = await openTestSession(
    {
      proxy: { routes: [{ name: 'web', upstream: `127.0.0.1:${upstream.port}` }] },
      plan: [
        { id: 'slow', kind: 'http-latency', target: 'web', params: { fixedMs: 120, jitterMs: 10 } },
        { id: 'flaky', kind: 'http-abort', target: 'web', probability: 0.3, params: { status: 503 } },
        { id: 'limited', kind: 'http-abort', target: 'web', match: { path: '/api/', method: 'POST' }, params: { status: 429, retryAfterS: 7 } },
        { id: 'reset', kind: 'http-reset', target: 'web' },
        { id: 'hole', kind: 'http-blackhole', target: 'web', params: { holdMs: 300 } },
        { id: 'thin', kind: 'http-bandwidth', target: 'web', params: { bytesPerSecond: 200_000 } },
        { id: 'trickle', kind: 'http-slow-body', target: 'web', params: { chunkBytes: 10, delayMs: 40 } },
      ],
    },
    paths,
  ));
  base = (await session.startProxy()).web!;
});

afterAll(async () => {
  agent.destroy();
  await session?.close();
  await upstream?.close();
  await paths?.cleanup();
});

async function withFault<T>(id: string, fn: () => Promise<T>): Promise<T> {
  await session.apply(plan.get(id)!);
  try {
    return await fn();
  } finally {
    await session.remove(id);
  }
}

describe('http faults through the proxy', () => {
  it('passes requests through untouched when no fault is on', async () => {
    const get = await send(`${base}/hello?x=1`, { agent });
    expect(get.status).toBe(200);
    expect(get.body).toBe('ok /hello?x=1');
    expect(get.headers['x-upstream']).toBe('yes');
    const post = await send(`${base}/echo`, { agent, method: 'POST', body: 'payload-123' });
    expect(post.body).toBe('payload-123');
    // Large answers on several connections at once: backpressure and buffer reuse keep every byte.
    const big = await Promise.all([1, 2, 3].map(() => send(`${base}/bytes/3000000`, { agent })));
    for (const reply of big) expect(reply.bytes.equals(pattern(3_000_000))).toBe(true);
  });

  it('latency: adds fixedMs ± jitter to each request', async () => {
    const baseline: number[] = [];
    for (let i = 0; i < 5; i++) baseline.push((await send(`${base}/a`, { agent })).ms);
    const before = median(baseline);
    const slow = await withFault('slow', async () => {
      const times: number[] = [];
      for (let i = 0; i < 12; i++) times.push((await send(`${base}/a`, { agent })).ms);
      return times;
    });
    const added = median(slow) - before;
    expect(added).toBeGreaterThanOrEqual(100);
    expect(added).toBeLessThan(400); // generous: the machine is shared
    expect(Math.min(...slow)).toBeGreaterThanOrEqual(105);
  });

  it('abort: 503 at the configured probability, per request on keep-alive connections, counted exactly', async () => {
    const n = 600;
    const statuses = await withFault('flaky', async () => {
      const out: number[] = [];
      // 4 keep-alive connections, 600 requests: per-connection rolling would give 0 % or 100 % per connection.
      for (let i = 0; i < n; i += 4) {
        out.push(...(await Promise.all([0, 1, 2, 3].map(() => send(`${base}/p`, { agent }).then((r) => r.status)))));
      }
      return out;
    });
    const aborted = statuses.filter((s) => s === 503).length;
    const sigma = Math.sqrt(n * 0.3 * 0.7);
    expect(Math.abs(aborted - n * 0.3)).toBeLessThan(4 * sigma);
    expect(statuses.filter((s) => s !== 503 && s !== 200)).toEqual([]);
    expect(session.counts().flaky).toBe(aborted);
    const off = (await paths.events()).find((e) => e.faultId === 'flaky' && e.action === 'off');
    expect(off?.params.injections).toBe(aborted);
  });

  it('abort 429 with Retry-After only where method and path match', async () => {
    await withFault('limited', async () => {
      const hit = await send(`${base}/api/upload`, { agent, method: 'POST', body: 'x' });
      expect(hit.status).toBe(429);
      expect(hit.headers['retry-after']).toBe('7');
      expect(hit.headers['x-chaosgate-fault']).toBe('limited');
      expect((await send(`${base}/api/upload`, { agent })).status).toBe(200);
      expect((await send(`${base}/health`, { agent, method: 'POST', body: 'x' })).status).toBe(200);
    });
  });

  it('reset: the client sees a connection reset', async () => {
    const err = await withFault('reset', () =>
      send(`${base}/r`, { agent }).then(
        () => undefined,
        (e: NodeJS.ErrnoException) => e,
      ),
    );
    expect(err?.code).toBe('ECONNRESET');
    expect((await send(`${base}/r`, { agent })).status).toBe(200);
  });

  it('blackhole: no answer, the connection closes after holdMs', async () => {
    const started = performance.now();
    const err = await withFault('hole', () =>
      send(`${base}/b`, { agent }).then(
        () => undefined,
        (e: Error) => e,
      ),
    );
    const held = performance.now() - started;
    expect(err).toBeInstanceOf(Error);
    expect(held).toBeGreaterThanOrEqual(290);
    expect(held).toBeLessThan(1500);
  });

  it('bandwidth: a 100 kB body at 200 kB/s takes about half a second', async () => {
    const reply = await withFault('thin', () => send(`${base}/bytes/100000`, { agent }));
    expect(reply.bytes.equals(pattern(100_000))).toBe(true);
    expect(reply.ms).toBeGreaterThanOrEqual(450);
    expect(reply.ms).toBeLessThan(1200);
  });

  it('slow body: headers at once, the body in 10-byte pieces every 40 ms', async () => {
    const reply = await withFault('trickle', () => send(`${base}/bytes/100`, { agent }));
    expect(reply.bytes.equals(pattern(100))).toBe(true);
    expect(reply.ms).toBeGreaterThanOrEqual(350);
    expect(reply.ms).toBeLessThan(1500);
  });

  it('writes an on and an off event per application, with no more faults active afterwards', async () => {
    const events = await paths.events();
    const slow = events.filter((e) => e.faultId === 'slow');
    expect(slow.map((e) => e.action)).toEqual(['on', 'off']);
    expect(slow[0]).toMatchObject({ kind: 'http-latency', target: 'web', params: { fixedMs: 120 } });
    expect(new Date(slow[0]!.time).getTime()).toBe(slow[0]!.epochMs);
    expect(session.activeFaults()).toEqual([]);
  });
});
