// A Redis stream with a consumer group: length (XLEN), pending = delivered but not acknowledged
// (XPENDING summary), and the group's lag (entries not yet delivered, XINFO GROUPS, Redis 7+).
import { z } from 'zod';
import { redisUrl } from './fields.js';
import { defineProbe, type ProbeReading } from './types.js';
import { closeRedis, ensureConnected, probeRedisClient } from './redis-client.js';

/** XINFO GROUPS replies a flat [name, value, ...] list per group. */
function groupField(group: unknown[], field: string): unknown {
  for (let i = 0; i + 1 < group.length; i += 2) if (group[i] === field) return group[i + 1];
  return undefined;
}

const schema = z
  .object({
    url: redisUrl.optional().describe('the Redis holding the stream; omitted: the top-level `redis.url`'),
    stream: z.string().min(1).describe('the stream key: its length is `queue_depth`'),
    group: z.string().min(1).describe('the consumer group whose pending (delivered, not acknowledged) entries and lag are read'),
  })
  .strict();

export const redisStreamProbe = defineProbe({
  kind: 'redis-stream',
  schema,
  reads: '`XLEN`, `XPENDING` summary and `XINFO GROUPS` lag of one consumer group',
  metrics: {
    queue_depth: 'length',
    queue_pending: 'delivered not acked',
    queue_lag: 'undelivered + pending (Redis 7+)',
  },
  create(config, ctx) {
    const client = probeRedisClient(config.url ?? ctx.redisUrl, ctx.timeoutMs);
    return {
      id: config.id,
      kind: config.kind,
      queue: `${config.stream}/${config.group}`,
      async read() {
        await ensureConnected(client);
        const results = (await client.pipeline().xlen(config.stream).xpending(config.stream, config.group).xinfo('GROUPS', config.stream).exec()) ?? [];
        for (const [err] of results) if (err) throw err;
        const length = Number(results[0]?.[1]);
        const pending = Number((results[1]?.[1] as unknown[] | undefined)?.[0]);
        const readings: ProbeReading[] = [
          { metric: 'queue_depth', value: length },
          { metric: 'queue_pending', value: pending },
        ];
        const group = ((results[2]?.[1] as unknown[][] | undefined) ?? []).find((g) => groupField(g, 'name') === config.group);
        const lag = group ? groupField(group, 'lag') : undefined;
        // lag is nil when Redis cannot compute it (e.g. after deletions): then only pending is known.
        if (lag !== undefined && lag !== null) readings.push({ metric: 'queue_lag', value: Number(lag) + pending });
        return readings;
      },
      close: () => closeRedis(client),
    };
  },
});
