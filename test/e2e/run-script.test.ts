// A user's own k6 script, in a folder outside the repository, under `chaosgate run --script`: the
// real CLI bundle, the real k6, a small HTTP service the test starts on loopback, a latency fault
// through the proxy. k6's own thresholds (incl. a sub-metric one k6's JSON output never declares)
// are judged as gates; a breach gives exit 99, as k6's own exit code says.
import { gunzipSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportModel } from '../../model/report.js';
import { bundleCli, runCli as runBundledCli, type CliBundle } from '../support/cli-bundle.js';
import { startLoopbackHttp, type LoopbackHttp } from '../support/servers.js';

let dir: string;
let bundle: CliBundle;
let server: LoopbackHttp;
let port: number;
let requests = 0;

const SCRIPT = `
import http from 'k6/http';
import { check } from 'k6';

export const options = {
  scenarios: {
    main: { executor: 'constant-arrival-rate', rate: 15, timeUnit: '1s', duration: __ENV.CHAOSGATE_DURATION || '6s', preAllocatedVUs: 4, maxVUs: 20 },
  },
  thresholds: {
    'http_req_duration{name:GET /slow}': [__ENV.SLOW_LIMIT || 'p(95)<5000'],
    http_req_failed: ['rate<0.1'],
  },
};

export default function () {
  const base = __ENV.CHAOSGATE_BASE_URL;
  check(http.get(base + '/fast', { tags: { label: __ENV.RUN_LABEL || 'none' } }), { 'fast 200': (r) => r.status === 200 });
  http.get(base + '/slow', { tags: { name: 'GET /slow' } });
}
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-user-script-'));
  await writeFile(join(dir, 'test.js'), SCRIPT);
  server = await startLoopbackHttp((req, res) => {
    requests++;
    const delay = req.url === '/slow' ? 120 : 0;
    setTimeout(() => res.end('ok'), delay);
  });
  port = server.port;
  bundle = await bundleCli('run-script');
}, 60_000);

afterAll(async () => {
  await server?.close();
  await bundle?.remove();
  if (dir && !process.env.CHAOSGATE_KEEP_TEST_DIRS) await rm(dir, { recursive: true, force: true });
});

async function writeConfig(name: string): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(
    path,
    JSON.stringify({
      load: { baseUrl: `http://127.0.0.1:${port}` },
      evaluate: { bucketWidth: '1s' },
      chaos: {
        journal: join(dir, `${name}-journal.json`),
        proxy: { routes: [{ name: 'stack', upstream: `127.0.0.1:${port}` }] },
        plan: [{ id: 'slow-fast', kind: 'http-latency', target: 'stack', at: '2s', duration: '2s', match: { path: '/fast' }, params: { fixedMs: 80 } }],
      },
      gates: [{ id: 'errors-under-5pct', metric: 'http_req_failed', expression: 'rate<0.05' }],
    }),
  );
  return path;
}

function runCli(args: string[], timeoutMs = 90_000, cwd = dir): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle.cli, 'run', ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chaosgate run did not end within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const SUB_METRIC_ID = (limit: string) => `k6 http_req_duration{name:GET /slow}: ${limit}`;

describe('chaosgate run --script: a user script from outside the repository', () => {
  it('runs it with chaos, judges its k6 thresholds (sub-metric included) beside the config gates, exits 0', async () => {
    const config = await writeConfig('pass');
    const outDir = join(dir, 'pass');
    const before = requests;
    const r = await runCli(['--script', join(dir, 'test.js'), '--config', config, '--out-dir', outDir, '--', '-e', 'SLOW_LIMIT=p(95)<5000']);
    expect(r.code, r.stderr).toBe(0);
    expect(requests - before).toBeGreaterThan(100); // ~15 iterations/s x 2 requests x 6 s
    const report = JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8')) as ReportModel;
    const ids = report.gates.map((g) => g.id);
    expect(ids).toEqual(['errors-under-5pct', SUB_METRIC_ID('p(95)<5000'), 'k6 http_req_failed: rate<0.1']);
    const sub = report.gates.find((g) => g.id === SUB_METRIC_ID('p(95)<5000'))!;
    expect(sub.verdict).toBe('pass');
    // Only the /slow requests: their p95 is at least the server's 120 ms delay.
    expect(sub.observed!).toBeGreaterThanOrEqual(120);
    expect(report.partial).toBe(false);
    // The fault's phase, labelled from the chaos events, and its recovery analysis.
    expect(report.phases.map((p) => p.name)).toEqual(expect.arrayContaining(['baseline', 'fault:slow-fast', 'recovery']));
    const analysis = report.analysis as { recovery: Array<{ faultId: string; status: string }> };
    expect(analysis.recovery.map((x) => x.faultId)).toEqual(['slow-fast']);
    // The console names the gates by the ids the user wrote.
    expect(r.stderr).toMatch(/^PASS errors-under-5pct: /m);
    expect(r.stderr).toContain(`PASS ${SUB_METRIC_ID('p(95)<5000')}: `);
    for (const f of ['junit.xml', 'summary.md', 'report.html', 'k6.ndjson.gz', 'chaos-events.jsonl']) {
      expect((await readFile(join(outDir, f))).length, f).toBeGreaterThan(0);
    }
  }, 120_000);

  it('without a profile, chaos.plan may fault one of the services: the run fronts it with a proxy route', async () => {
    const svcScript = join(dir, 'svc.js');
    await writeFile(
      svcScript,
      `import http from 'k6/http';
export const options = { scenarios: { main: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '6s', preAllocatedVUs: 4, maxVUs: 20 } } };
export default function () { http.get(__ENV.CHAOSGATE_URL_WEB + '/fast'); }
`,
    );
    const config = join(dir, 'service-plan.json');
    await writeFile(
      config,
      JSON.stringify({
        evaluate: { bucketWidth: '1s' },
        services: { web: { url: `http://127.0.0.1:${port}` } },
        chaos: {
          journal: join(dir, 'service-plan-journal.json'),
          plan: [{ id: 'web-slow', kind: 'http-latency', target: 'web', at: '2s', duration: '2s', params: { fixedMs: 150 } }],
        },
        gates: [{ id: 'web-p95', metric: 'http_req_duration{service:web}', expression: 'p(95)<5000' }],
      }),
    );
    const outDir = join(dir, 'service-plan');
    const r = await runCli(['--script', svcScript, '--config', config, '--out-dir', outDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/service web: CHAOSGATE_URL_WEB=http:\/\/127\.0\.0\.1:\d+ \(fault proxy\)/);
    const report = JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8')) as ReportModel;
    const rows = report.analysis!.phases;
    const fault = rows.find((p) => p.name === 'fault:web-slow')!;
    const baseline = rows.find((p) => p.name === 'baseline')!;
    expect(fault.requests).toBeGreaterThan(0);
    // The service answers /fast at once: only the proxy's 150 ms makes the fault phase slow.
    expect(fault.p50!).toBeGreaterThanOrEqual(150);
    expect(baseline.p50!).toBeLessThan(150);
    expect(report.analysis!.services!.map((s) => [s.service, s.proxied])).toEqual([['web', true]]);

    // `chaos apply` has no run to front the service: refused (exit 2) naming the field.
    const apply = await runBundledCli(bundle.cli, ['chaos', 'apply', '--config', config, '--duration', '1s'], { cwd: dir, timeoutMs: 30_000 });
    expect(apply.code).toBe(2);
    expect(apply.stderr).toContain('chaos.plan.0.target: no proxy route "web"');
    expect(apply.stderr).toContain('`chaos apply` faults proxy routes only');
  }, 120_000);

  it('exits 99 when the sub-metric threshold is breached, as k6 itself does', async () => {
    const config = await writeConfig('fail');
    const outDir = join(dir, 'fail');
    const r = await runCli(['--script', join(dir, 'test.js'), '--config', config, '--out-dir', outDir, '--duration', '4s', '--threads', '3', '--', '-e', 'SLOW_LIMIT=p(95)<50']);
    expect(r.code, r.stderr).toBe(99);
    const report = JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8')) as ReportModel;
    // --threads reaches the evaluation: k6's stream is parsed by two reading threads, recorded by the main one.
    expect(report.config.threads).toEqual({ allowed: 3, used: 3 });
    expect(r.stderr).toMatch(/, 3 of 3 threads; verdict fail/);
    const k6Input = report.inputs.find((i) => i.source === 'k6')!;
    expect(k6Input.threads).toBe(2);
    // The copy the reading threads wrote (a gzip member per block) holds every line, in one stream.
    const copy = gunzipSync(await readFile(join(outDir, 'k6.ndjson.gz'))).toString('utf8');
    expect(copy.split('\n').filter((l) => l !== '').length).toBe(k6Input.lines);
    expect(Buffer.byteLength(copy)).toBe(k6Input.bytes);
    const sub = report.gates.find((g) => g.id === SUB_METRIC_ID('p(95)<50'))!;
    expect(sub.verdict).toBe('fail');
    expect(sub.observed!).toBeGreaterThanOrEqual(120);
    expect(report.gates.find((g) => g.id === 'errors-under-5pct')!.verdict).toBe('pass');
    expect(report.verdict).toBe('fail');
    // k6 agreed (its own exit code 99): no disagreement note.
    expect(report.notes ?? []).toEqual([]);
    expect(r.stderr).toContain(`FAIL ${SUB_METRIC_ID('p(95)<50')}: `);
  }, 120_000);

  it('parses two shards on reading threads (--threads 5: two each), their copies whole', async () => {
    const config = await writeConfig('fail');
    const outDir = join(dir, 'shards-threads');
    const r = await runCli([
      '--script',
      join(dir, 'test.js'),
      '--config',
      config,
      '--out-dir',
      outDir,
      '--duration',
      '3s',
      '--shards',
      '2',
      '--threads',
      '5',
      '--',
      '-e',
      'SLOW_LIMIT=p(95)<50',
    ]);
    expect(r.code, r.stderr).toBe(99);
    const report = JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8')) as ReportModel;
    // The main thread and two reading threads per shard, reading at once.
    expect(report.config.threads).toEqual({ allowed: 5, used: 5 });
    for (const source of ['k6-1', 'k6-2']) {
      const input = report.inputs.find((i) => i.source === source)!;
      expect(input.threads, source).toBe(2);
      expect(input.points, source).toBeGreaterThan(0);
      const copy = gunzipSync(await readFile(join(outDir, `${source}.ndjson.gz`))).toString('utf8');
      expect(copy.split('\n').filter((l) => l !== '').length, source).toBe(input.lines);
    }
    expect(report.gates.find((g) => g.id === SUB_METRIC_ID('p(95)<50'))!.verdict).toBe('fail');
  }, 120_000);

  it('runs a profile naming the script relative to the config file, with its k6Args, env and duration', async () => {
    const path = join(dir, 'profile.json');
    await writeFile(
      path,
      JSON.stringify({
        load: { baseUrl: `http://127.0.0.1:${port}` },
        chaos: { journal: join(dir, 'profile-journal.json') },
        profiles: {
          mine: {
            script: 'test.js',
            k6Args: ['-e', 'SLOW_LIMIT=p(95)<4000'],
            env: { RUN_LABEL: 'from-profile' },
            duration: '3s',
            gates: [{ id: 'labelled-by-env', metric: 'http_reqs{label:from-profile}', expression: 'count>10' }],
          },
        },
      }),
    );
    const outDir = join(dir, 'profile-run');
    // Run from another folder: the script is found next to the config, not in the working directory.
    const r = await runCli(['mine', '--config', path, '--out-dir', outDir], 90_000, tmpdir());
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8')) as ReportModel;
    expect(report.gates.map((g) => g.id)).toEqual(['labelled-by-env', SUB_METRIC_ID('p(95)<4000'), 'k6 http_req_failed: rate<0.1']);
    expect(report.gates[0]!.verdict).toBe('pass');
    // 3 s at 15 iterations/s (CHAOSGATE_DURATION), not the script's default 6 s.
    expect(report.gates[0]!.observed!).toBeGreaterThan(30);
    expect(report.gates[0]!.observed!).toBeLessThan(70);
  }, 120_000);

  it('explains when k6 and chaosgate disagree: a sub-metric threshold without samples passes in k6, fails here', async () => {
    await writeFile(
      join(dir, 'never.js'),
      `import http from 'k6/http';
export const options = {
  scenarios: { main: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '2s', preAllocatedVUs: 2, maxVUs: 10 } },
  thresholds: { 'http_req_duration{name:GET /never}': ['p(95)<500'] },
};
export default function () { http.get(__ENV.CHAOSGATE_BASE_URL + '/fast'); }
`,
    );
    const config = join(dir, 'never.json');
    await writeFile(config, JSON.stringify({ load: { baseUrl: `http://127.0.0.1:${port}` }, chaos: { journal: join(dir, 'never-journal.json') } }));
    const outDir = join(dir, 'never');
    const r = await runCli(['--script', join(dir, 'never.js'), '--config', config, '--out-dir', outDir]);
    expect(r.code, r.stderr).toBe(99);
    const report = JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8')) as ReportModel;
    expect(report.gates[0]!.message).toMatch(/no samples/);
    expect(report.notes).toEqual([expect.stringMatching(/^chaosgate found k6 thresholds breached \(k6 http_req_duration\{name:GET \/never\}: p\(95\)<500\) while k6 exited 0/)]);
    expect(r.stderr).toMatch(/note: chaosgate found k6 thresholds breached/);
  }, 120_000);
  it('a gate on a misspelt metric is refused before any load (exit 2, naming the gate), not judged "no samples" after the whole run', async () => {
    const config = join(dir, 'typo.json');
    await writeFile(
      config,
      JSON.stringify({
        load: { baseUrl: `http://127.0.0.1:${port}` },
        chaos: { journal: join(dir, 'typo-journal.json') },
        gates: [{ id: 'latency', metric: 'http_req_duraton', expression: 'p(95)<500' }],
      }),
    );
    const before = requests;
    const outDir = join(dir, 'typo');
    const r = await runCli(['--script', join(dir, 'test.js'), '--config', config, '--out-dir', outDir]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/gates\[0\] \(latency\): metric http_req_duraton is not a k6 built-in, the script never names it.* did you mean http_req_duration\?/);
    expect(requests).toBe(before);
    expect(r.stdout).not.toMatch(/verdict/);
  }, 60_000);
});
