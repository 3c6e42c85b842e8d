// Gate your own service (issue 9, acceptance): two small HTTP services that are not the reference
// target, a k6 script the user wrote (in a folder outside the repository) that reads the services'
// URLs from CHAOSGATE_URL_*, and `chaosgate run` with a plan that slows one service and makes the
// other answer 503. The run must label phases, compute recovery per fault, judge per-service gates
// separately (web passes, api breaches), write every report and exit 99.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisSchema, type Analysis } from '../../model/analysis.js';
import { reportSchema } from '../../model/report.js';
import { bundleCli, runCli as runBundled, type CliBundle } from '../support/cli-bundle.js';

interface Service {
  server: Server;
  url: string;
  hits: number;
}

/** A plain node:http service on a free loopback port that answers every request at once. */
async function startService(body: (path: string) => string): Promise<Service> {
  const svc = { hits: 0 } as Service;
  svc.server = createServer((req, res) => {
    svc.hits++;
    req.resume();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(body(req.url ?? '/'));
  });
  await new Promise<void>((r) => svc.server.listen(0, '127.0.0.1', r));
  const addr = svc.server.address();
  svc.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return svc;
}

// The user's script: one line per service reads where to send requests.
const SCRIPT = `
import http from 'k6/http';
import { check } from 'k6';

const WEB = __ENV.CHAOSGATE_URL_WEB;
const API = __ENV.CHAOSGATE_URL_API;
const DOCS = __ENV.CHAOSGATE_URL_DOCS;
if (!WEB || !API || !DOCS) throw new Error('CHAOSGATE_URL_WEB / _API / _DOCS not set');

export const options = {
  scenarios: {
    steady: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '24s', preAllocatedVUs: 10, maxVUs: 40 },
  },
};

export default function () {
  check(http.get(WEB + '/page/1'), { 'web 200': (r) => r.status === 200 });
  check(http.get(API + '/items'), { 'api 200': (r) => r.status === 200 });
  if (__ITER % 10 === 0) http.get(DOCS + '/index.html');
}
`;

let dir: string;
let cli: CliBundle;
let web: Service;
let api: Service;
/** A third service no fault targets: reached directly. */
let docs: Service;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-own-service-'));
  [cli, web, api, docs] = await Promise.all([
    bundleCli('own-service'),
    startService((p) => `web page ${p}\n`),
    startService((p) => `{"items":[],"path":${JSON.stringify(p)}}\n`),
    startService(() => 'docs\n'),
  ]);
}, 60_000);

afterAll(async () => {
  web?.server.close();
  api?.server.close();
  docs?.server.close();
  await cli?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function config(extra: Record<string, unknown> = {}) {
  return {
    services: { web: { url: web.url }, api: { url: `${api.url}/v1` }, docs: { url: `${docs.url}/` } },
    evaluate: { bucketWidth: '1s' },
    run: { outDir: 'results', recovery: { window: '2s', p95Factor: 5, errorRateDelta: 0.02 } },
    profiles: {
      gate: {
        script: 'load.js',
        plan: [
          // 5 s between the faults: requests still in flight when web-slow ends (300 ms) land in the
          // first recovery window, so recovery needs a few windows to be found on a loaded machine.
          { id: 'web-slow', kind: 'http-latency', target: 'web', at: '5s', duration: '6s', params: { fixedMs: 300 } },
          { id: 'api-503', kind: 'http-abort', target: 'api', at: '16s', duration: '5s', params: { status: 503 } },
        ],
        gates: [
          { id: 'web-p95', metric: 'http_req_duration{service:web}', expression: 'p(95)<2000' },
          { id: 'web-errors', metric: 'http_req_failed{service:web}', expression: 'rate<0.01' },
          { id: 'api-errors', metric: 'http_req_failed{service:api}', expression: 'rate<0.05' },
        ],
      },
    },
    ...extra,
  };
}

/** Runs the CLI in `dir` (bounded in time); resolves with its exit code and output. */
function runCli(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runBundled(cli.cli, args, { cwd: dir, timeoutMs });
}

describe('gate your own service: two services, a user script, a fault on each', () => {
  it('labels phases, recovers per fault, judges per-service gates, writes every report and exits 99', async () => {
    await writeFile(join(dir, 'load.js'), SCRIPT);
    await writeFile(join(dir, 'chaosgate.config.json'), JSON.stringify(config(), null, 2));
    const out = join(dir, 'run-1');
    const r = await runCli(['run', 'gate', '--config', join(dir, 'chaosgate.config.json'), '--out-dir', out], 150_000);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(r.code, r.stderr).toBe(99);
    expect(r.stderr).toMatch(/service web: CHAOSGATE_URL_WEB=http:\/\/127\.0\.0\.1:\d+ \(fault proxy\)/);
    expect(r.stderr).toContain(`service docs: CHAOSGATE_URL_DOCS=${docs.url}\n`);
    expect(r.stderr).toMatch(/FAIL api-errors: /);

    // Both services were reached, the faulted one through the proxy (the fault's only way in).
    expect(web.hits).toBeGreaterThan(100);
    expect(api.hits).toBeGreaterThan(100);
    expect(docs.hits).toBeGreaterThan(10);

    for (const f of ['report.json', 'junit.xml', 'summary.md', 'report.html']) expect(existsSync(join(out, f)), f).toBe(true);
    const report = reportSchema.parse(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')));
    expect(report.verdict).toBe('fail');
    expect(report.partial).toBe(false);

    const names = report.phases.map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['baseline', 'fault:web-slow', 'recovery', 'fault:api-503']));
    expect(names[0]).toBe('baseline');

    const gates = Object.fromEntries(report.gates.map((g) => [g.id, g]));
    expect(gates['web-p95']!.verdict).toBe('pass');
    expect(gates['web-errors']!.verdict).toBe('pass');
    expect(gates['web-errors']!.observed).toBe(0);
    expect(gates['api-errors']!.verdict).toBe('fail');
    // 5 s of 503s in ~24 s of even load: about a fifth of the api's requests.
    expect(gates['api-errors']!.observed!).toBeGreaterThan(0.1);
    expect(gates['api-errors']!.observed!).toBeLessThan(0.35);

    const analysis: Analysis = analysisSchema.parse(report.analysis);
    expect(analysis.faults.map((f) => [f.id, f.target])).toEqual([
      ['web-slow', 'web'],
      ['api-503', 'api'],
    ]);
    expect(analysis.faults.every((f) => (f.injections ?? 0) > 0)).toBe(true);
    expect(analysis.recovery.map((x) => x.faultId)).toEqual(['web-slow', 'api-503']);
    for (const rec of analysis.recovery) expect(rec.status, JSON.stringify(rec)).toBe('recovered');

    // Per service: the latency fault shows on web only, the 503s on api only.
    const svc = Object.fromEntries(analysis.services!.map((s) => [s.service, s]));
    const phase = (s: string, p: string) => svc[s]!.phases.find((x) => x.phase === p)!;
    expect(svc.web!.proxied).toBe(true);
    expect(svc.web!.address).not.toBe(web.url);
    expect(svc.web!.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(svc.api!.address).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(svc.web!.errors).toBe(0);
    expect(svc.api!.errors).toBeGreaterThan(0);
    expect(phase('web', 'fault:web-slow').p95!).toBeGreaterThanOrEqual(300);
    expect(phase('api', 'fault:web-slow').p95!).toBeLessThan(300);
    expect(phase('api', 'fault:api-503').errorRate!).toBeGreaterThan(0.9);
    expect(phase('web', 'fault:api-503').errorRate).toBe(0);
    expect(svc.api!.requests).toBe(svc.web!.requests);
    // Not faulted: reached at its own URL (no proxy), its samples tagged all the same.
    expect(svc.docs).toMatchObject({ proxied: false, address: docs.url, requests: docs.hits, errors: 0 });

    const md = await readFile(join(out, 'summary.md'), 'utf8');
    expect(md).toContain('### Services');
    expect(md).toMatch(/\| \*\*api\*\* \| all \| \d+ \| \d+\.\d+ % \|/);
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<h2>Services</h2>');
    const junit = await readFile(join(out, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/api-errors/);

    // Same config, same samples: the same report from `evaluate` and from `merge` of the run's files —
    // the profile's gates (--profile), the `service` tag derived from the addresses the run recorded
    // in its events file, the config read from ./chaosgate.config.json without -c (as `run` reads it).
    const inputs = [join(out, 'k6.ndjson.gz'), join(out, 'samples.ndjson')].filter((f) => existsSync(f));
    const events = join(out, 'chaos-events.jsonl');
    const same = ['--events', events, '--profile', 'gate'];
    const replayed = await runCli(['evaluate', ...inputs, ...same, '--json', join(dir, 'replayed.json')], 60_000);
    expect(replayed.code, replayed.stderr).toBe(99);
    const states: string[] = [];
    for (const [i, input] of inputs.entries()) {
      states.push(join(dir, `part-${i}.state.json.gz`));
      expect([0, 99]).toContain((await runCli(['evaluate', input, ...same, '--state', states[i]!], 60_000)).code);
    }
    const merged = await runCli(['merge', ...states, ...same, '--json', join(dir, 'merged.json')], 60_000);
    expect(merged.code, merged.stderr).toBe(99);
    // What only the run knows: how many requests a fault hit, and what the run was (its script,
    // services, planned length: the identity kept for the next night's comparison).
    expect(analysis.identity).toMatchObject({ profile: 'gate', script: 'load.js' });
    const ranAnalysis = { ...analysis, faults: analysis.faults.map((f) => ({ ...f, injections: null })), identity: undefined };
    for (const name of ['replayed.json', 'merged.json']) {
      const other = reportSchema.parse(JSON.parse(await readFile(join(dir, name), 'utf8')));
      expect(other.verdict, name).toBe(report.verdict);
      expect(other.gates.map((g) => [g.id, g.verdict, g.observed, g.message])).toEqual(report.gates.map((g) => [g.id, g.verdict, g.observed, g.message]));
      expect(other.series.map((x) => [x.id, x.count])).toEqual(report.series.map((x) => [x.id, x.count]));
      expect(other.phases).toEqual(report.phases);
      expect(other.analysis, name).toEqual(ranAnalysis);
    }
  }, 180_000);

  it('names the plan field of a fault on an unknown service, before starting anything (exit 2)', async () => {
    const c = config();
    (c.profiles.gate.plan[1] as { target: string }).target = 'nope';
    await writeFile(join(dir, 'bad.json'), JSON.stringify(c));
    const r = spawnSync(process.execPath, [cli.cli, 'run', 'gate', '--config', join(dir, 'bad.json'), '--out-dir', join(dir, 'bad')], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('profiles.gate.plan.1.target: no service or proxy route "nope" (services: web, api, docs)');
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(existsSync(join(dir, 'bad', 'report.json'))).toBe(false);
  });

  it('refuses to fault a service off loopback unless its host is on chaos.allowlist (exit 2, nothing sent)', async () => {
    const c = config();
    c.services.api = { url: 'http://staging.example.org:8080/v1' };
    await writeFile(join(dir, 'remote.json'), JSON.stringify(c));
    const r = spawnSync(process.execPath, [cli.cli, 'run', 'gate', '--config', join(dir, 'remote.json'), '--out-dir', join(dir, 'remote')], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('services.api: host "staging.example.org"');
    expect(r.stderr).toMatch(/chaos\.allowlist/);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(existsSync(join(dir, 'remote', 'report.json'))).toBe(false);
  });
});
