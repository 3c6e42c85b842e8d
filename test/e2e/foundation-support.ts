// Support for the foundation's end-to-end tests: the stack k6 runs against, and k6's NDJSON
// (`--out json=`) read as points by metric, tags and time, with a plain p95 to compare phases.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Credentials } from '../../target/credentials.js';
import { startTarget, type RunningTarget, type StartTargetOptions } from '../../target/server.js';
import { startRedis, type RunningServer } from '../support/servers.js';

export interface Point {
  metric: string;
  time: number;
  value: number;
  tags: Record<string, string>;
}

export async function readPoints(path: string): Promise<Point[]> {
  const points: Point[] = [];
  for (const line of (await readFile(path, 'utf8')).split('\n')) {
    if (!line) continue;
    const row = JSON.parse(line) as { type: string; metric: string; data: { time: string; value: number; tags?: Record<string, string> } };
    if (row.type !== 'Point') continue;
    points.push({ metric: row.metric, time: Date.parse(row.data.time), value: row.data.value, tags: row.data.tags ?? {} });
  }
  return points;
}

/** The nearest-rank percentile (q in 0..1) of `values`; NaN for none. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const p95 = (values: number[]): number => percentile(values, 0.95);

/** A throwaway Redis, the reference target on it, and a temp folder: what each foundation test runs k6 against. */
export interface Stack {
  redis: RunningServer;
  target: RunningTarget;
  dir: string;
  credentials: Credentials;
  stop(): Promise<void>;
}

export async function startStack(options: Omit<StartTargetOptions, 'redisUrl' | 'credentials'> = {}): Promise<Stack> {
  const credentials = { username: 'foundation-user', password: `pw-${Math.random().toString(36).slice(2)}` };
  const redis = await startRedis();
  const target = await startTarget({ port: 0, webLatencyMs: 0, ...options, redisUrl: redis.url, credentials });
  const dir = await mkdtemp(join(tmpdir(), 'chaosgate-foundation-'));
  return {
    redis,
    target,
    dir,
    credentials,
    async stop() {
      await target.stop();
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
