// `chaosgate run --shards 3` against the reference target with a chaos plan: three real k6
// processes with k6-operator's runner arguments, streamed live into the one evaluation; the run's
// report equals `evaluate` over the three shards' NDJSON together (with the run's chaos events),
// and the phases and recovery come from the one timeline.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../evaluator/evaluate.js';
import type { ReportModel } from '../../model/report.js';
import type { PhaseEvent } from '../../evaluator/phases.js';
import { finishReport } from '../../run/finish.js';
import { runProfile, type RunResult } from '../../run/orchestrate.js';
import { expectSameReport } from '../support/report-compare.js';
import { collectingPrinter, configFile } from './run-support.js';

let dir: string;
let result: RunResult;
let configEvaluate: Record<string, unknown>;
let gates: Array<Record<string, unknown>>;

const RATE = 30; // iterations per second over all shards
const SCRIPT = `
import http from 'k6/http';
export const options = {
  scenarios: { main: { executor: 'constant-arrival-rate', rate: ${RATE}, timeUnit: '1s', duration: '9s', preAllocatedVUs: 6, maxVUs: 30 } },
};
export default function () {
  http.get(__ENV.CHAOSGATE_BASE_URL + '/health', { tags: { name: 'health' } });
}
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-shards-run-'));
  await writeFile(join(dir, 'load.js'), SCRIPT);
  configEvaluate = { bucketWidth: '1s' };
  gates = [
    { id: 'p95', metric: 'http_req_duration', expression: 'p(95)<2000' },
    { id: 'p95-fault', metric: 'http_req_duration', expression: 'p(95)<2000', phase: 'fault:slow-health' },
    { id: 'p99-per-2s', metric: 'http_req_duration{name:health}', expression: 'p(99)<3000', window: '2s' },
    { id: 'errors', metric: 'http_req_failed', expression: 'rate<0.05' },
  ];
  const { config } = await configFile(dir, {
    chaos: { journal: join(dir, 'journal.json') },
    evaluate: configEvaluate,
    gates,
    profiles: {
      sharded: {
        script: join(dir, 'load.js'),
        stack: 'reference',
        plan: [{ id: 'slow-health', kind: 'http-latency', target: 'stack', at: '3s', duration: '3s', match: { path: '/health' }, params: { fixedMs: 150 } }],
      },
    },
  });
  result = await runProfile({ config, profile: 'sharded', shards: 3, outDir: join(dir, 'run'), progress: collectingPrinter() });
}, 120_000);

afterAll(async () => {
  if (dir && !process.env.CHAOSGATE_KEEP_TEST_DIRS) await rm(dir, { recursive: true, force: true });
});

/**
 * The k6 metrics' part of a report. The run adds the reference stack's probe gauges, which also
 * widen the run's first-to-last time (a counter's rate per second, the outer phase ends): left out.
 */
function k6Part(r: ReportModel, metrics: Set<string>): unknown {
  return {
    series: r.series.filter((s) => metrics.has(s.metric)).map((s) => (s.counter ? { ...s, counter: { ...s.counter, ratePerSecond: 0 } } : s)),
    // A sentence's worst window is an offset from the report's first sample (a probe's, in the run):
    // its figures are compared as fields (observed, limit, worstWindowStart), the words here.
    gates: r.gates.map(({ durationMs: _d, ...g }) => ({ ...g, message: g.message.replace(/, worst window [^)]*/, '') })),
    // The outer ends of the phases are the first and last sample (a probe's, in the run).
    phases: r.phases.map((p, i) => ({ ...p, start: i === 0 ? null : p.start, end: i === r.phases.length - 1 ? null : p.end })),
    perMetric: Object.fromEntries(Object.entries(r.totals.perMetric).filter(([m]) => metrics.has(m))),
    config: r.config,
  };
}

describe('chaosgate run --shards 3', () => {
  it('runs three k6 processes with k6-operator runner arguments and judges their whole load', async () => {
    expect(result.exitCode, JSON.stringify(result.report.gates.map((g) => g.message))).toBe(0);
    expect(result.report.partial).toBe(false);
    const shards = result.report.inputs.filter((i) => i.source.startsWith('k6-'));
    expect(shards.map((i) => i.source).sort()).toEqual(['k6-1', 'k6-2', 'k6-3']); // in order of their first line
    const files = ['k6-1', 'k6-2', 'k6-3'].map((s) => join(result.outDir, `${s}.ndjson.gz`));
    const requests: number[] = [];
    for (const [i, f] of files.entries()) {
      const points = gunzipSync(await readFile(f))
        .toString('utf8')
        .split('\n')
        .filter((l) => l.includes('"metric":"http_reqs"') && l.includes('"type":"Point"'));
      // k6 tagged every sample of runner i with instance_id=i, as k6-operator's runners are.
      expect(points.every((l) => l.includes(`"instance_id":"${i + 1}"`))).toBe(true);
      requests.push(points.length);
    }
    // Execution segments split the arrival rate: ~1/3 each, ~RATE x 9 s in all.
    const total = requests.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(RATE * 9 * 0.8);
    expect(total).toBeLessThanOrEqual(RATE * 9 + 3);
    for (const n of requests) expect(n / total).toBeGreaterThan(0.25);
    expect(result.report.series.filter((s) => s.metric === 'http_reqs').reduce((n, s) => n + s.count, 0)).toBe(total);
  });

  it("equals evaluate over the three shards' NDJSON with the run's chaos events, field by field", async () => {
    const files = ['k6-1', 'k6-2', 'k6-3'].map((s) => join(result.outDir, `${s}.ndjson.gz`));
    const events = (await readFile(join(result.outDir, 'chaos-events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { epochMs: number; faultId: string; action: 'on' | 'off' });
    expect(events.map((e) => `${e.faultId}:${e.action}`)).toEqual(['slow-health:on', 'slow-health:off']);
    const phaseEvents: PhaseEvent[] = events.map((e) => ({ time: e.epochMs, faultId: e.faultId, action: e.action }));
    // Finished as `evaluate` finishes it (run/finish.ts): the gates' sentences, as the run's.
    const { report: together } = await finishReport(await evaluate(files, { config: { evaluate: configEvaluate, gates: gates as never }, phaseEvents }));
    const k6Metrics = new Set(Object.keys(together.totals.perMetric));
    expect(k6Metrics.has('http_req_duration')).toBe(true);
    expectSameReport(k6Part(result.report, k6Metrics), k6Part(together, k6Metrics));
    // Phases and recovery of the one timeline.
    expect(result.report.phases.map((p) => p.name)).toEqual(['baseline', 'fault:slow-health', 'recovery']);
    const faultSeries = result.report.series.find((s) => s.metric === 'http_req_duration' && s.tags.phase === 'fault:slow-health')!;
    expect(faultSeries.trend!.p50).toBeGreaterThanOrEqual(150);
    const analysis = result.report.analysis as { recovery: Array<{ faultId: string }> };
    expect(analysis.recovery.map((r) => r.faultId)).toEqual(['slow-health']);
  });
});
