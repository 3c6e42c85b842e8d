// `chaosgate evaluate --state` and `chaosgate merge` as a user runs them: the merged verdict and
// JSON report equal one evaluate over every shard's file; mismatched states exit 2 naming the
// setting; an unreadable state exits 3; never a stack trace.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, runCli, type CliBundle, type CliResult } from '../support/cli-bundle.js';
import { reportDifferences } from '../support/report-diff.js';

let bundle: CliBundle;
let dir: string;

beforeAll(async () => {
  bundle = await bundleCli('merge');
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-merge-'));
});

afterAll(async () => {
  await bundle.remove();
  await rm(dir, { recursive: true, force: true });
});

type Result = CliResult;

const cli = (args: string[]): Promise<Result> => runCli(bundle.cli, args);

const T0 = Date.UTC(2026, 0, 1, 12);
const HEADER = '{"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time","thresholds":[],"submetrics":null},"metric":"http_req_duration"}';
function shard(k: number, n: number): string {
  const lines = [HEADER];
  for (let i = 0; i < n; i++) {
    const t = new Date(T0 + i * 50 + k).toISOString();
    const ms = (3 + ((i * 7919 + k * 104729) % 1000) / 7).toFixed(4);
    lines.push(`{"type":"Point","data":{"time":"${t}","value":${ms},"tags":{"name":"GET /","status":"200","instance_id":"${k + 1}"}},"metric":"http_req_duration"}`);
  }
  return lines.join('\n') + '\n';
}

async function file(name: string, content: string): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, content);
  return p;
}

function noStack(r: Result): void {
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('chaosgate merge', () => {
  it('merges shard states into the verdict and report of one evaluate over all shards', async () => {
    const shards = await Promise.all([0, 1, 2].map(async (k) => file(`s${k}.ndjson`, shard(k, 2000 + k * 300))));
    const config = await file(
      'c.json',
      JSON.stringify({
        gates: [
          { metric: 'http_req_duration', expression: 'p(95)<130' },
          { metric: 'http_req_duration', expression: 'p(50)<200', window: '20s' },
        ],
      }),
    );
    const states: string[] = [];
    for (const [k, s] of shards.entries()) {
      const state = join(dir, `s${k}.state.json.gz`);
      const r = await cli(['evaluate', s, '-c', config, '--state', state]);
      expect([0, 99], r.stderr).toContain(r.code);
      states.push(state);
    }
    const whole = await cli(['evaluate', ...shards, '-c', config, '--json', join(dir, 'whole.json')]);
    const merged = await cli(['merge', ...states, '-c', config, '--report', `json=${join(dir, 'merged.json')}`, '--report', `md=${join(dir, 'merged.md')}`]);
    noStack(merged);
    expect(merged.code, merged.stderr).toBe(whole.code);
    expect(merged.stdout).toMatch(/^3 states merged: 6900 samples/m);
    const gateLines = (out: string) => out.split('\n').filter((l) => /^(PASS|FAIL|WARN)/.test(l));
    expect(gateLines(merged.stdout)).toEqual(gateLines(whole.stdout));
    expect(gateLines(merged.stdout).length).toBe(2);
    const a = JSON.parse(await readFile(join(dir, 'merged.json'), 'utf8'));
    const b = JSON.parse(await readFile(join(dir, 'whole.json'), 'utf8'));
    // Exact except the floating-point sum (and avg), which depends on the order of additions.
    type Trend = { sum: number; avg: number; [k: string]: number };
    type S = { id: string; count: number; trend: Trend };
    const exact = (r: { series: S[] }) => r.series.map((s) => [s.id, s.count, { ...s.trend, sum: 0, avg: 0 }]);
    expect(exact(a)).toEqual(exact(b));
    for (const [i, s] of (b.series as S[]).entries()) {
      expect(Math.abs((a.series as S[])[i]!.trend.sum - s.trend.sum)).toBeLessThanOrEqual(s.trend.sum * 1e-12);
    }
    expect(a.gates.map((g: { observed: number }) => g.observed)).toEqual(b.gates.map((g: { observed: number }) => g.observed));
    expect(a.inputs).toEqual(b.inputs);
    expect(a.merge.states).toEqual(states);
    expect(a.analysis).toBeUndefined();
    expect(await readFile(join(dir, 'merged.md'), 'utf8')).toMatch(/chaosgate/);
  });

  it('refuses mismatched states with exit 2 naming the setting, unreadable ones with exit 3', async () => {
    const s = await file('one.ndjson', shard(0, 200));
    const a = join(dir, 'a.state.json');
    const b = join(dir, 'b.state.json');
    expect((await cli(['evaluate', s, '--state', a])).code).toBe(0);
    expect((await cli(['evaluate', s, '--state', b, '--set', 'evaluate.bucketWidth=5s'])).code).toBe(0);
    const mismatch = await cli(['merge', a, b]);
    noStack(mismatch);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/state .*b\.state\.json: setting bucketWidthMs is 5000, the config has 10000/);
    const gates = await file('g.json', JSON.stringify({ gates: [{ metric: 'http_req_duration', expression: 'max<1000' }] }));
    const ok = await cli(['merge', b, '-c', gates, '--set', 'evaluate.bucketWidth=5s']);
    expect(ok.code, ok.stderr).toBe(0);
    const noGates = await cli(['merge', b, '--set', 'evaluate.bucketWidth=5s']);
    expect(noGates.code).toBe(2);
    expect(noGates.stderr).toMatch(/no gates to judge: none in the config/);
    const garbage = await file('garbage.state.json', '{"not":"a state"}');
    const bad = await cli(['merge', a, garbage]);
    noStack(bad);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/garbage\.state\.json: not a chaosgate evaluation state/);
    const missing = await cli(['merge', join(dir, 'nope.json')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/nope\.json: ENOENT/);
  });

  it('evaluate of many large inputs: a state per input in worker threads, merged — the sequential report', async () => {
    const inputs = await Promise.all([0, 1, 2].map(async (k) => file(`p${k}.ndjson`, shard(k, 3000 + k * 500))));
    const config = await file(
      'pc.json',
      JSON.stringify({
        gates: [
          { metric: 'http_req_duration', expression: 'p(99)<140' },
          { metric: 'http_req_duration', expression: 'p(90)<200', window: '30s' },
        ],
      }),
    );
    const parallel = await cli([
      'evaluate',
      ...inputs,
      '-c',
      config,
      '--set',
      'evaluate.workerMinBytes=1',
      '--set',
      'evaluate.workers=4',
      '--set',
      'evaluate.parallelInputs=true',
      '--json',
      join(dir, 'parallel.json'),
    ]);
    const sequential = await cli(['evaluate', ...inputs, '-c', config, '--set', 'evaluate.workers=1', '--json', join(dir, 'sequential.json')]);
    noStack(parallel);
    expect(parallel.code, parallel.stderr).toBe(sequential.code);
    // The same lines but for the threads used: a state thread per input (3 of 4), the main thread alone (1 of 1).
    expect(parallel.stdout).toMatch(/, 3 of 4 threads; verdict/);
    expect(sequential.stdout).toMatch(/, 1 of 1 thread; verdict/);
    const threadless = (out: string) => out.replace(/, \d+ of \d+ threads?; verdict/, '; verdict');
    expect(threadless(parallel.stdout)).toBe(threadless(sequential.stdout));
    type R = { createdAt: string; inputs: Array<{ threads?: number }>; gates: Array<{ durationMs: number }>; config: { threads?: unknown } };
    const p = JSON.parse(await readFile(join(dir, 'parallel.json'), 'utf8')) as R;
    const s = JSON.parse(await readFile(join(dir, 'sequential.json'), 'utf8')) as R;
    // Each input was read by a thread of its own in the parallel run, by the main thread in the other.
    expect(p.inputs.map((i) => i.threads)).toEqual([1, 1, 1]);
    expect(s.inputs.map((i) => i.threads)).toEqual([undefined, undefined, undefined]);
    const strip = (r: R) => ({
      ...r,
      createdAt: '',
      inputs: r.inputs.map(({ threads: _t, ...i }) => i),
      gates: r.gates.map((g) => ({ ...g, durationMs: 0 })),
      config: { ...r.config, threads: undefined },
    });
    expect(reportDifferences(strip(p), strip(s))).toEqual([]);
    // A broken input among them: its own message and exit 3, as without threads.
    const broken = await file('broken.ndjson', shard(0, 100) + '{"type":"Point","data":{"time":"x"\n');
    const bad = await cli(['evaluate', inputs[0]!, broken, '--allow-no-gates', '--set', 'evaluate.workerMinBytes=1', '--set', 'evaluate.workers=4']);
    noStack(bad);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toMatch(/broken\.ndjson:102/);
  });

  it('an idle shard (an empty gzip file, more runners than VUs): an empty state that merges; no samples only when none has any', async () => {
    const config = await file('idle.json', JSON.stringify({ gates: [{ id: 'p95', metric: 'http_req_duration', expression: 'p(95)<200' }] }));
    const busy = await file('busy.ndjson', shard(0, 1000));
    const idle = join(dir, 'idle.ndjson.gz');
    await writeFile(idle, gzipSync(''));
    const idleState = join(dir, 'idle.state.json.gz');
    const busyState = join(dir, 'busy.state.json.gz');
    // A shard's own verdict (99: its gate saw no samples) is what the documented `|| [ $? -eq 99 ]` lets through.
    const idleEval = await cli(['evaluate', idle, '-c', config, '--state', idleState]);
    expect(idleEval.code, idleEval.stderr).toBe(99);
    expect(idleEval.stdout).toMatch(/^0 samples, /m);
    expect((await cli(['evaluate', busy, '-c', config, '--state', busyState])).code).toBe(0);
    // The documented one-step gate over every runner's file, idle ones included.
    const whole = await cli(['evaluate', busy, idle, '-c', config]);
    expect(whole.code, whole.stderr).toBe(0);
    expect(whole.stdout).toMatch(/^1000 samples, /m);
    const merged = await cli(['merge', busyState, idleState, '-c', config]);
    expect(merged.code, merged.stderr).toBe(0);
    expect(merged.stdout).toMatch(/^2 states merged: 1000 samples, /m);
    const gateLines = (out: string) => out.split('\n').filter((l) => /^(PASS|FAIL|WARN)/.test(l));
    expect(gateLines(merged.stdout)).toEqual(gateLines(whole.stdout));
    // Nothing anywhere is still no pass: two idle runners (one given twice is refused as such).
    const idle2 = join(dir, 'idle2.ndjson.gz');
    await writeFile(idle2, gzipSync(''));
    const idle2State = join(dir, 'idle2.state.json.gz');
    expect((await cli(['evaluate', idle2, '-c', config, '--state', idle2State])).code).toBe(99);
    const none = await cli(['merge', idleState, idle2State, '-c', config]);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/no samples in any of them; zero samples is never a pass/);
    const noneEval = await cli(['evaluate', idle, idle2, '-c', config]);
    expect(noneEval.code).toBe(3);
    expect(noneEval.stderr).toMatch(/no samples in any of them/);
  });

  it('merge --events: the phase table, recovery per fault and error budget of one evaluation; --allow-no-gates', async () => {
    const shards = await Promise.all([0, 1].map(async (k) => file(`e${k}.ndjson`, shard(k, 2000))));
    const events = await file(
      'events.jsonl',
      [
        { time: new Date(T0 + 30_000).toISOString(), epochMs: T0 + 30_000, faultId: 'slow', kind: 'http-latency', target: 'api', action: 'on', params: {} },
        { time: new Date(T0 + 50_000).toISOString(), epochMs: T0 + 50_000, faultId: 'slow', kind: 'http-latency', target: 'api', action: 'off', params: {} },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    // The gates are the profile's (as `run shards` judges them): --profile picks them, for evaluate and merge alike.
    const gates = [
      { id: 'p95', metric: 'http_req_duration', expression: 'p(95)<130' },
      { id: 'recovered', metric: 'http_req_duration', expression: 'p(95)<200', phase: 'recovery' },
    ];
    const config = await file('ev.json', JSON.stringify({ profiles: { shards: { script: 'load.js', gates } } }));
    expect((await cli(['evaluate', ...shards, '-c', config, '--events', events])).stderr).toMatch(/no gates to judge/);
    const states: string[] = [];
    for (const [k, s] of shards.entries()) {
      const state = join(dir, `e${k}.state.json.gz`);
      expect([0, 99]).toContain((await cli(['evaluate', s, '-c', config, '--profile', 'shards', '--events', events, '--state', state])).code);
      states.push(state);
    }
    const whole = await cli([
      'evaluate',
      ...shards,
      '-c',
      config,
      '--events',
      events,
      '--profile',
      'shards',
      '--json',
      join(dir, 'ev-whole.json'),
      '--md',
      join(dir, 'ev-whole.md'),
    ]);
    const merged = await cli([
      'merge',
      ...states,
      '-c',
      config,
      '--events',
      events,
      '--profile',
      'shards',
      '--json',
      join(dir, 'ev-merged.json'),
      '--md',
      join(dir, 'ev-merged.md'),
    ]);
    expect(whole.code, whole.stderr).toBe(99);
    expect(merged.code, merged.stderr).toBe(whole.code);
    const a = JSON.parse(await readFile(join(dir, 'ev-merged.json'), 'utf8'));
    const b = JSON.parse(await readFile(join(dir, 'ev-whole.json'), 'utf8'));
    expect(b.analysis.faults.map((f: { id: string }) => f.id)).toEqual(['slow']);
    expect(b.analysis.recovery).toHaveLength(1);
    expect(a.analysis).toEqual(b.analysis);
    expect(a.phases).toEqual(b.phases);
    expect(a.gates.map((g: { id: string }) => g.id)).toEqual(['p95', 'recovered']);
    expect(a.gates.map((g: { id: string; verdict: string; observed: number }) => [g.id, g.verdict, g.observed])).toEqual(
      b.gates.map((g: { id: string; verdict: string; observed: number }) => [g.id, g.verdict, g.observed]),
    );
    // The Markdown's phase table and recovery, line for line (the merge adds only its own lines).
    const lines = async (f: string) => (await readFile(join(dir, f), 'utf8')).split('\n').filter((l) => /recovery|fault:slow|baseline/.test(l));
    expect(await lines('ev-merged.md')).toEqual(await lines('ev-whole.md'));
    // Another timeline than the states': refused, naming the flag.
    const other = await file('other.jsonl', (await readFile(events, 'utf8')).replaceAll(String(T0 + 50_000), String(T0 + 60_000)));
    const mismatch = await cli(['merge', ...states, '-c', config, '--profile', 'shards', '--events', other]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/--events .*other\.jsonl: its chaos events are not the ones the states were evaluated with/);
    // --allow-no-gates, as the docs say: a merge with nothing to judge, accepted.
    const noGates = await file('nogates.json', JSON.stringify({}));
    expect((await cli(['merge', ...states, '-c', noGates])).code).toBe(2);
    const allowed = await cli(['merge', ...states, '-c', noGates, '--allow-no-gates']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toMatch(/^2 states merged: 4000 samples, .*verdict pass$/m);
  });
});
