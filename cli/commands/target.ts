// `chaosgate target`: the reference target in the foreground; `chaosgate target worker`: its
// ingestion worker as a separate process (with a PID file, for chaos's process signals).
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { UsageError } from '../../lib/errors.js';
import { redactUrl } from '../../lib/redact.js';
import { startTarget } from '../../target/server.js';
import { runWorkerProcess } from '../../target/worker-process.js';
import { numberFlag, withConfigFlags, type ConfigFlags } from '../config-flags.js';

const out = (line: string) => process.stdout.write(`${line}\n`);

function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    process.once('SIGINT', () => done('SIGINT'));
    process.once('SIGTERM', () => done('SIGTERM'));
  });
}

async function serve(flags: ConfigFlags & { port?: number; workers?: number }): Promise<void> {
  const set = [...flags.set];
  if (flags.port !== undefined) set.push(`target.port=${flags.port}`);
  if (flags.workers !== undefined) set.push(`target.workers=${flags.workers}`);
  const config = await loadConfig({ file: flags.config, set });
  const target = await startTarget({ ...config.target, redisUrl: config.redis.url }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'EADDRINUSE') throw new UsageError(`target.port ${config.target.port}: already in use (0 picks a free port)`);
    throw err;
  });
  out(`reference target listening on ${target.baseUrl} (redis ${redactUrl(config.redis.url)}, queue ${config.target.queue}, ${config.target.workers} in-process worker(s))`);
  if (!process.env.CHAOSGATE_USERNAME || !process.env.CHAOSGATE_PASSWORD) {
    out('login: CHAOSGATE_USERNAME/CHAOSGATE_PASSWORD unset, so the login accepts random credentials nobody knows');
  }
  const signal = await untilSignal();
  await target.stop();
  out(`stopped (${signal})`);
}

interface WorkerFlags extends ConfigFlags {
  redis?: string;
  pidFile: string;
  queue?: string;
  embeddingMs?: number;
  failureRate?: number;
  maxRetries?: number;
  rateLimit?: number;
}

async function worker(flags: WorkerFlags): Promise<void> {
  const set = [...flags.set];
  // Flags go through the config schema, so a bad value is named and range-checked there.
  if (flags.redis !== undefined) set.push(`redis.url=${flags.redis}`);
  if (flags.queue !== undefined) set.push(`target.queue=${flags.queue}`);
  if (flags.embeddingMs !== undefined) set.push(`target.embeddingMs=${flags.embeddingMs}`);
  if (flags.failureRate !== undefined) set.push(`target.embeddingFailureRate=${flags.failureRate}`);
  if (flags.maxRetries !== undefined) set.push(`target.maxRetries=${flags.maxRetries}`);
  if (flags.rateLimit !== undefined) set.push(`target.embeddingRateLimit=${flags.rateLimit}`);
  const config = await loadConfig({ file: flags.config, set });
  const t = config.target;
  const signal = await runWorkerProcess({
    redisUrl: config.redis.url,
    queue: t.queue,
    embeddingMs: t.embeddingMs,
    embeddingFailureRate: t.embeddingFailureRate,
    maxRetries: t.maxRetries,
    embeddingRateLimit: t.embeddingRateLimit,
    pidFile: flags.pidFile,
    onReady: () => out(`ingestion worker pid ${process.pid} popping ${t.queue} (redis ${redactUrl(config.redis.url)})`),
  });
  out(`worker stopped (${signal})`);
}

export function register(program: Command): void {
  const target = withConfigFlags(program.command('target'))
    .description("run the reference target (the seeds' stack stand-in) in the foreground until SIGINT/SIGTERM")
    .option('--port <port>', 'listen port (overrides target.port; 0 picks a free one)', numberFlag)
    .option('--workers <n>', 'in-process ingestion workers (overrides target.workers; 0 with `target worker`)', numberFlag)
    .action(serve);
  withConfigFlags(target.command('worker'))
    .description('run the ingestion worker as its own process until SIGINT/SIGTERM')
    .requiredOption('--pid-file <file>', "write this process's PID here (for chaos process signals)")
    .option('--redis <url>', 'Redis with the Celery queue (overrides redis.url)')
    .option('--queue <name>', 'queue to pop (overrides target.queue)')
    .option('--embedding-ms <ms>', 'time one embedding takes (overrides target.embeddingMs)', numberFlag)
    .option('--failure-rate <p>', 'probability an attempt fails, 0..1 (overrides target.embeddingFailureRate)', numberFlag)
    .option('--max-retries <n>', 'retries per document (overrides target.maxRetries)', numberFlag)
    .option('--rate-limit <n>', 'embedding calls per second over all workers, 0 none (overrides target.embeddingRateLimit)', numberFlag)
    .action(worker);
}
