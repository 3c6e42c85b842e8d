// Locust as the load driver (issue 24, acceptance): a user's locustfile in a folder outside the
// repository, two services the test starts, a latency fault on one and 503s on the other. The real
// Locust runs with chaosgate's plugin; the run labels phases, finds recovery, judges per-service
// gates (web passes, api breaches: exit 99) and writes every report. The same plan and gates with a
// k6 script give the same verdicts and a web p95 in the same range. Locust killed mid-run is exit
// 1; a locustfile with a syntax error is exit 2 before any load.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisSchema } from '../../model/analysis.js';
import { reportSchema, type ReportModel } from '../../model/report.js';
import { bundleCli, runCli as runBundled, type CliBundle } from '../support/cli-bundle.js';
import { startLoopbackHttp, type LoopbackHttp } from '../support/servers.js';
import { waitFor } from '../support/wait.js';

const LOCUSTFILE = `
import os
from locust import HttpUser, task, constant_throughput

WEB = os.environ["CHAOSGATE_URL_WEB"]
API = os.environ["CHAOSGATE_URL_API"]

class Shopper(HttpUser):
    host = WEB
    wait_time = constant_throughput(5)

    @task
    def journey(self):
        self.client.get("/page/1")
        self.client.get(API + "/items", name="/items")
`;

// The same journey in k6, at the same rate (2 users x 5 journeys/s).
const K6_SCRIPT = `
import http from 'k6/http';
export const options = {
  scenarios: { steady: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '19s', preAllocatedVUs: 5, maxVUs: 20 } },
};
export default function () {
  http.get(__ENV.CHAOSGATE_URL_WEB + '/page/1');
  http.get(__ENV.CHAOSGATE_URL_API + '/items');
}
`;

let dir: string;
let cli: CliBundle;
let web: LoopbackHttp;
let api: LoopbackHttp;
const hits = { web: 0, api: 0 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-locust-'));
  [cli, web, api] = await Promise.all([
    bundleCli('locust'),
    startLoopbackHttp((req, res) => {
      hits.web++;
      req.resume();
      res.end('page\n');
    }),
    startLoopbackHttp((req, res) => {
      hits.api++;
      req.resume();
      res.end('{"items":[]}\n');
    }),
  ]);
  await writeFile(join(dir, 'locustfile.py'), LOCUSTFILE);
  await writeFile(join(dir, 'load.js'), K6_SCRIPT);
}, 60_000);

afterAll(async () => {
  await web?.close();
  await api?.close();
  await cli?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const plan = [
  { id: 'web-slow', kind: 'http-latency', target: 'web', at: '3s', duration: '4s', params: { fixedMs: 300 } },
  { id: 'api-503', kind: 'http-abort', target: 'api', at: '12s', duration: '3s', params: { status: 503 } },
];
const gates = [
  { id: 'web-p95', metric: 'http_req_duration{service:web}', expression: 'p(95)<2000' },
  { id: 'web-errors', metric: 'http_req_failed{service:web}', expression: 'rate<0.01' },
  { id: 'api-errors', metric: 'http_req_failed{service:api}', expression: 'rate<0.05' },
];

function config(profiles: Record<string, unknown>) {
  return {
    services: { web: { url: web.url }, api: { url: `${api.url}/v1` } },
    evaluate: { bucketWidth: '1s' },
    chaos: { journal: join(dir, 'journal.json') },
    run: { outDir: 'results', progressEvery: '1s', recovery: { window: '2s', p95Factor: 5, errorRateDelta: 0.02 } },
    profiles,
  };
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in `dir`; `during` gets the child and its stderr so far while it runs. */
function runCli(args: string[], timeoutMs: number, during?: (pid: number, stderr: () => string) => Promise<void>): Promise<Run> {
  return runBundled(cli.cli, args, { cwd: dir, timeoutMs, during });
}

/** Processes whose command line names this test's folder and Locust. */
function locustProcesses(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (cmd.includes('-m locust') && cmd.includes(dir)) pids.push(Number(name));
  }
  return pids;
}

const readReport = async (file: string): Promise<ReportModel> => reportSchema.parse(JSON.parse(await readFile(file, 'utf8')));
const report = (out: string) => readReport(join(out, 'report.json'));

describe('Locust as the load driver', () => {
  it('judges a locustfile like a k6 script: phases, recovery, per-service gates, every report; the same verdicts as k6', async () => {
    await writeFile(
      join(dir, 'chaosgate.config.json'),
      JSON.stringify(
        config({
          locust: { locustfile: 'locustfile.py', locust: { users: 2, spawnRate: 2, runTime: '19s' }, plan, gates },
          k6: { script: 'load.js', plan, gates },
        }),
      ),
    );
    const out = join(dir, 'run-locust');
    const before = { ...hits };
    const r = await runCli(['run', 'locust', '--out-dir', out], 120_000);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.code, r.stderr).toBe(99);
    expect(r.stderr).toMatch(/PASS web-p95: /);
    expect(r.stderr).toMatch(/FAIL api-errors: /);
    expect(hits.web - before.web).toBeGreaterThan(50);
    expect(hits.api - before.api).toBeGreaterThan(50);

    for (const f of ['report.json', 'junit.xml', 'summary.md', 'report.html', 'locust.ndjson.gz', 'locust.log', 'locust-stats.json', 'locust_stats.csv']) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    const lr = await report(out);
    expect(lr.verdict).toBe('fail');
    expect(lr.partial).toBe(false);
    expect(lr.inputs.map((i) => i.source)).toEqual(['locust']);
    expect(lr.phases.map((p) => p.name)).toEqual(expect.arrayContaining(['baseline', 'fault:web-slow', 'recovery', 'fault:api-503']));

    // Every request Locust counted is a sample, and no more.
    const stats = JSON.parse(await readFile(join(out, 'locust-stats.json'), 'utf8')) as Array<{ name: string; num_requests: number; num_failures: number }>;
    const locustCount = stats.reduce((n, s) => n + s.num_requests, 0);
    expect(locustCount).toBeGreaterThan(100);
    expect(lr.totals.perMetric.http_reqs).toBe(locustCount);
    expect(lr.totals.perMetric.http_req_failed).toBe(locustCount);
    const analysis = analysisSchema.parse(lr.analysis);
    const svc = Object.fromEntries(analysis.services!.map((s) => [s.service, s]));
    expect(svc.web!.requests + svc.api!.requests).toBe(locustCount);
    expect(svc.api!.errors).toBe(stats.reduce((n, s) => n + s.num_failures, 0));
    expect(svc.web!.errors).toBe(0);
    const phase = (s: string, p: string) => svc[s]!.phases.find((x) => x.phase === p)!;
    expect(phase('web', 'fault:web-slow').p95!).toBeGreaterThanOrEqual(300);
    expect(phase('api', 'fault:web-slow').p95!).toBeLessThan(300);
    expect(phase('api', 'fault:api-503').errorRate!).toBeGreaterThan(0.9);
    expect(analysis.recovery.map((x) => x.faultId)).toEqual(['web-slow', 'api-503']);
    expect(analysis.recovery.find((x) => x.faultId === 'web-slow')!.status).toBe('recovered');
    expect(await readFile(join(out, 'report.html'), 'utf8')).toContain('<h2>Services</h2>');
    expect(await readFile(join(out, 'junit.xml'), 'utf8')).toMatch(/api-errors/);

    // The plugin's output is k6 NDJSON: `evaluate` reads it as such, with the same counts.
    const ev = join(dir, 'evaluate.json');
    await writeFile(join(dir, 'count.json'), JSON.stringify({ gates: [{ id: 'requests', metric: 'http_reqs', expression: `count==${locustCount}` }] }));
    const e = await runCli(['evaluate', join(out, 'locust.ndjson.gz'), '-c', join(dir, 'count.json'), '--events', join(out, 'chaos-events.jsonl'), '--json', ev], 60_000);
    expect(e.code, e.stderr).toBe(0);
    const er = await readReport(ev);
    expect(er.inputs[0]!.format).toBe('ndjson');
    expect(er.totals.malformed).toBe(0);
    expect(er.phases.map((p) => p.name)).toEqual(lr.phases.map((p) => p.name));
    // Locust's own CSV history of the same run is read as a labelled approximation: its counts never
    // exceed Locust's, but Locust writes no row when it stops, so its last second can be missing.
    const csvReport = join(dir, 'evaluate-csv.json');
    await writeFile(join(dir, 'count-csv.json'), JSON.stringify({ gates: [{ id: 'requests', metric: 'http_reqs', expression: `count<=${locustCount}` }] }));
    const csv = await runCli(['evaluate', join(out, 'locust_stats_history.csv'), '-c', join(dir, 'count-csv.json'), '--json', csvReport], 60_000);
    expect(csv.code, csv.stderr).toBe(0);
    const cr = await readReport(csvReport);
    expect(cr.inputs[0]!.format).toBe('locust-csv');
    expect(cr.gates[0]!.observed!).toBeGreaterThan(0);
    expect(cr.notes?.[0]).toMatch(/^Evaluated from Locust's CSV stats history .*an approximation/);

    // The same plan and gates with k6: the same verdicts, the web's p95 in the same range.
    const kout = join(dir, 'run-k6');
    const k = await runCli(['run', 'k6', '--out-dir', kout], 120_000);
    expect(k.code, k.stderr).toBe(99);
    const kr = await report(kout);
    const verdicts = (m: ReportModel) => Object.fromEntries(m.gates.map((g) => [g.id, g.verdict]));
    expect(verdicts(lr)).toEqual(verdicts(kr));
    expect(verdicts(lr)).toEqual({ 'web-p95': 'pass', 'web-errors': 'pass', 'api-errors': 'fail' });
    const observed = (m: ReportModel, id: string) => m.gates.find((g) => g.id === id)!.observed!;
    for (const m of [lr, kr]) {
      // A quarter of the web's requests were slowed by 300 ms: the p95 is the fault's, far below the limit.
      expect(observed(m, 'web-p95')).toBeGreaterThanOrEqual(300);
      expect(observed(m, 'web-p95')).toBeLessThan(1500);
      // 3 s of 503s in 19 s of load.
      expect(observed(m, 'api-errors')).toBeGreaterThan(0.08);
      expect(observed(m, 'api-errors')).toBeLessThan(0.35);
    }
    expect(locustProcesses()).toEqual([]);
  }, 300_000);

  it('Locust killed mid-run: exit 1, never a pass, faults rolled back', async () => {
    await writeFile(join(dir, 'kill.json'), JSON.stringify(config({ kill: { locustfile: 'locustfile.py', locust: { users: 2, runTime: '30s' }, plan, gates } })));
    const out = join(dir, 'run-kill');
    const r = await runCli(['run', 'kill', '-c', join(dir, 'kill.json'), '--out-dir', out], 90_000, async (_pid, stderr) => {
      // Once the test runs (progress lines come after Locust's test start), kill Locust itself.
      await waitFor(() => /0:0[2-9] \/ 0:30/.test(stderr()), { what: () => `a progress line in:\n${stderr()}`, timeoutMs: 60_000 });
      const pids = await waitFor(() => (locustProcesses().length ? locustProcesses() : null), { what: 'the Locust process' });
      for (const p of pids) process.kill(p, 'SIGKILL');
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/INCOMPLETE Locust was killed by SIGKILL/);
    expect(r.stderr).toContain('chaos: rolled back, nothing left applied');
    const kr = await report(out);
    expect(kr.verdict).toBe('fail');
    expect(kr.partial).toBe(true);
    expect(locustProcesses()).toEqual([]);
  }, 120_000);

  it('the run SIGKILLed: the Locust it left running is journalled, and `chaos clear` stops it', async () => {
    await writeFile(join(dir, 'orphan.json'), JSON.stringify(config({ orphan: { locustfile: 'locustfile.py', locust: { users: 1, runTime: '60s' }, gates } })));
    const r = await runCli(['run', 'orphan', '-c', join(dir, 'orphan.json'), '--out-dir', join(dir, 'run-orphan')], 90_000, async (pid, stderr) => {
      await waitFor(() => /0:0[1-9] \/ 1:00/.test(stderr()), { what: () => `a progress line in:\n${stderr()}`, timeoutMs: 60_000 });
      process.kill(pid, 'SIGKILL');
    });
    expect(r.code).toBeNull();
    const orphans = locustProcesses();
    expect(orphans.length, 'Locust outlived the killed run').toBe(1);
    const clear = await runCli(['chaos', 'clear', '-c', join(dir, 'orphan.json')], 60_000);
    expect(clear.code, clear.stderr).toBe(0);
    expect(clear.stdout).toContain(`reaped locust (pid ${orphans[0]})`);
    await waitFor(() => locustProcesses().length === 0, { what: () => `Locust ${orphans.join(', ')} gone`, timeoutMs: 20_000 });
  }, 120_000);

  it('SIGINT mid-run: faults rolled back, Locust stopped, partial reports, exit 130', async () => {
    await writeFile(join(dir, 'int.json'), JSON.stringify(config({ int: { locustfile: 'locustfile.py', locust: { users: 2, runTime: '30s' }, plan, gates } })));
    const out = join(dir, 'run-int');
    const r = await runCli(['run', 'int', '-c', join(dir, 'int.json'), '--out-dir', out], 90_000, async (pid, stderr) => {
      // While web-slow is on (3 s in): the rollback has something to undo.
      await waitFor(() => stderr().includes('chaos: web-slow on'), { what: () => `web-slow on in:\n${stderr()}`, timeoutMs: 60_000 });
      process.kill(pid, 'SIGINT');
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toContain('chaos: rolled back, nothing left applied');
    const ir = await report(out);
    expect(ir.partial).toBe(true);
    expect(ir.totals.perMetric.http_reqs).toBeGreaterThan(0);
    expect(existsSync(join(out, 'locust.log'))).toBe(true);
    expect(locustProcesses()).toEqual([]);
  }, 120_000);

  it('a locustfile with a syntax error: a message naming file:line, exit 2, no load', async () => {
    await writeFile(join(dir, 'broken.py'), 'from locust import HttpUser, task\n\nclass U(HttpUser):\n    @task\n    def t(self)\n        pass\n');
    await writeFile(join(dir, 'broken.json'), JSON.stringify(config({ broken: { locustfile: 'broken.py', locust: { users: 1, runTime: '5s' }, plan, gates } })));
    const before = { ...hits };
    const r = await runCli(['run', 'broken', '-c', join(dir, 'broken.json'), '--out-dir', join(dir, 'run-broken')], 60_000);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`locustfile ${join(dir, 'broken.py')}:5: SyntaxError`);
    expect(r.stderr).toContain('no load was started');
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(hits).toEqual(before);
    expect(locustProcesses()).toEqual([]);
  }, 90_000);

  it('names the missing field of a locust profile without a LoadTestShape (exit 2)', async () => {
    await writeFile(join(dir, 'nort.json'), JSON.stringify(config({ nort: { locustfile: 'locustfile.py', locust: { users: 1 }, gates } })));
    const r = await runCli(['run', 'nort', '-c', join(dir, 'nort.json'), '--out-dir', join(dir, 'run-nort')], 60_000);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('profiles.nort.locust.runTime: required (the locustfile has no LoadTestShape)');
  }, 90_000);
});
