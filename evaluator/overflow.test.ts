// A cardinality bomb (every sample a new metric name, or a new tag set) must cost memory bounded
// by the series cap, keep the report's per-name lists within it, and make gates that read an
// overflowed metric fail-level.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createEvaluation, OVERFLOW_METRIC, overflowNote } from './evaluation.js';
import { histogramBackend } from '../model/histogram.js';
import { SeriesStore } from './series.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const T0 = Date.UTC(2026, 0, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();

/** k6 NDJSON: a Metric line and a Point for each of `names` distinct custom trends. */
function bomb(names: number): string {
  const lines: string[] = [];
  for (let i = 0; i < names; i++) {
    const metric = `bomb_${i}`;
    lines.push(JSON.stringify({ type: 'Metric', data: { name: metric, type: 'trend', contains: 'time', thresholds: [] }, metric }));
    lines.push(JSON.stringify({ type: 'Point', data: { time: iso(T0 + i), value: i % 100, tags: { name: 'x' } }, metric }));
  }
  return `${lines.join('\n')}\n`;
}

describe('cardinality bomb', () => {
  it('50 000 distinct metric names with a cap of 1 000: names, series and report bounded by the cap', () => {
    const cap = 1_000;
    const ev = createEvaluation({ seriesCap: cap }, [{ id: 'latency', metric: 'http_req_duration', expression: 'p(95)<500' }]);
    const text = bomb(50_000);
    ev.ingestText(text, 0, text.length, 'bomb.ndjson', 1);
    for (let i = 0; i < 100; i++) ev.ingestSample({ metric: 'http_req_duration', time: T0 + i, value: 20, tags: { name: 'GET /' } });
    const report = ev.finish();
    // Every point is counted: none silently lost.
    expect(report.totals.points).toBe(50_100);
    // The names kept one by one stay within the cap (plus k6's built-ins and the overflow entry).
    const kept = Object.keys(report.totals.perMetric);
    expect(kept.length).toBeLessThanOrEqual(cap + 1);
    expect(report.totals.perMetric[OVERFLOW_METRIC]).toBeGreaterThan(48_000);
    // Series: at most the cap plus one overflow series per kept metric, not one per name.
    expect(report.series.length).toBeLessThanOrEqual(2 * cap + 1);
    expect(report.totals.overflowPoints).toBeGreaterThan(48_000);
    expect(JSON.stringify(report).length).toBeLessThan(8 * 1024 * 1024);
    // The gate's own metric was never folded away: it still passes on its real figure.
    expect(report.gates[0]).toMatchObject({ verdict: 'pass', observed: 20 });
    expect(overflowNote(report)).toMatch(/^OVERFLOW \d+ samples fell past the cap of 1000 series/);
  });

  it('thousands of distinct unnamed URLs past the cap: every gate judges exactly what it would without the cap (it failed as "not trustworthy")', () => {
    const gates = [
      { id: 'p95', metric: 'http_req_duration', expression: 'p(95)<500' },
      { id: 'errors', metric: 'http_req_failed', expression: 'rate<0.01' },
      { id: 'budget', metric: 'chaosgate_error_rate', expression: 'rate<0.1' },
      { id: 'p99 per 10s', metric: 'http_req_duration', expression: 'p(99)<900', window: '10s' },
      { id: 'fault p95', metric: 'http_req_duration', expression: 'p(95)<100', phase: 'fault:slow' },
      { id: 'recovery vs baseline', metric: 'http_req_duration', expression: 'avg<=baseline*1.5', phase: 'recovery', baseline: 'phase:baseline' },
      { id: 'a late URL', metric: 'http_req_duration{name:http://svc/item/3999}', expression: 'max<1000' },
      { id: 'a late URL, failed', metric: 'http_req_failed{name:http://svc/item/3980}', expression: 'rate==0' },
      { id: 'an early URL', metric: 'http_req_duration{name:http://svc/item/3}', expression: 'max<1000' },
      // Any 5xx at all (every request takes ≥ 20 ms); k6 refuses `count` on a trend (k6-parity.test.ts).
      { id: '5xx', metric: 'http_req_duration{status_class:5xx}', expression: 'max<1', severity: 'warn' as const },
    ];
    const judge = (seriesCap: number) => {
      const ev = createEvaluation({ seriesCap }, gates, { phaseLabels: true });
      ev.addPhaseEvent({ time: T0 + 40_000, faultId: 'slow', action: 'on' });
      ev.addPhaseEvent({ time: T0 + 80_000, faultId: 'slow', action: 'off' });
      for (let i = 0; i < 4_000; i++) {
        // k6 names an unnamed request by its URL: every request its own tag set.
        const failed = i % 20 === 0;
        const tags = { name: `http://svc/item/${i}`, status: failed ? '503' : '200', expected_response: String(!failed) };
        const t = T0 + i * 30;
        const slow = t >= T0 + 40_000 && t < T0 + 80_000;
        ev.ingestSample({ metric: 'http_req_duration', time: t, value: (slow ? 150 : 20) + (i % 97), tags });
        ev.ingestSample({ metric: 'http_req_failed', time: t, value: failed ? 1 : 0, tags });
      }
      return ev.finish();
    };
    const capped = judge(200);
    const whole = judge(100_000);
    expect(capped.totals.overflowPoints).toBeGreaterThan(7_000);
    expect(whole.totals.overflowPoints).toBe(0);
    const figures = (r: typeof capped) => r.gates.map((g) => [g.id, g.verdict, g.observed, g.worstWindowStart]);
    expect(figures(capped)).toEqual(figures(whole));
    // Both outcomes occur: passing and failing gates, each on its real figure.
    expect(capped.gates.map((g) => g.verdict)).toEqual(['pass', 'fail', 'pass', 'pass', 'fail', 'pass', 'pass', 'fail', 'pass', 'warn']);
    expect(capped.gates.every((g) => !/not trustworthy/.test(g.message))).toBe(true);
    // The overflow keeps the phase and the filters' tags only: a handful of series, not 3 800.
    expect(capped.series.filter((s) => s.overflow).map((s) => s.id).length).toBeLessThan(20);
    expect(overflowNote(capped)).toMatch(/gates still count them/);
  });

  it('without overflow there is no note and gates keep their severity', () => {
    const ev = createEvaluation({}, [{ metric: 'http_req_duration', expression: 'p(95)<5', severity: 'warn' }]);
    for (let i = 0; i < 10; i++) ev.ingestSample({ metric: 'http_req_duration', time: T0 + i, value: 10, tags: { name: 'a' } });
    const report = ev.finish();
    expect(overflowNote(report)).toBeNull();
    expect(report.gates[0]!.verdict).toBe('warn');
  });
});

describe('memory of a cardinality bomb stays bounded by the cap', () => {
  it('the heap kept after 200 000 distinct names is that of the cap, not of the names (the reader chained every name past its table)', () => {
    const ev = createEvaluation({ seriesCap: 1_000 }, [{ id: 'latency', metric: 'http_req_duration', expression: 'p(95)<500' }]);
    gc();
    const before = process.memoryUsage().heapUsed;
    let line = 1;
    for (let chunk = 0; chunk < 20; chunk++) {
      const lines: string[] = [];
      for (let i = chunk * 10_000; i < (chunk + 1) * 10_000; i++) {
        lines.push(JSON.stringify({ type: 'Point', data: { time: iso(T0 + i), value: 1, tags: { name: 'x' } }, metric: `bomb_metric_name_${i}` }));
      }
      const text = `${lines.join('\n')}\n`;
      line += ev.ingestText(text, 0, text.length, 'bomb', line);
    }
    gc();
    const kept = process.memoryUsage().heapUsed - before;
    // Measured: 6 MB with the bound, 63 MB before it (every name's reader slot stayed reachable).
    expect(kept).toBeLessThan(20 * 1024 * 1024);
    expect(ev.finish().totals.points).toBe(200_000);
  });

  it.runIf(histogramBackend() === 'wasm')('idle series histograms are frozen: 5 000 series recorded once keep at most ~2 x 256 live', () => {
    const store = new SeriesStore({ bucketWidthMs: 1000, maxBuckets: 120, seriesCap: 10_000, wantsHistogram: () => true, wantsBucketHistogram: () => false });
    for (let i = 0; i < 5000; i++) store.get(`m${i}`, {}).record(T0 + i, 1, false);
    const hot = store.get('m0', {});
    hot.record(T0, 2, false); // a frozen histogram records again (thawed)
    const live = [...store.byKey.values()].filter((s) => !s.hist!.isFrozen).length;
    expect(live).toBeLessThanOrEqual(2 * 256 + 1);
    expect(hot.hist!.count).toBe(2);
    store.destroy();
  });
});

describe('declared thresholds past the cap', () => {
  it('a metric k6 declared with thresholds is kept by name past the cap, so its threshold is judged on its samples', () => {
    const ev = createEvaluation({ seriesCap: 30, declaredThresholds: true }, []);
    const lines: string[] = [];
    for (let i = 0; i < 100; i++) lines.push(JSON.stringify({ type: 'Point', data: { time: iso(T0 + i), value: 1, tags: null }, metric: `filler_${i}` }));
    lines.push(JSON.stringify({ type: 'Metric', data: { name: 'late_trend', type: 'trend', contains: 'time', thresholds: ['max<5'] }, metric: 'late_trend' }));
    for (let i = 0; i < 10; i++) lines.push(JSON.stringify({ type: 'Point', data: { time: iso(T0 + i), value: 3, tags: null }, metric: 'late_trend' }));
    const text = `${lines.join('\n')}\n`;
    ev.ingestText(text, 0, text.length, 'x', 1);
    const report = ev.finish();
    expect(report.totals.perMetric.late_trend).toBe(10);
    expect(report.gates.map((g) => [g.id, g.verdict, g.observed])).toEqual([['k6 late_trend: max<5', 'pass', 3]]);
  });
});
