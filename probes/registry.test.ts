// The registry is the one list of probe kinds: the config union, the `kind` description and the
// metrics of the unproducible-metric check all follow from it.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { metricsOfProbe, probeConfigSchema, probeKinds, probeMetrics } from './registry.js';

describe('probe registry', () => {
  it('the config union accepts exactly the registered kinds, each with its own fields', () => {
    const kinds = probeKinds.map((p) => p.kind);
    expect(kinds).toEqual(['celery-redis', 'redis-stream', 'nats-jetstream', 'rabbitmq', 'nvidia-smi', 'http-json', 'prometheus']);
    const json = z.toJSONSchema(probeConfigSchema, { io: 'input' }) as { oneOf: Array<{ properties: Record<string, { const?: string; description?: string }> }> };
    expect(json.oneOf.map((o) => o.properties.kind!.const)).toEqual(kinds);
    for (const [i, p] of probeKinds.entries()) {
      expect(Object.keys(json.oneOf[i]!.properties)).toEqual(['kind', 'id', ...Object.keys(p.schema.shape)]);
    }
  });

  it("describes `kind` with every registered kind's name", () => {
    const kind = probeConfigSchema.options[0].shape.kind;
    expect(kind.description).toBe('what to read: celery-redis, redis-stream, nats-jetstream, rabbitmq, nvidia-smi, http-json or prometheus (see docs/probes.md)');
  });

  it("probeMetrics is each kind's declared metrics", () => {
    expect(probeMetrics).toEqual({
      'celery-redis': ['queue_depth', 'queue_pending', 'queue_oldest_age_seconds'],
      'redis-stream': ['queue_depth', 'queue_pending', 'queue_lag'],
      'nats-jetstream': ['queue_lag', 'queue_pending'],
      rabbitmq: ['queue_depth'],
      'nvidia-smi': ['gpu_memory_used_percent', 'gpu_memory_used_mib', 'gpu_utilization_percent'],
      'http-json': ['(read[].metric)'],
      prometheus: ['(select[].as)'],
    });
  });

  it("metricsOfProbe is an entry's configured gauge names where the kind names none itself", () => {
    expect(metricsOfProbe(probeConfigSchema.parse({ kind: 'http-json', id: 'r', url: 'http://x/r', read: [{ path: 'a.b', metric: 'queue_backlog' }] }))).toEqual(['queue_backlog']);
    const prom = probeConfigSchema.parse({
      kind: 'prometheus',
      id: 'p',
      url: 'http://x/metrics',
      select: [{ metric: 'celery_queue_length', as: 'queue_depth' }, { metric: 'tasks_total' }],
    });
    expect(metricsOfProbe(prom)).toEqual(['queue_depth', 'tasks_total_per_second']);
    expect(metricsOfProbe({ kind: 'rabbitmq' })).toEqual(['queue_depth']);
  });
});
