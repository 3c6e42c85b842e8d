// One p95 for one set of samples: the phase, service and endpoint tables and the run comparison show
// the figure a gate observes over the same samples, to the bit, on real k6 output. The fixture is
// real k6 v1.8.1 NDJSON (its http_reqs, http_req_duration and http_req_failed lines, in k6's order),
// recorded against a loopback server answering after 0–6 ms (404 for /orders/missing):
//   TZ=UTC k6 run --quiet --vus 2 --duration 2s -e BASE=http://127.0.0.1:PORT --out json=out.ndjson s.js
//   with s.js: export default function () {
//     http.get(`${BASE}/orders/list`, { tags: { service: 'orders', name: 'orders-list' } });
//     http.get(`${BASE}/users/me`, { tags: { service: 'users', name: 'users-me' } });
//     if (Math.random() < 0.1) http.get(`${BASE}/orders/missing`, { tags: { service: 'orders', name: 'orders-missing' } }); }
//   grep -E '"metric":"(http_req_duration|http_req_failed|http_reqs)"' out.ndjson | gzip -9
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createEvaluation } from '../evaluator/evaluation.js';
import type { GateConfigInput } from '../evaluator/config.js';
import { liveHistograms } from '../model/histogram.js';
import { bucketHistogram, inLatencyGroup, seriesHistogram } from '../model/latency-groups.js';
import { mergedPercentiles } from '../model/percentile.js';
import type { ReportModel } from '../model/report.js';
import { compareRuns } from './compare.js';
import { analyse, isLatencySeries } from './compute.js';
import { endpointRows } from './endpoints.js';
import { serviceSummaries } from './services.js';

const lines = gunzipSync(readFileSync(join(import.meta.dirname, 'fixtures', 'k6-1.8.1-two-services.ndjson.gz')))
  .toString('utf8')
  .split('\n')
  .filter((l) => l !== '');
const times = lines.filter((l) => l.includes('"Point"')).map((l) => Date.parse((JSON.parse(l) as { data: { time: string } }).data.time));
const first = Math.min(...times);
const span = Math.max(...times) - first;
/** A fault over the middle third of the recording: baseline, fault:slow and recovery phases. */
const FAULT = { on: first + Math.round(span / 3), off: first + Math.round((2 * span) / 3) };

const PHASES = ['baseline', 'fault:slow', 'recovery'];
const SERVICES = ['orders', 'users'];
const NAMES = ['orders-list', 'users-me'];
const METRIC = 'http_req_duration{expected_response:true}';

/** p(50), p(95) and p(99) gates on the expected responses with `tags` (and in `phase`). */
function gatesFor(id: string, tags: Record<string, string>, phase?: string): GateConfigInput[] {
  const filter = Object.entries({ expected_response: 'true', ...tags })
    .map(([k, v]) => `${k}:${v}`)
    .join(',');
  return [50, 95, 99].map((p) => ({ id: `${id} p${p}`, metric: `http_req_duration{${filter}}`, expression: `p(${p})<100000`, ...(phase ? { phase } : {}) }));
}

function evaluateFixture(): ReportModel {
  const gates = [
    ...gatesFor('run', {}),
    ...PHASES.flatMap((ph) => gatesFor(ph, {}, ph)),
    ...SERVICES.flatMap((s) => [...gatesFor(s, { service: s }), ...PHASES.flatMap((ph) => gatesFor(`${s} ${ph}`, { service: s }, ph))]),
    ...NAMES.flatMap((n) => [...gatesFor(n, { name: n }), ...PHASES.flatMap((ph) => gatesFor(`${n} ${ph}`, { name: n }, ph))]),
    { id: 'worst 1 s p95', metric: METRIC, expression: 'p(95)<100000', window: '1s' },
  ];
  const ev = createEvaluation({ bucketWidth: '1s' }, gates, { phaseLabels: true });
  ev.addPhaseEvent({ time: FAULT.on, faultId: 'slow', action: 'on' });
  ev.addPhaseEvent({ time: FAULT.off, faultId: 'slow', action: 'off' });
  lines.forEach((l, i) => ev.ingestLine(l, 'fixture', i + 1));
  return ev.finish();
}

describe('tables and gates: one p95 for one set of samples (real k6 output)', () => {
  const report = evaluateFixture();
  const observed = (id: string) => {
    const g = report.gates.find((x) => x.id === id);
    expect(g, id).toBeDefined();
    expect(g!.observed, id).not.toBeNull();
    return g!.observed!;
  };
  const expectFigures = (id: string, row: { p50: number | null; p95: number | null; p99: number | null }) => {
    expect(row.p50, `${id} p50`).toBe(observed(`${id} p50`));
    expect(row.p95, `${id} p95`).toBe(observed(`${id} p95`));
    expect(row.p99, `${id} p99`).toBe(observed(`${id} p99`));
  };

  it('the fixture is what the test needs: every phase holds several latency series, all kept exactly', () => {
    expect(report.totals.malformed).toBe(0);
    for (const phase of PHASES) expect(report.series.filter((s) => isLatencySeries(s) && s.tags.phase === phase).length, phase).toBeGreaterThanOrEqual(2);
    expect(report.latency!.length).toBeGreaterThan(10);
    expect(report.latency!.every((g) => g.exact)).toBe(true);
    // 404s are expected_response=false: in the failures, not in the latency figures.
    expect(report.series.some((s) => s.metric === 'http_req_duration' && s.tags.expected_response === 'false')).toBe(true);
  });

  it('phase table rows equal the phase gates', () => {
    const a = analyse(report, { profile: 'fixture', faults: [], recovery: { p95Factor: 1.1, errorRateDelta: 0.01, windowMs: 1000, queueDepthSlack: 5 }, allowedErrorRate: null });
    expect(a.phases.map((p) => p.phase)).toEqual(PHASES);
    for (const row of a.phases) expectFigures(row.phase, row);
    const base = a.phases[0]!.p95!;
    for (const row of a.phases) expect(row.p95VsBaseline).toBe(row.p95! / base);
  });

  it('service table (whole run and per phase) equals the service gates', () => {
    const services = serviceSummaries(report, []);
    expect(services.map((s) => s.service)).toEqual(SERVICES);
    for (const s of services) {
      expectFigures(s.service, s);
      expect(s.phases.map((p) => p.phase)).toEqual(PHASES);
      for (const p of s.phases) expectFigures(`${s.service} ${p.phase}`, p);
    }
  });

  it('endpoint table and the run comparison equal the gates', () => {
    const { rows } = endpointRows(report);
    for (const name of NAMES) {
      for (const phase of PHASES) {
        const row = rows.find((r) => r.name === name && r.phase === phase);
        expect(row?.p95, `${name} ${phase}`).toBe(observed(`${name} ${phase} p95`));
      }
    }
    const c = compareRuns(report, { profile: 'fixture' } as never, { source: 'itself', report });
    expectFigures('run', c.rows.find((r) => r.scope === 'run')!.current!);
    for (const s of SERVICES) expectFigures(s, c.rows.find((r) => r.scope === 'service' && r.name === s)!.current!);
    for (const n of NAMES) expectFigures(n, c.rows.find((r) => r.scope === 'endpoint' && r.name === n)!.current!);
  });

  it('per time bucket (charts, drift, recovery windows): the bucket histograms merged read as a windowed gate reads them', () => {
    const c = compareRuns(report, { profile: 'fixture' } as never, { source: 'itself', report });
    const timeline = c.p95Timeline.current;
    expect(timeline.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...timeline.map((t) => t.p95))).toBe(observed('worst 1 s p95'));
    // A bucket's own p95 in report.json: the same reading of its one histogram.
    let buckets = 0;
    for (const s of report.series.filter(isLatencySeries)) {
      for (const b of s.buckets.items) {
        expect(b.p95, s.id).toBe(mergedPercentiles([bucketHistogram(s, b)])!.p95);
        buckets++;
      }
    }
    expect(buckets).toBeGreaterThanOrEqual(8);
  });

  it("merging the series' histograms instead would show other figures (what the tables showed before), within 0.05 %", () => {
    let differ = 0;
    for (const phase of PHASES) {
      const exact = observed(`${phase} p95`);
      const merged = mergedPercentiles(report.series.filter((s) => inLatencyGroup(s, { phase })).map(seriesHistogram))!.p95;
      expect(Math.abs(merged - exact) / exact).toBeLessThanOrEqual(2 ** -11);
      if (merged !== exact) differ++;
    }
    expect(differ).toBeGreaterThan(0);
  });

  it('an older report without latency groups: the tables fall back to the same definition on the histograms', () => {
    const { latency: _, ...older } = report;
    const services = serviceSummaries(older, []);
    for (const s of services) expect(Math.abs(s.p95! - observed(`${s.service} p95`)) / s.p95!).toBeLessThanOrEqual(2 ** -11);
    expect(liveHistograms()).toBe(0);
  });
});
