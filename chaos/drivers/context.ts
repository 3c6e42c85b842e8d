// The drivers' shared context: one lazily connected Redis client, Toxiproxy's address, env.
import type { Redis } from 'ioredis';
import { redisClass } from '../../lib/lazy-clients.js';
import type { DriverContext } from './types.js';

export interface OwnedDriverContext extends DriverContext {
  close(): Promise<void>;
}

export function driverContext(redisUrl: string, toxiproxy: { url: string; timeoutMs: number }, env: NodeJS.ProcessEnv): OwnedDriverContext {
  let client: Redis | undefined;
  return {
    redisUrl,
    toxiproxy,
    env,
    redis() {
      // Bounded: a toggle that cannot reach Redis fails in seconds instead of retrying forever.
      client ??= new (redisClass())(redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 3000, commandTimeout: 3000, lazyConnect: false });
      client.on('error', () => {});
      return client;
    },
    async close() {
      if (client) await client.quit().catch(() => client?.disconnect());
    },
  };
}
