// Every queue probe kind, registered in one typed map: adding a kind is one file plus one line here.
import type { ProbeConfig, ProbeKind } from './config.js';
import type { ProbeContext, ProbeFactory, ProbeMetric, QueueProbe } from './types.js';
import { createCeleryRedisProbe } from './celery-redis.js';
import { createRedisStreamProbe } from './redis-stream.js';
import { createNatsJetStreamProbe } from './nats-jetstream.js';
import { createRabbitMqProbe } from './rabbitmq.js';

export const probeFactories: { [K in ProbeKind]: ProbeFactory<K> } = {
  'celery-redis': createCeleryRedisProbe,
  'redis-stream': createRedisStreamProbe,
  'nats-jetstream': createNatsJetStreamProbe,
  rabbitmq: createRabbitMqProbe,
};

/**
 * The gauges each kind can emit (besides `probe_errors`, which every probe emits). Celery's Redis
 * messages carry no enqueue time, so `celery-redis` measures depth only, never lag.
 */
export const probeMetrics: { [K in ProbeKind]: ReadonlyArray<Exclude<ProbeMetric, 'probe_errors'>> } = {
  'celery-redis': ['queue_depth'],
  'redis-stream': ['queue_depth', 'queue_pending', 'queue_lag'],
  'nats-jetstream': ['queue_lag', 'queue_pending'],
  rabbitmq: ['queue_depth'],
};

export function createProbe(config: ProbeConfig, ctx: ProbeContext): QueueProbe {
  const factory = probeFactories[config.kind] as ProbeFactory<typeof config.kind>;
  return factory(config as never, ctx);
}
