// `chaosgate evaluate` as a user runs it (a private bundle of the CLI): no hang on a windowed gate
// with nothing to judge, zero gates and empty input refused, reports by `--report kind=path`
// (HTML too), gates on metrics nothing produced refused, a cardinality bomb said on the console.
import { copyFile, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, runCli, type CliBundle, type CliResult } from '../support/cli-bundle.js';

let bundle: CliBundle;
let dir: string;

beforeAll(async () => {
  bundle = await bundleCli('evaluate-gates');
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-evaluate-gates-'));
});

afterAll(async () => {
  await bundle.remove();
  await rm(dir, { recursive: true, force: true });
});

type Result = CliResult;

/** Runs `chaosgate evaluate …`; SIGKILLed (signal set) if it has not ended after `timeoutMs`. */
const evaluate = (args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<Result> =>
  runCli(bundle.cli, ['evaluate', ...args], { ...opts, timeoutMs: opts.timeoutMs ?? 30_000 });

const T0 = Date.UTC(2026, 0, 1, 12);
const point = (metric: string, i: number, value: number, tags: Record<string, string> = { name: 'GET /' }) =>
  JSON.stringify({ type: 'Point', data: { time: new Date(T0 + i * 100).toISOString(), value, tags }, metric });

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function config(name: string, gates: unknown[]): Promise<string> {
  return file(name, JSON.stringify({ gates }));
}

let input: string;
beforeAll(async () => {
  const lines: string[] = [];
  for (let i = 0; i < 300; i++) lines.push(point('http_req_duration', i, 20 + (i % 10)), point('http_req_failed', i, 0));
  input = await file('k6.ndjson', `${lines.join('\n')}\n`);
});

function noStack(r: Result): void {
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('chaosgate evaluate: gates', () => {
  it('a windowed gate whose filter matches nothing ends with "no samples" (it hung at one core before)', async () => {
    const cfg = await config('window.json', [
      { id: 'nothing-matches', metric: 'http_req_duration{name:GET /missing}', expression: 'p(95)<500', window: '5s' },
      { id: 'no-such-phase', metric: 'http_req_duration', expression: 'p(95)<500', window: '5s', phase: 'fault:x', severity: 'warn' },
    ]);
    const r = await evaluate(['-c', cfg, input], { timeoutMs: 20_000 });
    expect(r.signal).toBeNull();
    expect(r.code).toBe(99);
    expect(r.stdout).toContain('FAIL nothing-matches: http_req_duration{name:GET /missing}: no samples');
    expect(r.stdout).toContain('WARN no-such-phase: http_req_duration in phase fault:x: no samples');
  });

  it('zero gates: refused with exit 2 unless --allow-no-gates', async () => {
    const cfg = await config('none.json', []);
    const refused = await evaluate(['-c', cfg, input]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/no gates to judge: the config has no `gates`.*--allow-no-gates/s);
    noStack(refused);
    const allowed = await evaluate(['-c', cfg, '--allow-no-gates', input]);
    expect(allowed.code).toBe(0);
    // With --declared-thresholds the input may bring gates; this one declares none: refused after reading.
    const declared = await evaluate(['-c', cfg, '--declared-thresholds', input]);
    expect(declared.code).toBe(2);
    expect(declared.stderr).toContain('the input declared no k6 thresholds');
  });

  it('empty input is unreadable input (exit 3) whatever the gates: an empty file, </dev/null, only declarations', async () => {
    const warnOnly = await config('warn.json', [{ metric: 'http_req_duration', expression: 'p(95)<500', severity: 'warn' }]);
    const empty = await file('empty.ndjson', '');
    const tolerant = await file('tolerant.json', JSON.stringify({ evaluate: { malformedTolerance: 1 }, gates: [{ metric: 'http_req_duration', expression: 'p(95)<500' }] }));
    const garbage = await file('garbage.ndjson', '{"type":"Point"}\n{"type":"Point","data":{}}\n');
    const declarations = await file('decl.ndjson', `${JSON.stringify({ type: 'Metric', data: { name: 'x', type: 'trend', contains: 'time', thresholds: [] }, metric: 'x' })}\n`);
    for (const [args, expected] of [
      [['-c', warnOnly, empty], `input ${empty}: no samples (it is empty)`],
      [['-c', warnOnly, '--allow-no-gates', '-'], 'input (stdin): no samples (it is empty)'],
      [['-c', warnOnly, declarations], `input ${declarations}: no samples (1 lines but not one sample)`],
      // Judged over all inputs together: two empty files are no samples; one beside samples is not (below).
      [['-c', warnOnly, empty, declarations], `inputs ${empty} (it is empty), ${declarations} (1 lines but not one sample): no samples in any of them`],
      // Every line malformed but within a tolerance of 100 %: still no sample, still no pass.
      [['-c', tolerant, garbage], `input ${garbage}: no samples (2 lines but not one sample, 2 malformed)`],
    ] as const) {
      const r = await evaluate([...args]);
      expect(r.code, args.join(' ')).toBe(3);
      expect(r.stderr).toContain(expected);
      noStack(r);
    }
    // An idle shard's empty file beside the others' (more k6-operator runners than VUs): judged on all of them.
    const beside = await evaluate(['-c', warnOnly, input, empty]);
    expect(beside.code, beside.stderr).toBe(0);
    expect(beside.stdout).toMatch(/^600 samples, /m);
  });

  it('--report kind=path writes every kind of the registry (HTML too); --junit/--json/--md still work; a bad kind is exit 2', async () => {
    const cfg = await config('pass.json', [{ id: 'p95', metric: 'http_req_duration', expression: 'p(95)<500' }]);
    const out = (n: string) => join(dir, n);
    const r = await evaluate(['-c', cfg, input, '--report', `html=${out('r.html')}`, '--report', `junit=${out('r.xml')}`, '--json', out('r.json'), '--md', out('r.md')]);
    expect(r.code).toBe(0);
    expect(await readFile(out('r.html'), 'utf8')).toMatch(/^<!doctype html>/i);
    expect(await readFile(out('r.xml'), 'utf8')).toContain('<testsuites');
    expect(JSON.parse(await readFile(out('r.json'), 'utf8')).gates[0].id).toBe('p95');
    expect((await stat(out('r.md'))).size).toBeGreaterThan(0);
    const bad = await evaluate(['-c', cfg, input, '--report', 'pdf=x.pdf']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown report kind "pdf" (one of junit, json, markdown, html; as kind=path)');
    const noPath = await evaluate(['-c', cfg, input, '--report', 'html']);
    expect(noPath.code).toBe(2);
    expect(noPath.stderr).toContain('no path for the html report');
  });

  it('a gate on queue_lag that nothing in the input produced is a config error (exit 2), not a FAIL', async () => {
    const cfg = await config('lag.json', [
      { id: 'p95', metric: 'http_req_duration', expression: 'p(95)<500' },
      { id: 'consumer lag', metric: 'queue_lag', expression: 'max<=1000', severity: 'warn' },
    ]);
    const r = await evaluate(['-c', cfg, input]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('gates[1] (consumer lag): metric queue_lag is produced by nothing here');
    noStack(r);
    // With the probe's samples in the input (a run's samples.ndjson) the gate is judged.
    const samples = await file('samples.ndjson', `${point('queue_lag', 1, 3, { probe: 'q', queue: 'jobs' })}\n`);
    const judged = await evaluate(['-c', cfg, input, samples]);
    expect(judged.code).toBe(0);
    expect(judged.stdout).toContain('PASS consumer lag: queue_lag: max<=1000 holds');
  });

  it('a cardinality bomb: the overflow is said on the console, and a gate on the overflowed metric judges its exact figure (it failed as "not trustworthy")', async () => {
    const cfg = await file(
      'bomb.json',
      JSON.stringify({ evaluate: { seriesCap: 100 }, gates: [{ id: 'p95', metric: 'http_req_duration', expression: 'p(95)<500', severity: 'warn' }] }),
    );
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(point(`custom_${i}`, i, 1), point('http_req_duration', i, 20, { name: `GET /item/${i}` }));
    const bomb = await file('bomb.ndjson', `${lines.join('\n')}\n`);
    const json = join(dir, 'bomb-report.json');
    const r = await evaluate(['-c', cfg, bomb, '--json', json]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/OVERFLOW \d+ samples fell past the cap of 100 series/);
    expect(r.stdout).toMatch(/^PASS .*http_req_duration: p\(95\)<500 holds \(observed 20,/m);
    const report = JSON.parse(await readFile(json, 'utf8')) as { totals: { perMetric: Record<string, number> } };
    expect(Object.keys(report.totals.perMetric).length).toBeLessThanOrEqual(101);
  });

  it('an input or a state given twice is refused (exit 2) — also through another path or a symlink — instead of counting every sample twice', async () => {
    // 300 requests: counted twice, the gate would fail (k6 counts a counter; `count` on a trend it refuses).
    const cfg = await config('twice.json', [{ id: 'count', metric: 'http_reqs', expression: 'count<=300' }]);
    const input = await file('twice.ndjson', Array.from({ length: 300 }, (_, i) => `${point('http_reqs', i, 1)}\n`).join(''));
    const link = join(dir, 'k6-link.ndjson');
    await symlink(input, link);
    const once = await evaluate(['-c', cfg, input]);
    expect(once.code, once.stderr).toBe(0);
    for (const [args, said] of [
      [[input, input], `input ${input} is given twice`],
      [[input, link], `input ${link} is the same file as ${input}`],
      [[input, `${dir}/./twice.ndjson`], 'is the same file as'],
    ] as const) {
      const r = await evaluate(['-c', cfg, ...args]);
      expect(r.code, r.stdout).toBe(2);
      expect(r.stderr).toContain(said);
      expect(r.stdout).not.toMatch(/verdict/);
      noStack(r);
    }
    const state = join(dir, 'shard.state.json');
    expect((await evaluate(['-c', cfg, '--state', state, input])).code).toBe(0);
    const copy = join(dir, 'copy.state.json');
    await copyFile(state, copy);
    for (const [states, said] of [
      [[state, state], `state ${state} is given twice`],
      [[state, copy], `state ${copy} is the same state as ${state}`],
    ] as const) {
      const r = await runCli(bundle.cli, ['merge', '-c', cfg, ...states], { timeoutMs: 30_000 });
      expect(r.code, r.stdout).toBe(2);
      expect(r.stderr).toContain(said);
      noStack(r);
    }
    const merged = await runCli(bundle.cli, ['merge', '-c', cfg, state], { timeoutMs: 30_000 });
    expect(merged.code, merged.stderr).toBe(0);
  });

  it('a gate on a misspelt metric: evaluate and merge refuse it (exit 2, naming the gate and the likely name), not "no samples" (exit 99)', async () => {
    const typo = await config('typo.json', [{ id: 'latency', metric: 'http_req_duraton', expression: 'p(95)<500' }]);
    const good = await config('typo-ok.json', [{ id: 'latency', metric: 'http_req_duration', expression: 'p(95)<500' }]);
    const state = join(dir, 'typo.state.json');
    expect((await evaluate(['-c', good, '--state', state, input])).code).toBe(0);
    for (const r of [await evaluate(['-c', typo, input]), await runCli(bundle.cli, ['merge', '-c', typo, state], { timeoutMs: 30_000 })]) {
      expect(r.code, r.stdout).toBe(2);
      expect(r.stderr).toContain('gates[0] (latency): metric http_req_duraton is not a k6 built-in, the input has no sample of it');
      expect(r.stderr).toContain('did you mean http_req_duration?');
      noStack(r);
    }
    // A shard's state is for merge (one shard may lack a metric others have): evaluate --state does not refuse it.
    const shard = await evaluate(['-c', typo, '--state', join(dir, 'typo2.state.json'), input]);
    expect(shard.code).not.toBe(2);
    expect(shard.stderr).not.toContain('is not a k6 built-in');
  });
});
