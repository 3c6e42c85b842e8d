// The Redis client library, loaded on first use: only `run`, chaos drivers, probes and the target
// connect to Redis, and loading ioredis (with the NATS and AMQP clients, loaded where their probes
// connect) up front cost every command, `evaluate` included, ~50 ms of its start and ~25 MB
// (dist/cli.mjs --version 0.20 → 0.15 s; docs/benchmarks.md). Synchronous: callers construct
// clients synchronously.
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';

const load = createRequire(import.meta.url);

/** ioredis's client class. */
export function redisClass(): typeof Redis {
  return (load('ioredis') as { Redis: typeof Redis }).Redis;
}
