// Redis connections for the target and its worker: fail fast instead of queueing commands while
// Redis is down (so /readiness can say 503 and requests don't hang), reconnect in the background.
import type { Redis } from 'ioredis';
import { redisClass } from '../lib/lazy-clients.js';

export function connectRedis(url: string): Redis {
  const redis = new (redisClass())(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 1000,
    retryStrategy: (attempt) => Math.min(attempt * 100, 1000),
  });
  // Connection errors surface through the commands that fail; an unhandled 'error' event
  // would only print noise (and, with no listener, ioredis logs every retry).
  redis.on('error', () => {});
  return redis;
}

/** Resolves once the connection is ready, or false after timeoutMs (Redis may come up later). */
export function waitReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
}

/** True when Redis answers PING within timeoutMs. */
export async function pingRedis(redis: Redis, timeoutMs = 300): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const reply = await Promise.race([
      redis.ping(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
    return reply === 'PONG';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Closes a connection without waiting on a Redis that may be gone. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await Promise.race([redis.quit(), new Promise((r) => setTimeout(r, 500))]);
    } catch {
      // already closing
    }
  }
  redis.disconnect();
}
