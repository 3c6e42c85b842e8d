// `evaluate` of Locust's own `--csv` stats history (issue 24): real Locust, headless for a few
// seconds against a loopback server, with and without --csv-full-history. The locustfile makes a
// fixed number of requests early in the run, so Locust's last history rows hold every request:
// the reader's counts must equal Locust's own totals (its --json-file) and the server's, exactly.
// Percentile gates read Locust's rolling percentiles as an approximation: never a pass; every
// writer labels the run; a malformed row is named by file:line (exit 3, unreadable input).
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportSchema, type ReportModel } from '../../model/report.js';
import { SourceReader } from '../../evaluator/readers/index.js';
import type { SampleSink } from '../../evaluator/readers/types.js';
import { runCli } from '../support/cli-bundle.js';
import { useLocustFolder } from '../support/locust-folder.js';

const PYTHON = process.env.CHAOSGATE_PYTHON ?? 'python3';
const USERS = 3;
const ITERATIONS = 20;

// Each user makes ITERATIONS × 2 requests, then none: 60 × /ok (every 5th a 500 → 12 failures) and 60 × /named.
const LOCUSTFILE = `
import os
from locust import HttpUser, task, constant

class Fixed(HttpUser):
    host = os.environ["TARGET"]
    wait_time = constant(0.02)

    def on_start(self):
        self.done = 0

    @task
    def go(self):
        if self.done >= ${ITERATIONS}:
            return
        self.done += 1
        self.client.get("/ok" if self.done % 5 else "/fail", name="/ok")
        self.client.get("/item/%d" % self.done, name="/named")
`;

const folder = useLocustFolder('locust-csv', LOCUSTFILE, (url) => (url === '/fail' ? 500 : 200));

/** Runs real Locust headless for 4 s; resolves with its exit code. */
function locust(prefix: string, fullHistory: boolean): Promise<number | null> {
  const args = ['-m', 'locust', '-f', 'locustfile.py', '--headless', '-u', String(USERS), '-r', String(USERS), '-t', '4s', '--only-summary'];
  args.push('--exit-code-on-error', '0', '--csv', prefix, '--json-file', `${prefix}-stats`, ...(fullHistory ? ['--csv-full-history'] : []));
  return new Promise((resolve) => {
    const child = spawn(PYTHON, args, { cwd: folder.dir, stdio: 'ignore', env: { ...process.env, TARGET: folder.web.url } });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

interface Read {
  requests: Map<string, number>;
  failures: Map<string, number>;
  percentiles: Array<{ name: string; percentile: string; value: number }>;
  problems: string[];
  notes: string[];
}

/** The reader's samples of one file, summed per name. */
async function readHistory(file: string): Promise<Read> {
  const r: Read = { requests: new Map(), failures: new Map(), percentiles: [], problems: [], notes: [] };
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const sink: SampleSink = {
    point(metric, _time, value, _raw, tags) {
      const name = tags?.name ?? '(all)';
      if (metric === 'http_reqs') add(r.requests, name, value);
      else if (metric === 'http_req_failed') add(r.failures, name, value);
      else if (metric.startsWith('locust_csv_p')) r.percentiles.push({ name, percentile: metric.slice('locust_csv_p'.length).replace('_', '.'), value });
    },
    declare() {},
    malformed: (line, reason) => r.problems.push(`${line}: ${reason}`),
    note: (line, text) => r.notes.push(`${line}: ${text}`),
  };
  const reader = new SourceReader(sink, undefined, () => {});
  (await readFile(file, 'utf8')).split('\n').forEach((line, i) => reader.readLine(line, i + 1));
  return r;
}

type LocustStats = Array<{ name: string; method: string; num_requests: number; num_failures: number }>;
const locustStats = async (prefix: string): Promise<LocustStats> => JSON.parse(await readFile(join(folder.dir, `${prefix}-stats.json`), 'utf8')) as LocustStats;

const GATES = [
  { id: 'requests', metric: 'http_reqs', expression: `count==${USERS * ITERATIONS * 2}` },
  { id: 'requests-at-least', metric: 'http_reqs', expression: `count>=${USERS * ITERATIONS * 2}` },
  { id: 'ok-errors', metric: 'http_req_failed{name:/ok}', expression: 'rate<0.25' },
  { id: 'p95-approx', metric: 'locust_csv_p95{name:/ok}', expression: 'max<60000' },
  { id: 'p95-approx-breached', metric: 'locust_csv_p100', expression: 'max<0.5' },
  { id: 'p95-exact', metric: 'http_req_duration', expression: 'p(95)<60000' },
];

describe("evaluate of Locust's --csv stats history (an approximation)", () => {
  it('--csv-full-history: counts per name equal Locust\'s own totals exactly; percentile gates never pass; every writer says "approximation"', async () => {
    folder.served = 0;
    expect(await locust('full', true)).toBe(0);
    const stats = await locustStats('full');
    const read = await readHistory(join(folder.dir, 'full_stats_history.csv'));
    expect(read.problems).toEqual([]);
    expect(read.notes).toEqual([]);
    for (const name of ['/ok', '/named']) {
      const own = stats.find((s) => s.name === name)!;
      expect(read.requests.get(name)).toBe(own.num_requests);
      expect(read.failures.get(name)).toBe(own.num_failures);
    }
    expect(read.requests.get('/ok')).toBe(USERS * ITERATIONS);
    expect(read.failures.get('/ok')).toBe((USERS * ITERATIONS) / 5);
    expect(read.requests.get('/named')).toBe(USERS * ITERATIONS);
    expect(read.failures.get('/named')).toBe(0);
    expect(folder.served).toBe(USERS * ITERATIONS * 2);
    // Locust's rolling percentiles per name, once it had a second ~10 s back to diff against.
    expect(read.percentiles.some((p) => p.name === '/ok' && p.percentile === '95' && p.value > 0)).toBe(true);
    expect(new Set(read.percentiles.map((p) => p.percentile))).toEqual(new Set(['50', '66', '75', '80', '90', '95', '98', '99', '99.9', '99.99', '100']));

    await writeFile(join(folder.dir, 'full.config.json'), JSON.stringify({ evaluate: { bucketWidth: '1s' }, gates: GATES }));
    const out = await runCli(
      folder.cli.cli,
      [
        'evaluate',
        'full_stats_history.csv',
        '-c',
        'full.config.json',
        '--report',
        'json=full.json',
        '--report',
        'junit=full.xml',
        '--report',
        'markdown=full.md',
        '--report',
        'html=full.html',
      ],
      { cwd: folder.dir },
    );
    // The exact-duration gate has no samples: the run fails (99), never passes.
    expect(out.code, out.stderr).toBe(99);
    const report: ReportModel = reportSchema.parse(JSON.parse(await readFile(join(folder.dir, 'full.json'), 'utf8')));
    expect(report.inputs[0]!.format).toBe('locust-csv');
    const verdicts = Object.fromEntries(report.gates.map((g) => [g.id, g.verdict]));
    // The counts are exact here, but the file may miss Locust's last second: only a count >= that
    // holds is a pass; an == or a rate that holds is a warn.
    expect(verdicts).toEqual({
      requests: 'warn',
      'requests-at-least': 'pass',
      'ok-errors': 'warn',
      'p95-approx': 'warn',
      'p95-approx-breached': 'fail',
      'p95-exact': 'fail',
    });
    expect(report.gates.find((g) => g.id === 'ok-errors')!.message).toContain("misses Locust's last second");
    expect(report.gates.find((g) => g.id === 'ok-errors')!.observed).toBe(0.2);
    expect(report.gates.find((g) => g.id === 'p95-approx')!.message).toContain('never a pass');
    expect(report.gates.find((g) => g.id === 'p95-exact')!.message).toMatch(/no samples.*Locust's CSV stats history holds no request durations.*gate on locust_csv_p95/);
    expect(report.notes?.[0]).toMatch(/^Evaluated from Locust's CSV stats history \(full_stats_history\.csv\): an approximation/);
    expect(await readFile(join(folder.dir, 'full.md'), 'utf8')).toContain("> **Approximation.** Evaluated from Locust's CSV stats history");
    expect(await readFile(join(folder.dir, 'full.html'), 'utf8')).toContain('<strong>Approximation.</strong> Evaluated from Locust&#39;s CSV stats history');
    const junit = await readFile(join(folder.dir, 'full.xml'), 'utf8');
    expect(junit).toContain('<property name="chaosgate.approximation" value="Evaluated from Locust');
    expect(junit).toMatch(/p95-approx.*holds \(observed \d+, limit 60000\); an approximation/s);
  }, 90_000);

  it("without --csv-full-history: requests and failures from the 'Aggregated' rows (exact), no percentiles, a note naming file:line", async () => {
    expect(await locust('agg', false)).toBe(0);
    const stats = await locustStats('agg');
    const read = await readHistory(join(folder.dir, 'agg_stats_history.csv'));
    expect(read.problems).toEqual([]);
    const requests = stats.reduce((n, s) => n + s.num_requests, 0);
    const failures = stats.reduce((n, s) => n + s.num_failures, 0);
    expect(requests).toBe(USERS * ITERATIONS * 2);
    expect([...read.requests]).toEqual([['(all)', requests]]);
    expect([...read.failures]).toEqual([['(all)', failures]]);
    expect(read.percentiles).toEqual([]);
    expect(read.notes).toHaveLength(1);
    expect(read.notes[0]).toMatch(/^\d+: Locust's history without --csv-full-history/);

    await writeFile(join(folder.dir, 'agg.config.json'), JSON.stringify({ gates: GATES.slice(0, 1) }));
    const out = await runCli(folder.cli.cli, ['evaluate', 'agg_stats_history.csv', '-c', 'agg.config.json', '--report', 'json=agg.json'], { cwd: folder.dir });
    expect(out.code, out.stderr).toBe(0);
    const report: ReportModel = reportSchema.parse(JSON.parse(await readFile(join(folder.dir, 'agg.json'), 'utf8')));
    expect(report.gates[0]!.observed).toBe(requests);
    expect(report.notes?.[1]).toMatch(/^agg_stats_history\.csv:\d+: Locust's history without --csv-full-history/);
  }, 90_000);

  it('a malformed row is named by file:line and the input is not trusted: exit 3', async () => {
    const lines = (await readFile(join(folder.dir, 'full_stats_history.csv'), 'utf8')).split('\n');
    lines[3] = lines[3]!.replace(/,(\d+),(\d+),([^,]*),([^,]*),([^,]*),([^,]*),([^,]*)$/, ',many,$2,$3,$4,$5,$6,$7');
    expect(lines[3]).toContain(',many,');
    await writeFile(join(folder.dir, 'bad_stats_history.csv'), lines.join('\n'));
    await writeFile(join(folder.dir, 'bad.config.json'), JSON.stringify({ gates: GATES.slice(0, 1) }));
    const out = await runCli(folder.cli.cli, ['evaluate', 'bad_stats_history.csv', '-c', 'bad.config.json'], { cwd: folder.dir });
    expect(out.code).toBe(3);
    expect(out.stderr).toMatch(/bad_stats_history\.csv:4: Total Request Count "many"/);
  }, 60_000);
});
