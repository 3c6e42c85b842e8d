// Time to recover on a real run: real k6, a real proxy fault, and a service whose after-effect lasts
// a known time — like a DB pool behind a tcp-reset, it fails every request for 3 s after traffic
// comes back from a gap (the fault answers at the proxy, so the service sees none while it is on).
// The recovery the report gives is checked against the service's own record and against k6's raw
// samples. It read "recovered 0.0 s" before: the windows skipped the bucket the fault ended in.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Recovery } from '../../model/analysis.js';
import type { ReportModel } from '../../model/report.js';
import { bundleCli, runCli, type CliBundle } from '../support/cli-bundle.js';
import { startLoopbackHttp, type LoopbackHttp } from '../support/servers.js';

const COLD_MS = 3000;
/** A gap in traffic this long makes the service cold. */
const GAP_MS = 1000;

let dir: string;
let bundle: CliBundle;
let server: LoopbackHttp;
let lastRequest = 0;
/** The cold periods the service went through: [first request after the gap, end]. */
const cold: Array<[number, number]> = [];

const SCRIPT = `
import http from 'k6/http';
export const options = {
  scenarios: { main: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '24s', preAllocatedVUs: 4, maxVUs: 20 } },
};
export default function () { http.get(__ENV.CHAOSGATE_BASE_URL + '/orders', { tags: { name: 'GET /orders' } }); }
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-recovery-'));
  await writeFile(join(dir, 'orders.js'), SCRIPT);
  server = await startLoopbackHttp((_req, res) => {
    const now = Date.now();
    if (lastRequest > 0 && now - lastRequest >= GAP_MS) cold.push([now, now + COLD_MS]);
    lastRequest = now;
    const c = cold.at(-1);
    res.writeHead(c && now < c[1] ? 503 : 200).end();
  });
  bundle = await bundleCli('recovery');
}, 60_000);

afterAll(async () => {
  await server?.close();
  await bundle?.remove();
  if (dir && !process.env.CHAOSGATE_KEEP_TEST_DIRS) await rm(dir, { recursive: true, force: true });
});

describe('time to recover on a real run', () => {
  it('is what the samples say: not before the service recovered, within one bucket after, as k6 recorded it', async () => {
    const config = join(dir, 'c.json');
    await writeFile(
      config,
      JSON.stringify({
        load: { baseUrl: `http://127.0.0.1:${server.port}` },
        // 10 s buckets, as by default: the fault ends inside one, with the after-effect.
        evaluate: { bucketWidth: '10s' },
        // Judged on errors: latency on a loaded machine is not what this test is about.
        run: { recovery: { window: '5s', p95Factor: 100, errorRateDelta: 0.01 } },
        chaos: {
          journal: join(dir, 'journal.json'),
          proxy: { routes: [{ name: 'stack', upstream: `127.0.0.1:${server.port}` }] },
          plan: [{ id: 'db-reset', kind: 'http-abort', target: 'stack', at: '6s', duration: '3s', params: { status: 503 } }],
        },
        gates: [{ id: 'errors', metric: 'http_req_failed', expression: 'rate<1' }],
      }),
    );
    const outDir = join(dir, 'out');
    const r = await runCli(bundle.cli, ['run', '--script', join(dir, 'orders.js'), '--config', config, '--out-dir', outDir], { cwd: dir, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8')) as ReportModel;
    const rec = (report.analysis as { recovery: Recovery[] }).recovery[0]!;
    expect(rec.status).toBe('recovered');
    const off = rec.faultEnd!;
    // The service's own record: one cold period, right after the fault.
    const after = cold.filter(([start]) => start >= off - 100);
    expect(after).toHaveLength(1);
    const [, warm] = after[0]!;
    expect(rec.recoveredAt!).toBeGreaterThanOrEqual(warm);
    expect(rec.timeToRecoverMs!).toBeGreaterThanOrEqual(COLD_MS);
    const width = report.config.bucketWidthMs;
    expect(width).toBe(10_000);
    expect(rec.recoveredAt!).toBeLessThan(warm + width);

    // k6's raw samples, the same rule: the first 10 s window on the bucket grid, from the bucket
    // holding the fault's end, whose requests after the fault fail no more than the baseline's + 1 point.
    const points = gunzipSync(await readFile(join(outDir, 'k6.ndjson.gz')))
      .toString('utf8')
      .split('\n')
      .filter((l) => l.includes('"metric":"http_req_failed"') && l.includes('"type":"Point"'))
      .map((l) => JSON.parse(l) as { data: { time: string; value: number } })
      .map((p) => ({ time: Date.parse(p.data.time), failed: p.data.value === 1 }));
    const on = rec.faultStart;
    const before = points.filter((p) => p.time < on);
    const limit = before.filter((p) => p.failed).length / before.length + 0.01;
    let fromRaw: number | null = null;
    for (let t = Math.floor(off / width) * width; t < off + 60_000 && fromRaw === null; t += width) {
      const inWindow = points.filter((p) => p.time >= Math.max(t, off) && p.time < t + width);
      if (inWindow.length && inWindow.filter((p) => p.failed).length / inWindow.length <= limit) fromRaw = Math.max(t, off) - off;
    }
    expect(rec.timeToRecoverMs).toBe(fromRaw);
  }, 150_000);
});
