// Pre-flight against real sockets: a service that becomes ready, a port nothing listens on, a probe
// whose first reading fails — each settled in seconds, before any load.
import { describe, expect, it } from 'vitest';
import { configSchema } from '../config/schema.js';
import { freePort } from '../lib/net.js';
import { startLoopbackHttp } from '../test/support/servers.js';
import { preflight } from './preflight.js';

describe('preflight', () => {
  it('waits for a /health that turns 200, and passes', async () => {
    let calls = 0;
    const svc = await startLoopbackHttp((_req, res) => res.writeHead(++calls < 3 ? 503 : 200).end());
    try {
      const config = configSchema.parse({ services: { web: { url: svc.url, ready: { url: `${svc.url}/health`, timeout: '10s' } } } });
      const lines: string[] = [];
      await preflight(config, [], 'redis://unused', (l) => lines.push(l));
      expect(calls).toBe(3);
      expect(lines).toEqual([expect.stringMatching(/^pre-flight: service web ready \(http:\/\/127\.0\.0\.1:\d+\/health\) after \d+\.\d s$/)]);
    } finally {
      await svc.close();
    }
  });

  it('fails in seconds naming the service, what it waited for and why; and a probe whose first reading fails', async () => {
    const port = await freePort();
    const config = configSchema.parse({
      services: { db: { tcp: `127.0.0.1:${port}`, ready: { timeout: '1s' } } },
      probes: { list: [{ kind: 'http-json', id: 'ready', url: `http://127.0.0.1:${port}/readiness`, read: [{ path: 'ok', metric: 'db_ok' }] }] },
    });
    const started = Date.now();
    const err = await preflight(config, config.probes.list, 'redis://unused', () => {}).catch((e: Error & { exitCode: number }) => e);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).toMatchObject({ exitCode: 1 });
    expect((err as Error).message).toContain(`services.db.ready: 127.0.0.1:${port} not ready within 1s (ECONNREFUSED)`);
    expect((err as Error).message).toMatch(/probes\.list\[0\] \(ready\): first reading failed: /);
  });
});
