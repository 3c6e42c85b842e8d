// Locust's distributed mode (issue 24): a master and 2 local worker processes, each worker's
// samples streamed into the one evaluation; the samples are exactly Locust's own request count.
// The per-worker files, evaluated apart with --state and merged (the multi-machine recipe of
// docs/locust.md), give the same count and verdict.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportSchema, type ReportModel } from '../../model/report.js';
import { useLocustFolder } from '../support/locust-folder.js';

const LOCUSTFILE = `
import os
from locust import HttpUser, task, constant_throughput

class Reader(HttpUser):
    host = os.environ["CHAOSGATE_URL_WEB"]
    wait_time = constant_throughput(5)

    @task(3)
    def page(self):
        self.client.get("/page")

    @task
    def missing(self):
        self.client.get("/missing")
`;

const folder = useLocustFolder('locust-workers', LOCUSTFILE, (url) => (url === '/missing' ? 404 : 200));

function runCli(args: string[], timeoutMs: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [folder.cli.cli, ...args], { cwd: folder.dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

const readReport = async (file: string): Promise<ReportModel> => reportSchema.parse(JSON.parse(await readFile(file, 'utf8')));

describe('Locust master + 2 local workers', () => {
  it("streams every worker's samples into one evaluation: exactly Locust's request count; per-worker files merge to the same", async () => {
    const gates = [
      { id: 'errors', metric: 'http_req_failed', expression: 'rate<0.5' },
      { id: 'p95', metric: 'http_req_duration', expression: 'p(95)<2000' },
    ];
    const config = {
      services: { web: { url: folder.web.url } },
      evaluate: { bucketWidth: '1s' },
      chaos: { journal: join(folder.dir, 'journal.json') },
      profiles: { dist: { locustfile: 'locustfile.py', locust: { users: 4, spawnRate: 4, runTime: '8s', workers: 2 }, gates } },
    };
    await writeFile(join(folder.dir, 'chaosgate.config.json'), JSON.stringify(config));
    const out = join(folder.dir, 'run');
    const r = await runCli(['run', 'dist', '--out-dir', out], 120_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('on 2 workers');

    const report = await readReport(join(out, 'report.json'));
    expect(report.inputs.map((i) => i.source).sort()).toEqual(['locust-1', 'locust-2']);
    const stats = JSON.parse(await readFile(join(out, 'locust-stats.json'), 'utf8')) as Array<{ num_requests: number; num_failures: number }>;
    const requests = stats.reduce((n, s) => n + s.num_requests, 0);
    const failures = stats.reduce((n, s) => n + s.num_failures, 0);
    expect(requests).toBeGreaterThan(50);
    expect(requests).toBe(folder.served);
    expect(report.totals.perMetric.http_reqs).toBe(requests);
    // Both workers ran users; each worker's count is its own stream's.
    for (const i of [1, 2]) expect(report.inputs.find((x) => x.source === `locust-${i}`)!.points).toBeGreaterThan(10);
    const errors = report.gates.find((g) => g.id === 'errors')!;
    // The 404s are Locust's failures; chaosgate's error rate is failures / requests, the same count.
    expect(errors.observed).toBeCloseTo(failures / requests, 10);
    expect(failures).toBeGreaterThan(0);

    // The per-worker files, evaluated apart and merged: the same requests and verdicts.
    const gatesFile = join(folder.dir, 'gates.json');
    await writeFile(gatesFile, JSON.stringify({ gates }));
    for (const i of [1, 2]) {
      const file = join(out, `locust-${i}.ndjson.gz`);
      expect(existsSync(file)).toBe(true);
      const e = await runCli(['evaluate', file, '-c', gatesFile, '--state', join(folder.dir, `w${i}.json.gz`)], 60_000);
      expect(e.code, e.stderr).toBe(0);
    }
    const merged = join(folder.dir, 'merged.json');
    const m = await runCli(['merge', join(folder.dir, 'w1.json.gz'), join(folder.dir, 'w2.json.gz'), '-c', gatesFile, '--json', merged], 60_000);
    expect(m.code, m.stderr).toBe(0);
    const mr = await readReport(merged);
    expect(mr.totals.perMetric.http_reqs).toBe(requests);
    expect(mr.gates.map((g) => [g.id, g.verdict, g.observed])).toEqual(report.gates.map((g) => [g.id, g.verdict, g.observed]));
  }, 180_000);

  it('a worker failing at start (its import raises): exit 1 at once, the master stopped, no Locust left', async () => {
    // Only the workers have CHAOSGATE_LOCUST_OUT: the check and the master import the file fine.
    await writeFile(join(folder.dir, 'wfail.py'), `import os\nif os.environ.get("CHAOSGATE_LOCUST_OUT"):\n    raise RuntimeError("worker-only failure")\n${LOCUSTFILE}`);
    const config = {
      services: { web: { url: folder.web.url } },
      chaos: { journal: join(folder.dir, 'journal.json') },
      profiles: {
        wfail: { locustfile: 'wfail.py', locust: { users: 2, runTime: '30s', workers: 2 }, gates: [{ id: 'errors', metric: 'http_req_failed', expression: 'rate<0.5' }] },
      },
    };
    await writeFile(join(folder.dir, 'wfail.json'), JSON.stringify(config));
    const started = Date.now();
    const r = await runCli(['run', 'wfail', '-c', join(folder.dir, 'wfail.json'), '--out-dir', join(folder.dir, 'run-wfail')], 120_000);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/INCOMPLETE Locust exited with code 1/);
    // Not the master's 60 s wait for workers, nor the 30 s run time.
    expect(Date.now() - started).toBeLessThan(30_000);
    const log = await readFile(join(folder.dir, 'run-wfail', 'locust.log'), 'utf8');
    expect(log).toContain('worker-only failure');
    expect(
      spawnSync('pgrep', ['-f', join(folder.dir, 'wfail.py')])
        .stdout.toString()
        .trim(),
    ).toBe('');
  }, 150_000);
});
