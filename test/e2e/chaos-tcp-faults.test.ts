// TCP faults seen by a real Redis client (ioredis) through the proxy to a real redis-server.
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChaosSession, PlanEntry } from '../../chaos/index.js';
import { startRedis, type RunningServer } from '../support/servers.js';
import { openTestSession, tempPaths, type TestSession } from './chaos-support.js';

let redis: RunningServer;
let paths: TestSession;
let session: ChaosSession;
let plan: Map<string, PlanEntry>;
let proxyPort: number;

beforeAll(async () => {
  redis = await startRedis();
  paths = await tempPaths();
  ({ session, plan } = await openTestSession(
    {
      proxy: { routes: [{ name: 'redis', protocol: 'tcp', upstream: `127.0.0.1:${redis.port}` }] },
      plan: [
        { id: 'lag', kind: 'tcp-latency', target: 'redis', params: { fixedMs: 150 } },
        { id: 'rst', kind: 'tcp-reset', target: 'redis' },
        { id: 'hole', kind: 'tcp-blackhole', target: 'redis', params: { holdMs: 2000 } },
        { id: 'thin', kind: 'tcp-bandwidth', target: 'redis', params: { bytesPerSecond: 100_000 } },
      ],
    },
    paths,
    redis.url,
  ));
  proxyPort = Number(new URL((await session.startProxy()).redis!).port);
});

afterAll(async () => {
  await session?.close();
  await redis?.stop();
  await paths?.cleanup();
});

function client(opts: RedisOptions = {}): Redis {
  const c = new Redis({ host: '127.0.0.1', port: proxyPort, maxRetriesPerRequest: 0, retryStrategy: () => null, ...opts });
  c.on('error', () => {});
  return c;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

/** The fastest of three calls: a loaded machine slows some calls, a fault that is on slows every one. */
async function fastestMs(fn: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) best = Math.min(best, (await timed(fn)).ms);
  return best;
}

describe('tcp faults through the proxy', () => {
  it('latency hits a connection that was open before the fault, and ends with it', async () => {
    const c = client();
    try {
      await c.set('k', 'v');
      expect(await fastestMs(() => c.get('k'))).toBeLessThan(100);
      await session.apply(plan.get('lag')!);
      const slow = await timed(() => c.get('k'));
      expect(slow.value).toBe('v');
      expect(slow.ms).toBeGreaterThanOrEqual(145);
      expect(slow.ms).toBeLessThan(600);
      await session.remove('lag');
      expect(await fastestMs(() => c.get('k'))).toBeLessThan(100);
      expect(session.counts().lag).toBe(1);
    } finally {
      c.disconnect();
    }
  });

  it('reset: the client sees ECONNRESET', async () => {
    const c = client();
    try {
      await c.ping();
      await session.apply(plan.get('rst')!);
      const err = await c.get('k').then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err).toBeInstanceOf(Error);
      expect(String(err?.message)).toMatch(/ECONNRESET|Connection is closed/);
      await session.remove('rst');
      const fresh = client();
      expect(await fresh.ping()).toBe('PONG');
      fresh.disconnect();
    } finally {
      c.disconnect();
    }
  });

  it('blackhole: commands get no answer', async () => {
    const c = client({ commandTimeout: 400 });
    try {
      await c.ping();
      await session.apply(plan.get('hole')!);
      const started = performance.now();
      const err = await c.get('k').then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).toMatch(/timed out/i);
      expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    } finally {
      await session.remove('hole');
      c.disconnect();
    }
  });

  it('bandwidth: a 50 kB value at 100 kB/s takes about half a second', async () => {
    const c = client();
    try {
      await c.set('big', 'x'.repeat(50_000));
      await session.apply(plan.get('thin')!);
      const slow = await timed(() => c.get('big'));
      expect(slow.value?.length).toBe(50_000);
      expect(slow.ms).toBeGreaterThanOrEqual(450);
      expect(slow.ms).toBeLessThan(1500);
    } finally {
      await session.remove('thin');
      c.disconnect();
    }
  });
});
