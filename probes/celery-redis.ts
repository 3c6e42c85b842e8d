// Celery on Redis (kombu's Redis transport): a queue is a Redis list, and each non-zero priority
// step has its own list named queue + separator + step. Depth is the sum over all of them.
import { celeryQueueKeys } from '../lib/celery-layout.js';
import type { ProbeFactory } from './types.js';
import { closeRedis, ensureConnected, probeRedisClient } from './redis-client.js';

export { celeryQueueKeys };

export const createCeleryRedisProbe: ProbeFactory<'celery-redis'> = (config, ctx) => {
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
};
