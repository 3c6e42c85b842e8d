// `chaosgate load`: one scenario against a stack (or the reference target it starts), k6's
// NDJSON and summary left in the results folder, k6's exit code returned.
import type { ChaosgateConfig } from '../config/index.js';
import { UsageError } from '../lib/errors.js';
import { credentialsEnv, resolveCredentials } from '../target/credentials.js';
import { closeRedis, connectRedis, pingRedis, waitReady } from '../target/redis.js';
import { startTarget, type RunningTarget } from '../target/server.js';
import { runK6, type K6Exit, type RunningK6 } from '../load/k6-runner.js';
import { buildScenarioConfig } from '../load/scenario-config.js';
import type { ScenarioName } from '../load/scenarios.js';

export interface RunLoadOptions {
  scenario: ScenarioName;
  config: ChaosgateConfig;
  outDir: string;
  /** Start the reference target (from the `target` section) and aim the load at it. */
  startTarget?: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  stdio?: 'inherit' | 'pipe' | 'ignore';
  /** Progress lines (never secrets). */
  log?: (line: string) => void;
}

export interface LoadResult extends K6Exit {
  baseUrl: string;
  paths: RunningK6['paths'];
}

import { redactUrl } from '../lib/redact.js';

/** A UsageError naming the field when Redis at `url` does not answer within timeoutMs. */
export async function requireRedis(url: string, timeoutMs = 2000): Promise<void> {
  const redis = connectRedis(url);
  try {
    if ((await waitReady(redis, timeoutMs)) && (await pingRedis(redis, timeoutMs))) return;
    throw new UsageError(
      `redis.url ${redactUrl(url)}: Redis does not answer (the target's queue and the queue-depth gauge need it); start redis-server or set redis.url / CHAOSGATE_REDIS_URL`,
    );
  } finally {
    await closeRedis(redis);
  }
}

export async function runLoad(opts: RunLoadOptions): Promise<LoadResult> {
  const log = opts.log ?? (() => {});
  const redisUrl = opts.config.redis.url;
  await requireRedis(redisUrl);
  const credentials = resolveCredentials(opts.env ?? process.env);
  if (credentials.generated) log('credentials: CHAOSGATE_USERNAME/CHAOSGATE_PASSWORD unset, using random ones for this run');
  let target: RunningTarget | undefined;
  try {
    if (opts.startTarget) {
      target = await startTarget({ ...opts.config.target, redisUrl, credentials }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') throw new UsageError(`target.port ${opts.config.target.port}: already in use (0 picks a free port)`);
        throw err;
      });
      log(`reference target: ${target.baseUrl}`);
    }
    const baseUrl = target?.baseUrl ?? opts.config.load.baseUrl;
    const k6 = await runK6({
      scenario: opts.scenario,
      config: buildScenarioConfig(opts.config.load, { baseUrl }),
      outDir: opts.outDir,
      redisUrl,
      env: credentialsEnv(credentials),
      signal: opts.signal,
      stdio: opts.stdio,
    });
    log(`k6 run ${opts.scenario} -> ${k6.paths.ndjson}`);
    const exit = await k6.done;
    return { ...exit, baseUrl, paths: k6.paths };
  } finally {
    await target?.stop();
  }
}
