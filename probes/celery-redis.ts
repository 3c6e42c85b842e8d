// Celery on Redis (kombu's Redis transport): a queue is a Redis list, and each non-zero priority
// step has its own list named queue + separator + step. Depth is the sum over all of them;
// reserved-but-unacknowledged messages sit in kombu's `unacked` hash; the age of the oldest waiting
// task is the time since the probe first saw the task now at the head of a list (Celery messages
// carry no enqueue time by default). A queue the probe never saw exist is reported at the end: a
// misspelt name would otherwise read 0 all run and pass every depth gate.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { celeryQueueKeys, KOMBU_PRIORITY_SEPARATOR, KOMBU_PRIORITY_STEPS } from '../lib/celery-layout.js';
import { redisUrl } from './fields.js';
import { defineProbe, type ProbeReading } from './types.js';
import { closeRedis, ensureConnected, probeRedisClient } from './redis-client.js';

export { celeryQueueKeys };

/** First-seen times kept per task id: the newest are kept, the oldest dropped beyond this. */
const SEEN_LIMIT = 50_000;

/** A task's id from a kombu message (protocol 2: headers.id; protocol 1: properties.correlation_id), else a hash of the raw text. */
export function celeryTaskId(raw: string): string {
  try {
    const m = JSON.parse(raw) as { headers?: { id?: unknown }; properties?: { correlation_id?: unknown } };
    const id = m.headers?.id ?? m.properties?.correlation_id;
    if (typeof id === 'string' && id) return id;
  } catch {
    // not JSON: fall through to the hash
  }
  return `sha1:${createHash('sha1').update(raw).digest('hex')}`;
}

/** Whether an `unacked` hash value (kombu: JSON [message, exchange, routing_key]) belongs to the queue. */
export function unackedFor(value: string, queue: string): boolean {
  try {
    const [, exchange, routingKey] = JSON.parse(value) as [unknown, unknown, unknown];
    return routingKey === queue || exchange === queue;
  } catch {
    return false;
  }
}

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
    unackedKey: z.string().min(1).default('unacked').describe("kombu's unacked_key transport option: the hash of reserved, unacknowledged messages"),
  })
  .strict();

export const celeryRedisProbe = defineProbe({
  kind: 'celery-redis',
  schema,
  reads:
    "Celery on Redis (kombu's layout): `LLEN` of the queue list and of its priority siblings `<queue>\\x06\\x16<step>` (steps `[0, 3, 6, 9]`, step 0 the bare name, kombu's `global_keyprefix`), the `unacked` hash's entries routed to the queue, and the task at the head of each list",
  metrics: {
    queue_depth: 'waiting messages, all priority lists',
    queue_pending: "reserved by a worker, not yet acknowledged (kombu's `unacked` hash, entries whose routing key is the queue)",
    queue_oldest_age_seconds: 'seconds since the probe first saw the task now at the head (the next to go) of a list; 0 when empty',
  },
  create(config, ctx) {
    const client = probeRedisClient(config.url ?? ctx.redisUrl, ctx.timeoutMs);
    const keys = celeryQueueKeys(config.queue, config.prioritySteps, config.separator, config.keyPrefix);
    const unackedKey = config.keyPrefix + config.unackedKey;
    // Celery's default: a queue's exchange has the queue's name; kombu records the binding there.
    const bindingKey = `${config.keyPrefix}_kombu.binding.${config.queue}`;
    const firstSeen = new Map<string, number>();
    const see = (id: string, now: number): number => {
      const t = firstSeen.get(id);
      if (t !== undefined) return t;
      firstSeen.set(id, now);
      if (firstSeen.size > SEEN_LIMIT) firstSeen.delete(firstSeen.keys().next().value!);
      return now;
    };
    let seen = false;
    let readings = 0;
    return {
      id: config.id,
      kind: config.kind,
      queue: config.queue,
      async read() {
        await ensureConnected(client);
        const pipeline = client.pipeline();
        for (const key of keys) pipeline.llen(key);
        // Head (next to go: kombu LPUSHes and BRPOPs) and tail (the newest) of each list.
        for (const key of keys) pipeline.lindex(key, -1).lindex(key, 0);
        pipeline.hvals(unackedKey);
        if (!seen) pipeline.smembers(bindingKey);
        const results = (await pipeline.exec()) ?? [];
        for (const [err] of results) if (err) throw err;
        const now = Date.now();
        const at = (i: number) => results[i]![1];
        let depth = 0;
        keys.forEach((_, i) => (depth += Number(at(i))));
        let oldestMs = 0;
        keys.forEach((_, i) => {
          const head = at(keys.length + 2 * i) as string | null;
          const tail = at(keys.length + 2 * i + 1) as string | null;
          // The newest task's first sighting is close to its enqueue time: when it reaches the head
          // later, its age counts from there rather than from when it got to the head.
          if (tail !== null) see(celeryTaskId(tail), now);
          if (head !== null) oldestMs = Math.max(oldestMs, now - see(celeryTaskId(head), now));
        });
        const unacked = ((at(3 * keys.length) as string[] | null) ?? []).filter((v) => unackedFor(v, config.queue)).length;
        if (!seen) {
          const sep = KOMBU_PRIORITY_SEPARATOR;
          const bound = ((at(3 * keys.length + 1) as string[] | null) ?? []).some((m) => m.split(sep).at(-1) === config.queue);
          seen = bound || depth > 0 || unacked > 0;
        }
        readings++;
        const out: ProbeReading[] = [
          { metric: 'queue_depth', value: depth },
          { metric: 'queue_pending', value: unacked },
          { metric: 'queue_oldest_age_seconds', value: oldestMs / 1000 },
        ];
        return out;
      },
      findings() {
        if (seen || readings === 0) return [];
        return [
          `queue ${JSON.stringify(config.queue)} never existed on the broker during the run (${readings} readings: no message in ${keys.map((k) => JSON.stringify(k)).join(', ')}, none unacknowledged, no kombu binding ${JSON.stringify(bindingKey)}): a misspelt queue name reads 0 and passes every depth gate`,
        ];
      },
      close: () => closeRedis(client),
    };
  },
});
