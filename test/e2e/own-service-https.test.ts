// An https service of the user's own (a node:https server with a certificate made by openssl for
// this test): an http-latency fault on it puts a proxy route in front that takes the script's plain
// HTTP and speaks TLS to the service, sending the service's own Host. The certificate is checked:
// trusted through NODE_EXTRA_CA_CERTS, refused without it (and then the run cannot pass).
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportSchema } from '../../model/report.js';
import { bundleCli, runCli, type CliBundle } from '../support/cli-bundle.js';

const SCRIPT = `
import http from 'k6/http';
export const options = {
  scenarios: { steady: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '7s', preAllocatedVUs: 4, maxVUs: 20 } },
};
export default function () { http.get(__ENV.CHAOSGATE_URL_SECURE + '/orders'); }
`;

let dir: string;
let cli: CliBundle;
let server: Server;
let port: number;
const hosts = new Set<string>();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-own-https-'));
  // A self-signed certificate for 127.0.0.1, valid for a day.
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  server = createServer({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }, (req, res) => {
    hosts.add(req.headers.host ?? '');
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  await writeFile(join(dir, 'load.js'), SCRIPT);
  await writeFile(
    join(dir, 'chaosgate.config.json'),
    JSON.stringify({
      evaluate: { bucketWidth: '1s' },
      services: { secure: { url: `https://127.0.0.1:${port}` } },
      chaos: {
        journal: join(dir, 'journal.json'),
        plan: [{ id: 'tls-slow', kind: 'http-latency', target: 'secure', at: '2s', duration: '2s', params: { fixedMs: 150 } }],
      },
      gates: [{ id: 'errors', metric: 'http_req_failed{service:secure}', expression: 'rate<0.05' }],
    }),
  );
  cli = await bundleCli('own-service-https');
}, 60_000);

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await cli?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `chaosgate run --script load.js` in the test's folder; stdout and stderr together. */
async function run(outDir: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  const r = await runCli(cli.cli, ['run', '--script', 'load.js', '--out-dir', outDir], { cwd: dir, env: { ...process.env, ...env }, timeoutMs: 90_000 });
  return { code: r.code, stderr: r.stdout + r.stderr };
}

describe('an https service of your own', () => {
  it('is faulted through a proxy that speaks TLS to it, with its own Host, when its CA is trusted', async () => {
    const out = join(dir, 'trusted');
    const r = await run(out, { NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/service secure: CHAOSGATE_URL_SECURE=http:\/\/127\.0\.0\.1:\d+ \(fault proxy\)/);
    // The service saw its own address as Host, never the proxy's.
    expect([...hosts]).toEqual([`127.0.0.1:${port}`]);
    const report = reportSchema.parse(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')));
    const rows = report.analysis!.phases;
    const fault = rows.find((p) => p.name === 'fault:tls-slow')!;
    const baseline = rows.find((p) => p.name === 'baseline')!;
    expect(fault.requests).toBeGreaterThan(0);
    expect(fault.p50!).toBeGreaterThanOrEqual(150);
    expect(baseline.p50!).toBeLessThan(150);
    expect(report.analysis!.services!.find((s) => s.service === 'secure')).toMatchObject({ proxied: true, errorRate: 0 });
  }, 120_000);

  it('an untrusted certificate is refused: every request fails (a 502 from the proxy) and the run fails', async () => {
    const out = join(dir, 'untrusted');
    const r = await run(out, { NODE_EXTRA_CA_CERTS: '' });
    expect(r.code, r.stderr).toBe(99);
    expect(r.stderr).toMatch(/FAIL errors: /);
    const report = reportSchema.parse(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')));
    expect(report.analysis!.services!.find((s) => s.service === 'secure')!.errorRate).toBe(1);
    // The proxy answered every request itself (502): nothing reached the service with an untrusted certificate.
    const classes = report.series.filter((s) => s.metric === 'http_reqs').map((s) => s.tags.status_class);
    expect(new Set(classes)).toEqual(new Set(['5xx']));
  }, 120_000);
});
