// Redis toggle: SET key value with a TTL (a dead-man switch), the prior value and TTL remembered
// and restored. A key someone else changed meanwhile is left alone. Toggles overlapping on one key
// stack: each restores the value beneath it, and the last one the key's original value.
import { z } from 'zod';
import { redactUrl } from '../../lib/redact.js';
import type { Driver } from './types.js';

const params = z
  .object({
    value: z.string(),
    /** The key expires by itself if chaosgate dies and nothing restores it. */
    ttlSeconds: z.number().int().min(1).max(86_400).default(300),
  })
  .strict();

export interface RedisToggleUndo {
  /** The Redis it was set on, without credentials: one key name on two servers is two targets. */
  server?: string;
  key: string;
  value: string;
  prior: string | null;
  /** Remaining TTL of the prior value in ms; -1 when it had none. */
  priorTtlMs: number;
}

export const redisToggle: Driver<z.output<typeof params>, RedisToggleUndo> = {
  params,
  hosts(_entry, ctx) {
    return [new URL(ctx.redisUrl).hostname];
  },
  async preflight(_entry, ctx) {
    try {
      await ctx.redis().ping();
    } catch (err) {
      throw new Error(`Redis ${redactUrl(ctx.redisUrl)} does not answer (${(err as Error).message})`);
    }
  },
  async prepare(entry, ctx) {
    const redis = ctx.redis();
    const [prior, ttl] = await Promise.all([redis.get(entry.target), redis.pttl(entry.target)]);
    return { server: redactUrl(ctx.redisUrl), key: entry.target, value: entry.params.value, prior, priorTtlMs: prior === null ? -1 : ttl };
  },
  async apply(entry, _undo, ctx) {
    await ctx.redis().set(entry.target, entry.params.value, 'EX', entry.params.ttlSeconds);
  },
  async undo(record, ctx) {
    const redis = ctx.redis();
    const current = await redis.get(record.key);
    if (current !== null && current !== record.value) return;
    if (record.prior === null) await redis.del(record.key);
    else if (record.priorTtlMs > 0) await redis.set(record.key, record.prior, 'PX', record.priorTtlMs);
    else await redis.set(record.key, record.prior);
  },
  shared: {
    key: (record) => `redis key ${record.key}${record.server ? ` on ${record.server}` : ''}`,
    mode: 'stack',
    inherit: (above, removed) => ({ ...above, prior: removed.prior, priorTtlMs: removed.priorTtlMs }),
  },
};
