// Merging shards' states equals evaluating all their samples in one process, field by field; the
// states refuse to merge when a setting differs, naming it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../lib/errors.js';
import { expectSameReport as expectSame, histogramContents } from '../test/support/report-compare.js';
import { reportDifferences } from '../test/support/report-diff.js';
import type { EvaluateConfigInput, GateConfigInput } from './config.js';
import { evaluate } from './evaluate.js';
import { liveHistograms } from '../model/histogram.js';
import type { ReportModel } from '../model/report.js';
import type { PhaseEvent } from './phases.js';
import { finishMerge, mergeStates, readState, type NamedState } from './state.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-state-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 0, 1, 12);
const HEADER = [
  '{"type":"Metric","data":{"name":"http_req_duration","type":"trend","contains":"time","thresholds":["p(95)<300"],"submetrics":null},"metric":"http_req_duration"}',
  '{"type":"Metric","data":{"name":"http_req_failed","type":"rate","contains":"default","thresholds":[],"submetrics":null},"metric":"http_req_failed"}',
  '{"type":"Metric","data":{"name":"http_reqs","type":"counter","contains":"default","thresholds":[],"submetrics":null},"metric":"http_reqs"}',
  '{"type":"Metric","data":{"name":"vus","type":"gauge","contains":"default","thresholds":[],"submetrics":null},"metric":"vus"}',
  '{"type":"Metric","data":{"name":"queue_wait","type":"trend","contains":"default","thresholds":[],"submetrics":null},"metric":"queue_wait"}',
];

/** A deterministic stream of k6 points: `n` requests over `spanMs`, several metrics and tags. */
function points(n: number, spanMs: number, seed: number, startMs = 0): string[] {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const t = new Date(T0 + startMs + Math.floor((i / n) * spanMs) + Math.floor(rnd() * 50)).toISOString();
    const name = ['GET /', 'POST /order', 'GET /item'][i % 3]!;
    const failed = rnd() < 0.03;
    const status = failed ? '503' : '200';
    const tags = `{"name":"${name}","method":"${name.split(' ')[0]}","status":"${status}","expected_response":"${!failed}"}`;
    // Real k6 values: milliseconds with µs digits, a long tail.
    const ms = (2 + rnd() * 40 + (rnd() < 0.05 ? rnd() * 900 : 0)).toFixed(6);
    out.push(`{"type":"Point","data":{"time":"${t}","value":${ms},"tags":${tags}},"metric":"http_req_duration"}`);
    out.push(`{"type":"Point","data":{"time":"${t}","value":${failed ? 1 : 0},"tags":${tags}},"metric":"http_req_failed"}`);
    out.push(`{"type":"Point","data":{"time":"${t}","value":1,"tags":${tags}},"metric":"http_reqs"}`);
    if (i % 10 === 0) out.push(`{"type":"Point","data":{"time":"${t}","value":${1 + (i % 7)},"tags":null},"metric":"vus"}`);
    if (i % 4 === 0) out.push(`{"type":"Point","data":{"time":"${t}","value":${(rnd() * 5000).toFixed(3)},"tags":{"queue":"q${i % 2}"}},"metric":"queue_wait"}`);
  }
  return out;
}

const gates: GateConfigInput[] = [
  { metric: 'http_req_duration', expression: 'p(95)<400' },
  { metric: 'http_req_duration{name:GET /}', expression: 'p(99)<900', window: '1m' },
  { metric: 'http_req_duration', expression: 'p(90)<500', phase: 'fault:slow' },
  { metric: 'http_req_duration', expression: 'avg < baseline * 3', phase: 'recovery', baseline: 'phase:baseline' },
  { metric: 'http_req_failed', expression: 'rate<0.05', window: '30s' },
  { metric: 'chaosgate_error_rate', expression: 'rate<0.1' },
  { metric: 'http_reqs', expression: 'count>10' },
  { metric: 'vus', expression: 'value<10' },
  { metric: 'queue_wait{queue:q1}', expression: 'max<6000' },
];
const evaluateConfig: EvaluateConfigInput = { bucketHistograms: ['http_req_duration', 'queue_wait'], declaredThresholds: true };
const events: PhaseEvent[] = [
  { time: T0 + 120_000, faultId: 'slow', action: 'on' },
  { time: T0 + 240_000, faultId: 'slow', action: 'off' },
];

async function write(name: string, lines: string[]): Promise<string> {
  const p = join(dir, name);
  await writeFile(p, lines.join('\n') + '\n');
  return p;
}

/** The report without what legitimately differs between two runs (time made, time to judge). */
function comparable(r: ReportModel): unknown {
  const { createdAt: _c, merge: _m, ...rest } = r;
  return { ...rest, gates: rest.gates.map(({ durationMs: _d, ...g }) => g) };
}

async function statesOf(shards: string[], opts: { config?: EvaluateConfigInput; gates?: GateConfigInput[]; events?: PhaseEvent[] }): Promise<NamedState[]> {
  const out: NamedState[] = [];
  for (const [i, shard] of shards.entries()) {
    const statePath = join(dir, `${i}-${Math.random().toString(36).slice(2)}.state.json${i === 1 ? '.gz' : ''}`);
    await evaluate([shard], { config: { evaluate: opts.config, gates: opts.gates }, phaseEvents: opts.events, statePath });
    out.push({ name: shard, state: await readState(statePath) });
  }
  return out;
}

describe('mergeable evaluation state', () => {
  it('3 shards split by line, merged: the report of one process over all three, field by field', async () => {
    const all = points(24_000, 400_000, 7);
    const shards = await Promise.all([0, 1, 2].map((k) => write(`shard${k}.ndjson`, [...HEADER, ...all.filter((_, i) => i % 3 === k)])));
    const opts = { config: evaluateConfig, gates, events };
    const whole = await evaluate(shards, { config: { evaluate: evaluateConfig, gates }, phaseEvents: events });
    const states = await statesOf(shards, opts);
    const before = liveHistograms();
    const merged = finishMerge(mergeStates(states, { config: evaluateConfig, gates }), shards);
    expect(liveHistograms()).toBe(before); // the merge frees what it decoded

    expect(whole.totals.points).toBe(all.length);
    expect(whole.phases.map((p) => p.name)).toEqual(['baseline', 'fault:slow', 'recovery']);
    expect(whole.gates.length).toBe(gates.length + 1); // + k6's declared p(95)<300
    expect(whole.series.some((s) => s.buckets.items.some((b) => b.histogram))).toBe(true);
    expect(whole.gates.some((g) => g.window !== null && g.worstWindowStart !== null)).toBe(true);
    expectSame(comparable(merged), comparable(whole));
    // The percentiles and histograms are integers from HDR: exactly equal, not within a tolerance.
    for (const s of whole.series) {
      const m = merged.series.find((x) => x.id === s.id)!;
      expect(m.trend && [m.trend.p50, m.trend.p90, m.trend.p95, m.trend.p99]).toEqual(s.trend && [s.trend.p50, s.trend.p90, s.trend.p95, s.trend.p99]);
      expect(m.histogram && { ...m.histogram, data: histogramContents(m.histogram.data) }).toEqual(s.histogram && { ...s.histogram, data: histogramContents(s.histogram.data) });
    }
    expect(merged.merge).toEqual({ states: shards, warnings: [] });
    expect(merged.analysis).toBeUndefined();
    // The comparison can fail: two of the three states are not the whole.
    const partial = finishMerge(mergeStates(states.slice(0, 2), { config: evaluateConfig, gates }), shards.slice(0, 2));
    expect(reportDifferences(comparable(partial), comparable(whole)).join('\n')).toMatch(/\$\.totals\.points: \d+ vs \d+/);
  });

  it('one shard long enough to coarsen its buckets: merged onto the coarser grid, exactly', async () => {
    const shared = points(9_000, 300_000, 11);
    const longTail = points(3_000, 1_500_000, 13, 300_000); // shard 0 runs 30 min in all
    const shards = [
      await write('long0.ndjson', [...HEADER, ...shared.filter((_, i) => i % 3 === 0), ...longTail]),
      await write('long1.ndjson', [...HEADER, ...shared.filter((_, i) => i % 3 === 1)]),
      await write('long2.ndjson', [...HEADER, ...shared.filter((_, i) => i % 3 === 2)]),
    ];
    const cfg = { ...evaluateConfig, maxBuckets: 60 };
    const whole = await evaluate(shards, { config: { evaluate: cfg, gates } });
    const states = await statesOf(shards, { config: cfg, gates });
    expect(states.map((s) => s.state.currentBucketWidthMs)).toEqual([40_000, 10_000, 10_000]);
    const mergedRun = mergeStates(states, { config: cfg, gates });
    expect(mergedRun.warnings.join('\n')).toMatch(/timelines disagree by \d+ ms .*last sample/);
    const merged = finishMerge(mergedRun, shards);
    // The skew warning reaches every writer through the report's notes; one evaluation has none.
    expect(merged.notes).toEqual(mergedRun.warnings.map((w) => `merge: ${w}`));
    expect(whole.config.bucketWidthMs).toBe(40_000);
    const { notes: _notes, ...mergedRest } = merged;
    expectSame(comparable(mergedRest as typeof merged), comparable(whole));
  });

  it('refuses states whose settings differ, naming the setting (exit 2)', async () => {
    const shard = await write('small.ndjson', [...HEADER, ...points(300, 20_000, 3)]);
    const [a] = await statesOf([shard], { config: evaluateConfig, gates });
    const [b] = await statesOf([shard], { config: { ...evaluateConfig, bucketWidth: '5s' }, gates });
    const [c] = await statesOf([shard], { config: { ...evaluateConfig, groupBy: ['name'] }, gates });
    const [d] = await statesOf([shard], { config: evaluateConfig, gates, events });
    const attempt = (states: NamedState[]) => () => mergeStates(states, { config: evaluateConfig, gates });
    expect(attempt([a!, { ...b!, name: 'b.json' }])).toThrow(UsageError);
    expect(attempt([a!, { ...b!, name: 'b.json' }])).toThrow(/state b\.json: setting bucketWidthMs is 5000, the config has 10000/);
    expect(attempt([a!, { ...c!, name: 'c.json' }])).toThrow(/state c\.json: setting groupBy is/);
    expect(attempt([a!, { ...d!, name: 'd.json' }])).toThrow(/setting phaseLabels is true/);
    const otherVersion = join(dir, 'v99.json');
    await writeFile(otherVersion, JSON.stringify({ ...a!.state, version: 99 }));
    await expect(readState(otherVersion)).rejects.toThrow(/setting version is 99, this chaosgate merges version 3/);
    await writeFile(otherVersion, '{"format":"chaosgate-evaluation-state","version":3}');
    await expect(readState(otherVersion)).rejects.toThrow(/v99\.json: (tool|settings): /);
  });

  it('past the series cap (20), the merge keeps the series and gives every gate the figure one evaluation gives (it kept 33 series, and 6 gates that failed as overflowed passed)', async () => {
    /** Requests to 30 distinct URLs, each shard starting at another one. */
    const urls = (n: number, offset: number, seed: number) =>
      points(n, 60_000, seed).map((l, i) => l.replace(/"name":"[^"]+"/, `"name":"GET /item/${(offset + Math.floor(i / 3)) % 30}"`));
    const shards = [
      await write('cap0.ndjson', [...HEADER, ...urls(900, 0, 1)]),
      await write('cap1.ndjson', [...HEADER, ...urls(900, 13, 2)]),
      await write('cap2.ndjson', [...HEADER, ...urls(600, 21, 3)]),
    ];
    const capGates: GateConfigInput[] = [
      ...gates,
      { metric: 'http_req_duration{name:GET /item/1}', expression: 'max<2000' },
      { metric: 'http_req_duration{name:GET /item/29}', expression: 'max<2000' },
      { metric: 'http_req_failed{name:GET /item/17}', expression: 'rate<0.5' },
      { metric: 'chaosgate_error_rate{name:GET /item/25}', expression: 'rate<0.5' },
    ];
    const cfg = { ...evaluateConfig, seriesCap: 20 };
    const whole = await evaluate(shards, { config: { evaluate: cfg, gates: capGates }, phaseEvents: events });
    const merged = finishMerge(mergeStates(await statesOf(shards, { config: cfg, gates: capGates, events }), { config: cfg, gates: capGates }), shards);
    expect(whole.totals.overflowPoints).toBeGreaterThan(1000);
    expect(whole.gates.filter((g) => g.verdict === 'pass').length).toBeGreaterThan(5);
    expect(whole.gates.every((g) => !/not trustworthy/.test(g.message))).toBe(true);
    // Every gate: the same verdict, figure, worst window and message.
    const judged = (r: ReportModel) => (comparable(r) as { gates: unknown[] }).gates;
    expectSame(judged(merged), judged(whole));
    // The same series are kept, under the same cap. A tag set one shard had already folded into its
    // overflow (it met 20 others first) cannot be told apart there: its samples stay in the overflow
    // series, which keeps the phase and the gate filters' tags, so only per-series counts differ.
    expect(merged.series.map((x) => x.id)).toEqual(whole.series.map((x) => x.id));
    expect(merged.totals.points).toBe(whole.totals.points);
    const byPhaseAndFilter = (r: ReportModel) => r.series.filter((x) => x.overflow && Object.keys(x.tags).length > 1).map((x) => x.id);
    expect(byPhaseAndFilter(merged).length).toBeGreaterThan(0);
  });

  it('a filtered gate the shards were not evaluated with cannot count their samples past the cap: fail-level, saying why', async () => {
    const shard = await write('capless.ndjson', [...HEADER, ...points(600, 60_000, 5).map((l, i) => l.replace(/"name":"[^"]+"/, `"name":"GET /u/${i % 40}"`))]);
    const cfg = { ...evaluateConfig, seriesCap: 10 };
    const states = await statesOf([shard], { config: cfg, gates: [] });
    const late: GateConfigInput[] = [
      { id: 'late', metric: 'http_req_duration{name:GET /u/39}', expression: 'max<100000', severity: 'warn' },
      { id: 'unfiltered', metric: 'http_req_duration', expression: 'max<100000' },
    ];
    const merged = finishMerge(mergeStates(states, { config: cfg, gates: late }), [shard]);
    expect(merged.gates.slice(0, 2).map((g) => [g.id, g.verdict])).toEqual([
      ['late', 'fail'],
      ['unfiltered', 'pass'],
    ]);
    expect(merged.gates[0]!.message).toMatch(/overflowed the cap of series before this gate was known/);
  });
});
