// `chaosgate evaluate` as a user runs it (a private bundle of the CLI and its worker): exit codes,
// clear messages for every kind of bad input (never a stack trace), reports that validate against
// their published schemas, stdin, and worker threads giving exactly the single-thread result.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/tools.js';
import { bundleCli, runCli, type CliBundle, type CliResult } from '../support/cli-bundle.js';

let bundle: CliBundle;
let cli: string;
let dir: string;

beforeAll(async () => {
  bundle = await bundleCli('evaluate');
  cli = bundle.cli;
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-evaluate-'));
});

afterAll(async () => {
  await bundle.remove();
  await rm(dir, { recursive: true, force: true });
});

type Result = CliResult;

// These inputs are judged with and without gates: zero gates is refused (evaluate-gates-cli.test.ts).
const run = (args: string[], stdin?: Buffer): Promise<Result> => runCli(cli, ['evaluate', '--allow-no-gates', ...args], { stdin });

const T0 = Date.UTC(2026, 0, 1, 12);
function point(metric: string, i: number, value: number | string, tags: string = '{"name":"GET /","status":"200"}'): string {
  return `{"type":"Point","data":{"time":"${new Date(T0 + i * 37).toISOString()}","value":${value},"tags":${tags}},"metric":"${metric}"}`;
}
const header = [
  '{"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time","thresholds":["p(95)<1"],"submetrics":null},"metric":"http_req_duration"}',
  '{"type":"Metric","data":{"name":"http_req_failed","type":"rate","contains":"default","thresholds":[],"submetrics":null},"metric":"http_req_failed"}',
];
function goodLines(n: number): string[] {
  const out = [...header];
  for (let i = 0; i < n; i++) {
    out.push(point('http_req_duration', i, (5 + ((i * 7919) % 1000) / 10).toFixed(3)));
    out.push(point('http_req_failed', i, i % 50 === 0 ? 1 : 0, i % 2 ? 'null' : '{"name":"GET /"}'));
  }
  return out;
}

async function file(name: string, content: string | Buffer): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, content);
  return p;
}

function noStack(r: Result): void {
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toMatch(/internal error/);
}

describe('chaosgate evaluate', () => {
  it('passes, fails with 99, warns without failing; JUnit and JSON validate against their schemas', async () => {
    const input = await file('good.json', goodLines(400).join('\n') + '\n');
    const config = await file(
      'gates.json',
      JSON.stringify({
        gates: [
          { group: 'smoke', metric: 'http_req_duration', expression: 'p(95)<200' },
          { group: 'smoke', metric: 'http_req_failed', expression: 'rate<0.01', severity: 'warn' },
        ],
      }),
    );
    const warnJunit = join(dir, 'out', 'warn-junit.xml');
    const ok = await run([input, '--config', config, '--junit', warnJunit]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^PASS http_req_duration: p\(95\)<200 holds/m);
    expect(ok.stdout).toMatch(/^WARN http_req_failed: rate<0\.01 breached \(observed 2 %, limit 1 %\)$/m);
    // The breached warn gate is a skipped test in every CI view; the exit code above stays 0.
    execFileSync('xmllint', ['--noout', '--schema', join(projectRoot, 'reports/schema/junit-10.xsd'), warnJunit], { stdio: 'pipe' });
    expect(await readFile(warnJunit, 'utf8')).toContain(
      '<skipped type="warn" message="WARN (pause the rollout): http_req_failed: rate&lt;0.01 breached (observed 2 %, limit 1 %)">',
    );

    const junit = join(dir, 'out', 'junit.xml');
    const json = join(dir, 'out', 'report.json');
    const md = join(dir, 'out', 'summary.md');
    const strict = await file('strict.json', JSON.stringify({ gates: [{ group: 'smoke', metric: 'http_req_duration', expression: 'p(95)<50' }] }));
    const failing = await run([input, '--config', strict, '--junit', junit, '--json', json, '--md', md]);
    expect(failing.code, failing.stderr).toBe(99);
    execFileSync('xmllint', ['--noout', '--schema', join(projectRoot, 'reports/schema/junit-10.xsd'), junit], { stdio: 'pipe' });
    const report = JSON.parse(await readFile(json, 'utf8'));
    const schema = JSON.parse(await readFile(join(projectRoot, 'reports/schema/report.schema.json'), 'utf8'));
    const validate = new Ajv2020({ strict: false }).compile(schema);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.verdict).toBe('fail');
    expect(report.totals.points).toBe(800);
    expect(await readFile(md, 'utf8')).toMatch(/^## chaosgate: ❌ FAIL/);

    // k6's own declared thresholds, when asked (p(95)<1 on http_req_duration fails).
    const declared = await run([input, '--declared-thresholds']);
    expect(declared.code).toBe(99);
    expect(declared.stdout).toMatch(/FAIL k6 http_req_duration: p\(95\)<1: http_req_duration: p\(95\)<1 breached/);
  });

  it('reads stdin, gzip by its magic bytes, and CSV', async () => {
    const text = goodLines(50).join('\n') + '\n';
    const fromStdin = await run(['-'], Buffer.from(text));
    expect(fromStdin.code, fromStdin.stderr).toBe(0);
    expect(fromStdin.stdout).toMatch(/^100 samples/m);
    const gz = await file('named-without-gz-suffix', gzipSync(text));
    const fromGz = await run([gz]);
    expect(fromGz.code, fromGz.stderr).toBe(0);
    expect(fromGz.stdout).toMatch(/^100 samples/m);
    const csv = await file(
      'k6.csv',
      'metric_name,timestamp,metric_value,name,status,extra_tags,metadata\nhttp_req_duration,1767268800000,12.5,GET /,200,,\nhttp_reqs,1767268800000,1,GET /,200,,\n',
    );
    const fromCsv = await run([csv]);
    expect(fromCsv.code, fromCsv.stderr).toBe(0);
    expect(fromCsv.stdout).toMatch(/^2 samples/m);
  });

  it('bad input: a clear message naming file:line, exit 3, never a stack trace', async () => {
    const good = goodLines(20);
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ['truncated.json.gz', gzipSync(good.join('\n')).subarray(0, 300), /truncated\.json\.gz: gzip data ends early/],
      ['garbage.bin', randomBytes(4096), /garbage\.bin:1: neither k6 NDJSON nor k6 CSV/],
      ['half.json', [...good.slice(0, 10), good[10]!.slice(0, 50), ...good.slice(11)].join('\n'), /half\.json:11: not JSON/],
      ['nan.json', [...good, point('http_req_duration', 1, 'NaN')].join('\n'), /nan\.json:43: not JSON/],
      // k6 takes any float64 (negative, 2e12): only a number beyond float64 is no sample.
      ['infinite.json', [...good, point('http_req_duration', 1, '1e999')].join('\n'), /infinite\.json:43: value Infinity is not a finite number/],
      [
        'unknown-type.json',
        [...good, '{"type":"Metric","data":{"name":"x","type":"histogram"},"metric":"x"}'].join('\n'),
        /unknown-type\.json:43: unknown metric type "histogram"/,
      ],
    ];
    for (const [name, content, message] of cases) {
      const r = await run([await file(name, content)]);
      expect(r.code, `${name}: ${r.stderr}`).toBe(3);
      expect(r.stderr, name).toMatch(message);
      noStack(r);
    }
    const missing = await run([join(dir, 'nope.json')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/nope\.json: no such file/);
    noStack(missing);
    // A tolerance lets a little damage through; tags: null is never damage.
    const half = join(dir, 'half.json');
    const tolerated = await run([half, '--set', 'evaluate.malformedTolerance=0.05']);
    expect(tolerated.code, tolerated.stderr).toBe(0);
    expect(tolerated.stdout).toMatch(/1 malformed/);
  });

  it('bad config or flags: exit 2 naming the field', async () => {
    const input = await file('ok.json', goodLines(5).join('\n'));
    const badExpr = await file('bad-gate.json', JSON.stringify({ gates: [{ metric: 'http_req_duration', expression: 'p95<500' }] }));
    const r1 = await run([input, '--config', badExpr]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/gates\.0\.expression: threshold "p95<500" is not/);
    const r2 = await run([input, '--set', 'evaluate.bucketWidth=soon']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/evaluate\.bucketWidth: must be a duration/);
    const r3 = await run([input, '--format', 'xml']);
    expect(r3.code).toBe(2);
    for (const r of [r1, r2, r3]) noStack(r);
  });

  it('a reading thread gives exactly the single-thread report', async () => {
    const lines = [...header];
    for (let i = 0; i < 30_000; i++) {
      lines.push(point('http_req_duration', i, ((i * 7919) % 100_000) / 97, `{"name":"GET /${i % 7}","status":"${i % 13 ? 200 : 503}"}`));
    }
    // Bad lines in the first and a later block (two reading threads read blocks of a plain file):
    // their line numbers must come out absolute.
    const badLine = lines.length - 5_000;
    const earlyBad = 1_000;
    lines.splice(badLine - 1, 0, '{"type":"Point","data":{"time":"2026-01-01T00:00:00Z","value":1e999,"tags":null},"metric":"m"}');
    lines.splice(earlyBad - 1, 0, '{"type":"Point","data":{"time":"2026-01-01T00:00:00Z","value":2e999,"tags":null},"metric":"m"}');
    // A metric declared late (in another thread's block than the start): declared before its point.
    lines.splice(
      lines.length - 2_000,
      0,
      '{"type":"Metric","data":{"name":"late_trend","type":"trend","contains":"time","thresholds":["p(95)<1"],"submetrics":null},"metric":"late_trend"}',
      point('late_trend', 1, 5, '{"name":"late"}'),
    );
    const input = await file('split.json', lines.join('\n') + '\n');
    const one = join(dir, 'one.json');
    const two = join(dir, 'two.json');
    const tolerate = ['--set', 'evaluate.malformedTolerance=0.001'];
    const r1 = await run([input, ...tolerate, '--set', 'evaluate.workers=1', '--json', one]);
    const r2 = await run([input, ...tolerate, '--set', 'evaluate.workers=2', '--set', 'evaluate.workerMinBytes=1000', '--json', two]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r2.code, r2.stderr).toBe(0);
    const a = JSON.parse(await readFile(one, 'utf8'));
    const b = JSON.parse(await readFile(two, 'utf8'));
    // The reading thread sends the points in file order: the report is the same to the last bit
    // (sums, encoded histograms, buckets, problems), all but the time it was made and `threads`.
    const same = (r: { createdAt: string; inputs: Array<{ threads?: number }>; config: { threads?: unknown } }) => ({
      ...r,
      createdAt: '',
      inputs: r.inputs.map(({ threads: _t, ...i }) => i),
      config: { ...r.config, threads: undefined },
    });
    expect(same(b)).toEqual(same(a));
    expect(b.inputs[0].lines).toBe(a.inputs[0].lines);
    expect(a.inputs[0].threads).toBeUndefined();
    expect(b.inputs[0].threads).toBe(2);
    // The main thread alone, allowed one; two reading threads and the main thread, allowed two.
    expect(a.config.threads).toEqual({ allowed: 1, used: 1 });
    expect(b.config.threads).toEqual({ allowed: 2, used: 3 });
    expect(a.totals.points).toBe(30_001);
    const problems = (source: string) => [
      { source, line: earlyBad, reason: 'value Infinity is not a finite number' },
      { source, line: badLine + 1, reason: 'value Infinity is not a finite number' },
    ];
    expect(b.totals.problems).toEqual(problems(input));

    // gzip through the reading thread: the same samples; a truncated one is exit 3, as on the main thread.
    const text = lines.join('\n') + '\n';
    const zipped = gzipSync(text);
    const gz = await file('split.json.gz', zipped);
    const three = join(dir, 'three.json');
    const r3 = await run([gz, ...tolerate, '--set', 'evaluate.workers=2', '--set', 'evaluate.workerMinBytes=1000', '--json', three]);
    expect(r3.code, r3.stderr).toBe(0);
    const c = JSON.parse(await readFile(three, 'utf8'));
    expect(c.inputs[0]).toMatchObject({ gzip: true, threads: 1, lines: a.inputs[0].lines, bytes: zipped.length });
    expect(c.series).toEqual(a.series);
    expect(c.totals.problems).toEqual(problems(gz));
    const cut = await file('cut.json.gz', zipped.subarray(0, 20_000));
    const r4 = await run([cut, '--set', 'evaluate.workers=2', '--set', 'evaluate.workerMinBytes=1000']);
    expect(r4.code).toBe(3);
    expect(r4.stderr).toMatch(/cut\.json\.gz: gzip data ends early \(truncated file\)/);
    expect(r4.stderr).not.toMatch(/\n\s+at /);
  });
});
