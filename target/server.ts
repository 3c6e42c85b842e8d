// The reference target: one node:http server standing in for the seeds' stack. Every request
// goes through the same steps: route -> maintenance (web) -> chaos latency -> chaos error ->
// web latency (web) -> handler.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { targetSectionSchema } from './config.js';
import { ChaosToggles } from './chaos-toggles.js';
import { resolveCredentials, type Credentials } from './credentials.js';
import { Gpu } from './gpu.js';
import { HttpError, sleep, type Reply, type Route, type RouteContext, type TargetState } from './http.js';
import { IngestionStore } from './ingestion-store.js';
import { closeRedis, connectRedis, waitReady } from './redis.js';
import { startWorker, type RunningWorker } from './worker.js';
import { webRoutes } from './routes/web.js';
import { authRoutes } from './routes/auth.js';
import { ocrRoutes } from './routes/ocr.js';
import { ingestionRoutes } from './routes/ingestion.js';
import { adminRoutes } from './routes/admin.js';

export type StartTargetOptions = z.input<typeof targetSectionSchema> & {
  /** Top-level config `redis.url`. */
  redisUrl: string;
  /** Default: CHAOSGATE_USERNAME / CHAOSGATE_PASSWORD, else random for this run. */
  credentials?: Credentials;
  /** Default: env CHAOSGATE_TARGET_ADMIN_TOKEN; unset: the maintenance hook answers 404. */
  adminToken?: string;
  /** How often chaos toggles are re-read from Redis. */
  chaosRefreshMs?: number;
};

export interface RunningTarget {
  baseUrl: string;
  port: number;
  stop(): Promise<void>;
}

const routes: Route[] = [...webRoutes, ...authRoutes, ...ocrRoutes, ...ingestionRoutes, ...adminRoutes];

function match(method: string, pathname: string): { route: Route; params: Record<string, string> } | null {
  const parts = pathname.split('/');
  for (const route of routes) {
    if (route.method !== method) continue;
    const pattern = route.path.split('/');
    if (pattern.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const ok = pattern.every((seg, i) => {
      if (seg.startsWith(':')) {
        params[seg.slice(1)] = decodeURIComponent(parts[i]!);
        return parts[i] !== '';
      }
      return seg === parts[i];
    });
    if (ok) return { route, params };
  }
  return null;
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  const contentType = reply.contentType ?? 'application/json';
  const body = contentType.startsWith('application/json') ? JSON.stringify(reply.body) : String(reply.body);
  res.writeHead(reply.status, { 'content-type': contentType, ...reply.headers });
  res.end(body);
}

async function handle(state: TargetState, req: IncomingMessage, res: ServerResponse): Promise<Reply> {
  const url = new URL(req.url ?? '/', 'http://target');
  const found = match(req.method ?? 'GET', url.pathname);
  if (!found) return { status: 404, body: { error: 'not found' } };
  const { route, params } = found;
  const abort = new AbortController();
  res.on('close', () => abort.abort());
  if (route.group === 'web' && state.maintenance) {
    return { status: 503, body: { error: 'maintenance' }, headers: { 'retry-after': '30' } };
  }
  if (route.group !== 'admin') {
    const faults = state.toggles.group(route.group);
    await sleep(faults.latencyMs, abort.signal);
    if (faults.errorRate > 0 && Math.random() < faults.errorRate) {
      return { status: 500, body: { error: `chaos: injected error (${route.group})` } };
    }
    if (route.group === 'web') await sleep(state.config.webLatencyMs, abort.signal);
  }
  const ctx: RouteContext = { req, url, params, state, signal: abort.signal };
  return route.handle(ctx);
}

export async function startTarget(options: StartTargetOptions): Promise<RunningTarget> {
  const { redisUrl, credentials, adminToken, chaosRefreshMs, ...section } = options;
  const config = targetSectionSchema.parse(section);
  const redis = connectRedis(redisUrl);
  // Redis may be down at start: the target still serves (and /readiness says 503).
  await waitReady(redis, 2000);
  const toggles = new ChaosToggles(redis, chaosRefreshMs);
  await toggles.start();
  const state: TargetState = {
    config,
    redis,
    toggles,
    gpu: new Gpu({ slots: config.gpuSlots, totalBytes: config.gpuTotalBytes, idleBytes: config.gpuIdleBytes, bytesPerJob: config.gpuBytesPerJob }),
    ingestion: new IngestionStore(redis, config.queue),
    credentials: credentials ?? resolveCredentials(),
    tokens: new Set(),
    documents: new Map(),
    adminToken: adminToken ?? (process.env.CHAOSGATE_TARGET_ADMIN_TOKEN || undefined),
    maintenance: false,
  };

  const server = createServer((req, res) => {
    handle(state, req, res).then(
      (reply) => send(res, reply),
      (err: unknown) => {
        if (err instanceof HttpError) send(res, { status: err.status, body: { error: err.message } });
        else send(res, { status: 500, body: { error: 'internal error' } });
      },
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  }).catch(async (err: NodeJS.ErrnoException) => {
    toggles.stop();
    await closeRedis(redis);
    throw err;
  });

  const workers: RunningWorker[] = [];
  for (let i = 0; i < config.workers; i++) {
    workers.push(
      await startWorker({
        redisUrl,
        queue: config.queue,
        embeddingMs: config.embeddingMs,
        embeddingFailureRate: config.embeddingFailureRate,
        maxRetries: config.maxRetries,
        embeddingRateLimit: config.embeddingRateLimit,
        toggles,
      }),
    );
  }

  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let stopped: Promise<void> | undefined;
  return {
    baseUrl: `http://${host}:${port}`,
    port,
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        await Promise.all(workers.map((w) => w.stop()));
        toggles.stop();
        await closeRedis(redis);
      })();
      return stopped;
    },
  };
}
