// Celery on Redis (kombu's Redis transport): a queue is a Redis list, and each non-zero priority
// step has its own list named queue + separator + step. Depth is the sum over all of them.
import { z } from 'zod';
import { celeryQueueKeys, KOMBU_PRIORITY_SEPARATOR, KOMBU_PRIORITY_STEPS } from '../lib/celery-layout.js';
import { redisUrl } from './fields.js';
import { defineProbe } from './types.js';
import { closeRedis, ensureConnected, probeRedisClient } from './redis-client.js';

export { celeryQueueKeys };

const schema = z
  .object({
    url: redisUrl.optional().describe('the Redis of the Celery broker; omitted: the top-level `redis.url`'),
    queue: z.string().min(1).describe('the Celery queue name, e.g. `ingestion`; its depth sums the queue list and its priority lists'),
    prioritySteps: z
      .array(z.number().int().min(0).max(255))
      .min(1)
      .default([...KOMBU_PRIORITY_STEPS])
      .describe("Celery's broker_transport_options.priority_steps; step 0 is the bare queue key"),
    separator: z.string().default(KOMBU_PRIORITY_SEPARATOR).describe("Celery's broker_transport_options.sep, between the queue name and the priority step"),
    keyPrefix: z.string().default('').describe("Celery's broker_transport_options.global_keyprefix"),
  })
  .strict();

export const celeryRedisProbe = defineProbe({
  kind: 'celery-redis',
  schema,
  reads:
    "Celery on Redis (kombu's layout): `LLEN` of the queue list and of its priority siblings `<queue>\\x06\\x16<step>` for the steps `[0, 3, 6, 9]` (step 0 is the bare name), with kombu's `global_keyprefix`; `prioritySteps`, `separator`, `keyPrefix` configurable",
  // Celery's Redis messages carry no enqueue time: depth only, never lag.
  metrics: { queue_depth: 'the sum' },
  create(config, ctx) {
    const client = probeRedisClient(config.url ?? ctx.redisUrl, ctx.timeoutMs);
    const keys = celeryQueueKeys(config.queue, config.prioritySteps, config.separator, config.keyPrefix);
    return {
      id: config.id,
      kind: config.kind,
      queue: config.queue,
      async read() {
        await ensureConnected(client);
        const pipeline = client.pipeline();
        for (const key of keys) pipeline.llen(key);
        const results = (await pipeline.exec()) ?? [];
        let depth = 0;
        for (const [err, len] of results) {
          if (err) throw err;
          depth += Number(len);
        }
        return [{ metric: 'queue_depth', value: depth }];
      },
      close: () => closeRedis(client),
    };
  },
});
