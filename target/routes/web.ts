// The web app's pages and health endpoints (the Django/LiteLLM side and the API's /health, /readiness).
import type { Route } from '../http.js';
import { pingRedis } from '../redis.js';

const html = (title: string) => ({
  status: 200,
  contentType: 'text/html; charset=utf-8',
  body: `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>`,
});

const startedAt = Date.now();

export const webRoutes: Route[] = [
  { method: 'GET', path: '/', group: 'web', handle: async () => html('chaosgate reference target') },
  { method: 'GET', path: '/tenant-demo/', group: 'web', handle: async () => html('tenant demo') },
  { method: 'GET', path: '/admin/login/', group: 'web', handle: async () => html('admin login') },
  {
    method: 'GET',
    path: '/health/liveliness',
    group: 'web',
    handle: async () => ({ status: 200, contentType: 'text/plain; charset=utf-8', body: 'alive' }),
  },
  {
    method: 'GET',
    path: '/health',
    group: 'web',
    handle: async () => ({ status: 200, body: { status: 'ok', error_count: 0, uptime_s: Math.round((Date.now() - startedAt) / 1000) } }),
  },
  {
    method: 'GET',
    path: '/readiness',
    group: 'web',
    // The seeds' DB ping: here Redis, the store everything else depends on.
    handle: async ({ state }) =>
      (await pingRedis(state.redis)) ? { status: 200, body: { status: 'ready' } } : { status: 503, body: { status: 'unavailable', reason: 'redis does not answer PING' } },
  },
];
