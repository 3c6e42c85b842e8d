// A Redis connection for probes: fails fast instead of queueing commands while disconnected, so a
// down Redis shows up as probe errors rather than a backlog answered late.
import type { Redis } from 'ioredis';
import { redisClass } from '../lib/lazy-clients.js';

export function probeRedisClient(url: string, timeoutMs: number): Redis {
  const client = new (redisClass())(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: () => Math.min(timeoutMs, 1000),
  });
  // Connection errors surface through the failing commands; without a listener ioredis would log them.
  client.on('error', () => {});
  return client;
}

/** Connects on first use (and after a `close`d client would be replaced by the caller). */
export async function ensureConnected(client: Redis): Promise<void> {
  if (client.status === 'wait' || client.status === 'end') await client.connect();
}

export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  client.disconnect();
}
