// Redis queue probes against a real redis-server: Celery's list layout with priority keys, a stream
// with a consumer group, and the sampler's cadence, timeout and error accounting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis, type RunningServer } from '../support/servers.js';
import { createProbe, startProbes, type GaugeSample, type ProbeConfig } from '../../probes/index.js';
import { probeConfigSchema } from '../../probes/config.js';
import { waitFor } from '../support/wait.js';

let redis: RunningServer;
let admin: Redis;
const ctx = () => ({ redisUrl: redis.url, timeoutMs: 500 });

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
});
afterAll(async () => {
  admin?.disconnect();
  await redis?.stop();
});

function push(key: string, n: number): Promise<number> {
  return admin.lpush(key, ...Array.from({ length: n }, (_, i) => `{"task":${i}}`));
}

const depthOf = (readings: { metric: string; value: number }[]) => readings.find((r) => r.metric === 'queue_depth')!.value;
const valueOf = (readings: { metric: string; value: number }[], metric: string) => readings.find((r) => r.metric === metric)!.value;

/** A kombu message as Celery 5 writes it (protocol 2: the task id in headers.id). */
const celeryMessage = (id: string) =>
  JSON.stringify({
    body: 'W1tdLCB7fSwge31d',
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: { lang: 'py', task: 'app.work', id },
    properties: { delivery_tag: `tag-${id}` },
  });

describe('celery-redis probe: unacked, oldest age, a queue that never existed', () => {
  it('counts the unacked hash entries routed to the queue as queue_pending', async () => {
    // kombu's QoS: HSET unacked <delivery_tag> JSON [message, exchange, routing_key].
    await admin.hset('unacked', 't1', JSON.stringify([JSON.parse(celeryMessage('a')), '', 'uq']), 't2', JSON.stringify([JSON.parse(celeryMessage('b')), '', 'uq']));
    await admin.hset('unacked', 't3', JSON.stringify([JSON.parse(celeryMessage('c')), '', 'other']));
    const probe = createProbe(probeConfigSchema.parse({ kind: 'celery-redis', id: 'uq', queue: 'uq' }), ctx());
    try {
      const r = await probe.read();
      expect(valueOf(r, 'queue_pending')).toBe(2);
      expect(depthOf(r)).toBe(0);
      // Unacked messages show the queue exists although its list is empty.
      expect(probe.findings!()).toEqual([]);
    } finally {
      await admin.hdel('unacked', 't1', 't2', 't3');
      await probe.close();
    }
  });

  it('the oldest age counts from when the probe first saw the head task (seen as the newest earlier), by its id', async () => {
    const probe = createProbe(probeConfigSchema.parse({ kind: 'celery-redis', id: 'age', queue: 'aged' }), ctx());
    try {
      expect(valueOf(await probe.read(), 'queue_oldest_age_seconds')).toBe(0);
      await admin.lpush('aged', celeryMessage('first'));
      const t0 = Date.now();
      expect(valueOf(await probe.read(), 'queue_oldest_age_seconds')).toBe(0);
      await admin.lpush('aged', celeryMessage('second'));
      await new Promise((r) => setTimeout(r, 300));
      const t1 = Date.now();
      await admin.lpush('aged', celeryMessage('third'));
      const age1 = valueOf(await probe.read(), 'queue_oldest_age_seconds');
      expect(age1).toBeGreaterThanOrEqual((t1 - t0) / 1000 - 0.05);
      // The worker takes 'first' (BRPOP from the right): the head is 'second', first seen by this
      // probe as the newest only now (it arrived between two readings), so its age restarts near 0.
      await admin.rpop('aged');
      await new Promise((r) => setTimeout(r, 200));
      const before = Date.now();
      const age2 = valueOf(await probe.read(), 'queue_oldest_age_seconds');
      expect(age2).toBeLessThan(age1 + (Date.now() - t1) / 1000);
      expect(age2).toBeLessThanOrEqual((before - t1) / 1000 + 0.3);
      // 'third' was seen as the newest at the reading after t1: when it is the head, its age counts from then.
      await admin.rpop('aged');
      await new Promise((r) => setTimeout(r, 200));
      expect(valueOf(await probe.read(), 'queue_oldest_age_seconds')).toBeGreaterThanOrEqual(0.2);
      await admin.del('aged');
      expect(valueOf(await probe.read(), 'queue_oldest_age_seconds')).toBe(0);
    } finally {
      await probe.close();
    }
  });

  it('a queue never seen (no message, no unacked entry, no kombu binding) is a finding; a declared empty one is not', async () => {
    await admin.sadd('_kombu.binding.declared', `declared\x06\x16\x06\x16declared`);
    const typo = createProbe(probeConfigSchema.parse({ kind: 'celery-redis', id: 'typo', queue: 'ingest' }), ctx());
    const declared = createProbe(probeConfigSchema.parse({ kind: 'celery-redis', id: 'ok', queue: 'declared' }), ctx());
    try {
      expect(typo.findings!()).toEqual([]); // no reading yet: nothing to say
      for (let i = 0; i < 3; i++) {
        await typo.read();
        await declared.read();
      }
      expect(typo.findings!()).toEqual([expect.stringContaining('queue "ingest" never existed on the broker during the run (3 readings')]);
      expect(declared.findings!()).toEqual([]);
    } finally {
      await typo.close();
      await declared.close();
    }
  });
});

describe('celery-redis probe', () => {
  it('counts the bare queue and every priority sibling in kombu layout, nothing else', async () => {
    const sep = '\x06\x16';
    await push('ingestion', 5);
    await push(`ingestion${sep}3`, 3);
    await push(`ingestion${sep}9`, 2);
    // Not a priority step (kombu maps 1 to step 0) and another queue: both must be ignored.
    await push(`ingestion${sep}1`, 7);
    await push('embedding', 4);
    const probe = createProbe(probeConfigSchema.parse({ kind: 'celery-redis', id: 'ing', queue: 'ingestion' }), ctx());
    try {
      expect(depthOf(await probe.read())).toBe(10);
      await admin.rpop(`ingestion${sep}9`, 2);
      await admin.rpop('ingestion', 1);
      expect(depthOf(await probe.read())).toBe(7);
    } finally {
      await probe.close();
    }
  });

  it('honours custom priority steps, separator and global key prefix', async () => {
    await push('pfx:q2', 1);
    await push('pfx:q2:1', 2);
    await push('pfx:q2:5', 4);
    await push('q2:5', 8); // without the prefix: not this broker's key
    const config = probeConfigSchema.parse({
      kind: 'celery-redis',
      id: 'q2',
      queue: 'q2',
      prioritySteps: [0, 1, 5],
      separator: ':',
      keyPrefix: 'pfx:',
    });
    const probe = createProbe(config, ctx());
    try {
      expect(depthOf(await probe.read())).toBe(7);
    } finally {
      await probe.close();
    }
  });
});

describe('redis-stream probe', () => {
  it('reports length, pending and lag (undelivered + pending) for the group', async () => {
    await admin.xgroup('CREATE', 'events', 'workers', '$', 'MKSTREAM');
    for (let i = 0; i < 10; i++) await admin.xadd('events', '*', 'n', String(i));
    const read = (await admin.xreadgroup('GROUP', 'workers', 'c1', 'COUNT', 4, 'STREAMS', 'events', '>')) as [string, [string, string[]][]][];
    const ids = read[0]![1].map(([id]) => id);
    const probe = createProbe({ kind: 'redis-stream', id: 'ev', stream: 'events', group: 'workers' }, ctx());
    try {
      expect(await probe.read()).toEqual([
        { metric: 'queue_depth', value: 10 },
        { metric: 'queue_pending', value: 4 },
        { metric: 'queue_lag', value: 10 },
      ]);
      await admin.xack('events', 'workers', ...ids.slice(0, 3));
      expect(await probe.read()).toEqual([
        { metric: 'queue_depth', value: 10 },
        { metric: 'queue_pending', value: 1 },
        { metric: 'queue_lag', value: 7 },
      ]);
    } finally {
      await probe.close();
    }
  });

  it('rejects for a group that does not exist (the sampler counts it)', async () => {
    const probe = createProbe({ kind: 'redis-stream', id: 'x', stream: 'events', group: 'nobody' }, ctx());
    try {
      await expect(probe.read()).rejects.toThrow(/NOGROUP/);
    } finally {
      await probe.close();
    }
  });
});

describe('startProbes on Redis', () => {
  it('samples each interval without overlap, counts a timeout as an error and emits no depth for it', async () => {
    await push('sampled', 6);
    const configs: ProbeConfig[] = [probeConfigSchema.parse({ kind: 'celery-redis', id: 'smp', queue: 'sampled' })];
    const samples: GaugeSample[] = [];
    const errors: string[] = [];
    const started = Date.now();
    const sampler = startProbes(configs, {
      intervalMs: 200,
      timeoutMs: 150,
      redisUrl: redis.url,
      onSample: (s) => samples.push(s),
      onError: (e) => errors.push(e.message),
    });
    const depthReadings = () => samples.filter((s) => s.metric === 'queue_depth').length;
    await waitFor(() => depthReadings() >= 4, { what: '4 depth readings' });
    // Every command from every client waits while Redis is paused: the next reading must time out.
    await admin.call('CLIENT', 'PAUSE', '600', 'ALL');
    await waitFor(() => errors.length >= 1, { what: 'a reading to time out while Redis is paused' });
    const beforeResume = depthReadings();
    await waitFor(() => depthReadings() > beforeResume, { what: 'a depth reading after the pause' });
    await sampler.stop();
    const elapsed = Date.now() - started;

    const depth = samples.filter((s) => s.metric === 'queue_depth');
    const errorGauge = samples.filter((s) => s.metric === 'probe_errors');
    expect(depth.length).toBeGreaterThanOrEqual(4);
    expect(depth.every((s) => s.value === 6 && s.type === 'gauge')).toBe(true);
    expect(depth[0]!.tags).toEqual({ probe: 'smp', queue: 'sampled', kind: 'celery-redis' });
    // At most one tick per 200 ms slot of the grid (a late timer is not caught up with a burst).
    expect(errorGauge.length).toBeLessThanOrEqual(Math.floor(elapsed / 200) + 1);
    const times = errorGauge.map((s) => s.time);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);

    const stats = sampler.stats().smp!;
    expect(stats.errors).toBeGreaterThanOrEqual(1);
    expect(errors.length).toBe(stats.errors);
    expect(errors[0]).toMatch(/timed out|Command timed out/);
    expect(stats.readings).toBe(depth.length);
    expect(errorGauge.length).toBe(stats.readings + stats.errors);
    expect(errorGauge.at(-1)!.value).toBe(stats.errors);
  });
});
