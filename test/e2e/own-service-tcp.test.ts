// A TCP service of the user's own (a throwaway redis-server): the script reaches it through
// CHAOSGATE_ADDR_CACHE, a tcp-latency fault on the service puts a tcp route in front of it, and the
// script's own `service` tag on its custom metric lets per-phase gates tell the fault apart.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisSchema } from '../../model/analysis.js';
import { reportSchema } from '../../model/report.js';
import { bundleCli, runCli as runBundled, type CliBundle } from '../support/cli-bundle.js';
import { startRedis, type RunningServer } from '../support/servers.js';

const SCRIPT = `
import redis from 'k6/x/redis';
import { Trend } from 'k6/metrics';

const ADDR = __ENV.CHAOSGATE_ADDR_CACHE;
if (!ADDR) throw new Error('CHAOSGATE_ADDR_CACHE not set');
const client = new redis.Client('redis://' + ADDR);
const op = new Trend('cache_op_duration', true);

export const options = {
  scenarios: { steady: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '14s', preAllocatedVUs: 5, maxVUs: 30 } },
};

export default async function () {
  const t0 = Date.now();
  await client.set('k' + __VU, 'v');
  await client.get('k' + __VU);
  op.add(Date.now() - t0, { service: 'cache' });
}
`;

let dir: string;
let cli: CliBundle;
let cache: RunningServer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-own-tcp-'));
  [cli, cache] = await Promise.all([bundleCli('own-service-tcp'), startRedis()]);
}, 60_000);

afterAll(async () => {
  await cache?.stop();
  await cli?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI in `dir` (bounded in time); resolves with its exit code and stderr. */
function runCli(args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return runBundled(cli.cli, args, { cwd: dir, timeoutMs });
}

describe('gate your own TCP service', () => {
  it('routes a tcp fault through CHAOSGATE_ADDR_<NAME> and judges the script-tagged metric per phase', async () => {
    await writeFile(join(dir, 'cache.js'), SCRIPT);
    const config = {
      services: { cache: { tcp: `127.0.0.1:${cache.port}` } },
      evaluate: { bucketWidth: '1s' },
      profiles: {
        cache: {
          script: 'cache.js',
          plan: [{ id: 'cache-slow', kind: 'tcp-latency', target: 'cache', at: '4s', duration: '5s', params: { fixedMs: 100 } }],
          gates: [
            { id: 'cache-baseline-p50', metric: 'cache_op_duration{service:cache}', phase: 'baseline', expression: 'p(50)<50' },
            { id: 'cache-fault-p50', metric: 'cache_op_duration{service:cache}', phase: 'fault:cache-slow', expression: 'p(50)<50' },
          ],
        },
      },
    };
    await writeFile(join(dir, 'chaosgate.config.json'), JSON.stringify(config));
    const out = join(dir, 'run');
    const r = await runCli(['run', 'cache', '--config', join(dir, 'chaosgate.config.json'), '--out-dir', out], 120_000);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.code, r.stderr).toBe(99);
    const proxied = /service cache: CHAOSGATE_ADDR_CACHE=127\.0\.0\.1:(\d+) \(fault proxy\)/.exec(r.stderr);
    expect(proxied, r.stderr).not.toBeNull();
    expect(Number(proxied![1])).not.toBe(cache.port);

    const report = reportSchema.parse(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')));
    const gates = Object.fromEntries(report.gates.map((g) => [g.id, g]));
    expect(gates['cache-baseline-p50']!.verdict).toBe('pass');
    expect(gates['cache-fault-p50']!.verdict).toBe('fail');
    // Two round trips, each answer held 100 ms by the proxy.
    expect(gates['cache-fault-p50']!.observed!).toBeGreaterThanOrEqual(190);
    const analysis = analysisSchema.parse(report.analysis);
    expect(analysis.faults.map((f) => [f.id, f.target])).toEqual([['cache-slow', 'cache']]);
    expect(analysis.services).toEqual([expect.objectContaining({ service: 'cache', proxied: true, address: `127.0.0.1:${proxied![1]}`, requests: 0 })]);
  }, 150_000);
});
