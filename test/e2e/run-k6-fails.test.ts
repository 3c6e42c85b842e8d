// When k6 cannot start, or dies mid-run, `chaosgate run` never hangs and never passes: a missing
// or non-executable k6 is exit 2 at once; a k6 killed by SIGKILL makes the run incomplete (exit 1,
// every report partial with the reason). A run with no gate at all is refused (exit 2) unless
// --allow-no-gates. The real CLI bundle, the real k6, a loopback HTTP service the test starts.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportModel } from '../../model/report.js';
import { bundleCli, type CliBundle } from '../support/cli-bundle.js';
import { startLoopbackHttp, type LoopbackHttp } from '../support/servers.js';
import { waitFor } from '../support/wait.js';

let dir: string;
let bundle: CliBundle;
let server: LoopbackHttp;
let baseUrl: string;

const script = (duration: string, thresholds = '') => `
import http from 'k6/http';
export const options = {
  scenarios: { main: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '${duration}', preAllocatedVUs: 2, maxVUs: 10 } },
  ${thresholds}
};
export default function () { http.get(__ENV.CHAOSGATE_BASE_URL + '/'); }
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-run-k6-fails-'));
  server = await startLoopbackHttp((_req, res) => res.end('ok'));
  baseUrl = server.url;
  bundle = await bundleCli('run-k6-fails');
}, 60_000);

afterAll(async () => {
  await server?.close();
  await bundle?.remove();
  if (dir && !process.env.CHAOSGATE_KEEP_TEST_DIRS) await rm(dir, { recursive: true, force: true });
});

async function config(name: string, raw: Record<string, unknown>): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(path, JSON.stringify({ load: { baseUrl }, evaluate: { bucketWidth: '1s' }, chaos: { journal: join(dir, `${name}-journal.json`) }, ...raw }));
  return path;
}

interface Started {
  pid: number;
  exited: Promise<{ code: number | null; stderr: string }>;
  /** What it has printed so far. */
  output(): string;
}

function start(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Started {
  const child = spawn(process.execPath, [bundle.cli, 'run', ...args], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    // A hang is the defect under test: past the bound the test fails (and the run is killed).
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chaosgate run still running after ${timeoutMs} ms (a hang):\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
  return { pid: child.pid!, exited, output: () => stderr };
}

/** A run that lost its k6 to SIGKILL: exit 1, never a pass, every report partial with the reason. */
async function expectKilledRun(r: { code: number | null; stderr: string }, outDir: string): Promise<ReportModel> {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/INCOMPLETE k6 was killed by SIGKILL/);
  expect(r.stderr).not.toMatch(/verdict pass/);
  const report = JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8')) as ReportModel;
  expect(report.partial).toBe(true);
  expect(report.verdict).not.toBe('pass');
  expect(report.abort!.reason).toMatch(/did not happen as planned: k6 was killed by SIGKILL after \d+(\.\d)? s/);
  expect(await readFile(join(outDir, 'summary.md'), 'utf8')).toMatch(/Partial result.*k6 was killed by SIGKILL/);
  return report;
}

/** Some load first: a progress line past 3 s with requests in it. */
const loadUnderWay = (run: Started) => waitFor(() => /^0:0[3-9] .* rps [1-9]/m.test(run.output()), { what: 'a progress line with load after 3 s', timeoutMs: 30_000 });

const noTrace = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

/** A config or setup refusal: its reason alone, no gate results or verdict, no run folder left. */
function expectRefusalOnly(stderr: string, outDir: string): void {
  expect(stderr).not.toMatch(/^(PASS|FAIL|WARN) /m);
  expect(stderr).not.toMatch(/verdict (pass|fail|warn)/);
  expect(existsSync(outDir), `${outDir} left behind`).toBe(false);
}
const gates = [{ id: 'errors', metric: 'http_req_failed', expression: 'rate<0.5' }];

describe('chaosgate run when k6 cannot start', () => {
  it('fails at once with exit 2 when k6 is not found (a --script run)', async () => {
    await writeFile(join(dir, 'short.js'), script('2s'));
    const started = Date.now();
    const r = await start(
      ['--script', join(dir, 'short.js'), '--config', await config('nok6', { gates }), '--out-dir', join(dir, 'nok6')],
      { CHAOSGATE_K6_BIN: '/nonexistent/k6' },
      30_000,
    ).exited;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/k6.*\/nonexistent\/k6/);
    expect(Date.now() - started).toBeLessThan(20_000);
    noTrace(r.stderr);
    // A refusal is the reason alone: no gate lines, no verdict, no report folder.
    expectRefusalOnly(r.stderr, join(dir, 'nok6'));
  }, 40_000);

  it('fails at once with exit 2 when k6 is not found (a built-in profile on the reference stack)', async () => {
    const r = await start(['smoke', '--config', await config('nok6-smoke', { gates }), '--out-dir', join(dir, 'nok6-smoke')], { CHAOSGATE_K6_BIN: '/nonexistent/k6' }, 30_000)
      .exited;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/k6.*\/nonexistent\/k6/);
    noTrace(r.stderr);
    expectRefusalOnly(r.stderr, join(dir, 'nok6-smoke'));
  }, 40_000);

  it('fails at once with exit 2 when the k6 file is not executable', async () => {
    const fake = join(dir, 'k6-not-executable');
    await writeFile(fake, '#!/bin/sh\nexit 0\n');
    await chmod(fake, 0o644);
    await writeFile(join(dir, 'short.js'), script('2s'));
    const r = await start(['--script', join(dir, 'short.js'), '--config', await config('noexec', { gates }), '--out-dir', join(dir, 'noexec')], { CHAOSGATE_K6_BIN: fake }, 30_000)
      .exited;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(fake);
    expect(r.stderr).toMatch(/EACCES|cannot start/);
    noTrace(r.stderr);
  }, 40_000);
});

describe('chaosgate run without gates', () => {
  it('refuses a run with no gate and no k6 threshold (exit 2), runs it with --allow-no-gates', async () => {
    await writeFile(join(dir, 'plain.js'), script('2s'));
    const cfg = await config('nogates', {});
    const refused = await start(['--script', join(dir, 'plain.js'), '--config', cfg, '--out-dir', join(dir, 'nogates')], {}, 30_000).exited;
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/no gates.*--allow-no-gates/s);
    noTrace(refused.stderr);
    const allowed = await start(['--script', join(dir, 'plain.js'), '--config', cfg, '--out-dir', join(dir, 'nogates-allowed'), '--allow-no-gates'], {}, 60_000).exited;
    expect(allowed.code, allowed.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(dir, 'nogates-allowed', 'report.json'), 'utf8')) as ReportModel;
    expect(report.gates).toEqual([]);
    expect(report.totals.points).toBeGreaterThan(20);
  }, 90_000);

  it('counts a k6 threshold of the script as a gate', async () => {
    await writeFile(join(dir, 'thresholds.js'), script('2s', "thresholds: { http_req_failed: ['rate<0.5'] },"));
    const r = await start(['--script', join(dir, 'thresholds.js'), '--config', await config('k6only', {}), '--out-dir', join(dir, 'k6only')], {}, 60_000).exited;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('PASS k6 http_req_failed: rate<0.5: ');
  }, 90_000);
});

describe('chaosgate run when k6 dies mid-run', () => {
  it('SIGKILL of k6: exit 1 (never a pass), every report partial with the reason', async () => {
    await writeFile(join(dir, 'long.js'), script('20s'));
    const outDir = join(dir, 'killed');
    const cfg = await config('killed', {
      gates,
      chaos: {
        journal: join(dir, 'killed-journal.json'),
        proxy: { routes: [{ name: 'stack', upstream: baseUrl.replace('http://', '') }] },
        plan: [{ id: 'late-latency', kind: 'http-latency', target: 'stack', at: '15s', duration: '2s', params: { fixedMs: 20 } }],
      },
    });
    const run = start(['--script', join(dir, 'long.js'), '--config', cfg, '--out-dir', outDir], {}, 90_000);
    // The k6 of this run: its --out names this run's own folder.
    // pgrep exits 1 (a throw: not yet) while k6 has not started.
    const k6Pid = await waitFor(
      () =>
        execFileSync('pgrep', ['-f', `json=${join(outDir, 'k6.fifo')}`], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .map(Number)
          .find((p) => p !== run.pid),
      { what: "this run's k6 process", timeoutMs: 30_000, intervalMs: 100 },
    );
    await loadUnderWay(run);
    process.kill(k6Pid, 'SIGKILL');
    const report = await expectKilledRun(await run.exited, outDir);
    expect(report.abort!.reason).toMatch(/fault late-latency of the plan never ran/);
    // The gate itself held on what was measured; the run is still not a pass.
    expect(report.gates[0]!.verdict).toBe('pass');
  }, 120_000);

  it("SIGKILL of one k6 of two shards: exit 1, partial, never a pass on the survivor's samples", async () => {
    await writeFile(join(dir, 'sharded.js'), script('20s'));
    const outDir = join(dir, 'killed-shard');
    const cfg = await config('killed-shard', { gates });
    const run = start(['--script', join(dir, 'sharded.js'), '--config', cfg, '--out-dir', outDir, '--shards', '2'], {}, 90_000);
    // The second shard's k6: its own execution segment, and an --out into this run's folder.
    const shard2 = await waitFor(
      () =>
        execFileSync('pgrep', ['-af', 'execution-segment=1/2:1'], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .filter((line) => line.includes(outDir))
          .map((line) => Number(line.split(' ')[0]))
          .find((p) => p !== run.pid),
      { what: "this run's second k6 shard", timeoutMs: 30_000, intervalMs: 100 },
    );
    // Samples of both shards first: the survivor goes on producing a healthy-looking load.
    await loadUnderWay(run);
    process.kill(shard2, 'SIGKILL');
    const report = await expectKilledRun(await run.exited, outDir);
    // Both shards' samples were read before the kill.
    expect(report.inputs.map((i) => i.source).sort()).toEqual(['k6-1', 'k6-2']);
    // The surviving shard was stopped then, not left to run out its 20 s.
    expect(report.totals.lastTime! - report.totals.firstTime!).toBeLessThan(15_000);
  }, 120_000);

  it('a fault of the plan that never ran (the load ended first): exit 1, partial, not a pass', async () => {
    await writeFile(join(dir, 'short.js'), script('2s'));
    const outDir = join(dir, 'never-ran');
    const cfg = await config('never-ran', {
      gates,
      chaos: {
        journal: join(dir, 'never-ran-journal.json'),
        proxy: { routes: [{ name: 'stack', upstream: baseUrl.replace('http://', '') }] },
        plan: [{ id: 'too-late', kind: 'http-latency', target: 'stack', at: '30s', duration: '2s', params: { fixedMs: 20 } }],
      },
    });
    const r = await start(['--script', join(dir, 'short.js'), '--config', cfg, '--out-dir', outDir], {}, 60_000).exited;
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8')) as ReportModel;
    expect(report.partial).toBe(true);
    expect(report.verdict).toBe('fail');
    expect(report.abort!.reason).toMatch(/fault too-late of the plan never ran \(due at 30 s, the load ended after \d/);
    expect(report.gates[0]!.verdict).toBe('pass');
  }, 90_000);
});

describe('chaosgate run: refusals and runs that cannot pass', () => {
  it('chaos aimed at a route off the allowlist: the refusal alone (exit 2), no gate lines, no report folder', async () => {
    await writeFile(join(dir, 'short.js'), script('2s'));
    const outDir = join(dir, 'off-allowlist');
    const cfg = await config('off-allowlist', {
      gates,
      chaos: {
        journal: join(dir, 'off-allowlist-journal.json'),
        proxy: { routes: [{ name: 'far', upstream: '192.0.2.10:80' }] },
        plan: [{ id: 'far-latency', kind: 'http-latency', target: 'far', at: '1s', duration: '1s', params: { fixedMs: 20 } }],
      },
    });
    const r = await start(['--script', join(dir, 'short.js'), '--config', cfg, '--out-dir', outDir], {}, 60_000).exited;
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/allowlist/);
    noTrace(r.stderr);
    expectRefusalOnly(r.stderr, outDir);
  }, 90_000);

  it('k6 stopped by its own abortOnFail threshold with run.k6Thresholds off: exit 1, partial, never a pass', async () => {
    // One request in five fails: k6's threshold (rate<0.01) aborts the test; chaosgate's own gates hold.
    let n = 0;
    const flaky = await startLoopbackHttp((_req, res) => {
      res.statusCode = ++n % 5 === 0 ? 500 : 200;
      res.end('x');
    });
    try {
      await writeFile(
        join(dir, 'abort.js'),
        script('20s', "thresholds: { http_req_failed: [{ threshold: 'rate<0.01', abortOnFail: true }] },").replace("__ENV.CHAOSGATE_BASE_URL + '/'", `'${flaky.url}/'`),
      );
      const outDir = join(dir, 'k6-aborted');
      const cfg = await config('k6-aborted', { run: { k6Thresholds: false }, gates: [{ id: 'p95', metric: 'http_req_duration', expression: 'p(95)<5000' }] });
      const r = await start(['--script', join(dir, 'abort.js'), '--config', cfg, '--out-dir', outDir], {}, 60_000).exited;
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/INCOMPLETE k6 stopped the test itself after \d+(\.\d)? s of 20 s \(a threshold with abortOnFail\), and run\.k6Thresholds is off/);
      expect(r.stderr).not.toMatch(/verdict pass/);
      const report = JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8')) as ReportModel;
      expect(report.partial).toBe(true);
      expect(report.verdict).toBe('fail');
      expect(report.gates.find((g) => g.id === 'p95')!.verdict).toBe('pass');
    } finally {
      await flaky.close();
    }
  }, 90_000);

  it('a service down for the whole run, gated on latency alone: the failed-requests guard fails it (exit 99)', async () => {
    const gone = await startLoopbackHttp((_req, res) => res.end());
    const downUrl = gone.url;
    await gone.close(); // nothing listens there now: every request is refused at once
    await writeFile(join(dir, 'down.js'), script('2s'));
    const outDir = join(dir, 'down');
    const cfg = await config('down', { load: { baseUrl: downUrl }, gates: [{ id: 'p95', metric: 'http_req_duration', expression: 'p(95)<500' }] });
    const r = await start(['--script', join(dir, 'down.js'), '--config', cfg, '--out-dir', outDir], {}, 60_000).exited;
    expect(r.code, r.stderr).toBe(99);
    expect(r.stderr).toMatch(/^PASS p95: /m);
    expect(r.stderr).toMatch(/^FAIL chaosgate: most requests failed: chaosgate_error_rate: rate<0\.5 breached \(observed 100 %, limit 50 %\)/m);
    const report = JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8')) as ReportModel;
    expect(report.verdict).toBe('fail');
    expect(await readFile(join(outDir, 'junit.xml'), 'utf8')).toContain('chaosgate: most requests failed');
  }, 90_000);
});
