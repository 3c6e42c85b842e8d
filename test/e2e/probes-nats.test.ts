// The NATS JetStream probe against a real nats-server -js: lag = num_pending + num_ack_pending
// after publishing, fetching without ack, and acknowledging known numbers of messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { startNats, type RunningServer } from '../support/servers.js';
import { createProbe, startProbes, type GaugeSample } from '../../probes/index.js';
import { waitFor } from '../support/wait.js';

let nats: RunningServer;
let nc: NatsConnection;

beforeAll(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'JOBS', subjects: ['jobs.>'] });
  await jsm.consumers.add('JOBS', { durable_name: 'worker', ack_policy: AckPolicy.Explicit, ack_wait: 60_000_000_000 });
});
afterAll(async () => {
  await nc?.close();
  await nats?.stop();
});

describe('nats-jetstream probe', () => {
  it('reports pending + ack-pending as lag and follows fetches and acks', async () => {
    const js = jetstream(nc);
    for (let i = 0; i < 12; i++) await js.publish(`jobs.${i % 3}`, `job ${i}`);
    const probe = createProbe({ kind: 'nats-jetstream', id: 'jobs', servers: nats.url, stream: 'JOBS', consumer: 'worker' }, { redisUrl: 'redis://unused', timeoutMs: 2000 });
    try {
      expect(probe.queue).toBe('JOBS/worker');
      expect(await probe.read()).toEqual([
        { metric: 'queue_lag', value: 12 },
        { metric: 'queue_pending', value: 0 },
      ]);
      const consumer = await js.consumers.get('JOBS', 'worker');
      const fetched: JsMsg[] = [];
      for await (const m of await consumer.fetch({ max_messages: 5, expires: 2000 })) {
        fetched.push(m);
        if (fetched.length === 5) break;
      }
      expect(fetched).toHaveLength(5);
      expect(await probe.read()).toEqual([
        { metric: 'queue_lag', value: 12 },
        { metric: 'queue_pending', value: 5 },
      ]);
      for (const m of fetched.slice(0, 3)) await m.ackAck();
      expect(await probe.read()).toEqual([
        { metric: 'queue_lag', value: 9 },
        { metric: 'queue_pending', value: 2 },
      ]);
    } finally {
      await probe.close();
    }
  });

  it('a missing consumer is a counted probe error, not a zero', async () => {
    const samples: GaugeSample[] = [];
    const abort = new AbortController();
    const sampler = startProbes([{ kind: 'nats-jetstream', id: 'ghost', servers: nats.url, stream: 'JOBS', consumer: 'nobody' }], {
      intervalMs: 200,
      timeoutMs: 200,
      onSample: (s) => samples.push(s),
      signal: abort.signal,
    });
    await waitFor(() => (sampler.stats().ghost?.errors ?? 0) >= 2, { what: 'two ticks counting the missing consumer as an error' });
    abort.abort(); // the run's signal stops the sampler (SIGINT path)
    await sampler.done;
    const count = samples.length;
    await new Promise((r) => setTimeout(r, 300));
    expect(samples.length).toBe(count);
    const stats = sampler.stats().ghost!;
    expect(stats.readings).toBe(0);
    expect(stats.errors).toBeGreaterThanOrEqual(2);
    expect(stats.lastError).toMatch(/consumer not found/i);
    expect(samples.some((s) => s.metric === 'queue_lag')).toBe(false);
    expect(samples.filter((s) => s.metric === 'probe_errors').map((s) => s.value)).toEqual(Array.from({ length: stats.errors }, (_, i) => i + 1));
  });
});
