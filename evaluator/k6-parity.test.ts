// k6's own figures (issue 18): its TrendSink's percentile (linear interpolation at rank p·(n−1)),
// mean, min and max, its CounterSink's rate over the test's duration, re-expressed from k6
// v1.8.1's metrics/sink_test.go tables, plus the cases the issue found off; exact within the
// exact-value budget, within 0.1 % past it (values below 0.1 ms too), and the same through a
// mergeable state as in one evaluation.
import { describe, expect, it } from 'vitest';
import { liveHistograms } from '../model/histogram.js';
import { aggregates, trendMean, trendPercentile } from './aggregates.js';
import { createEvaluation, type Evaluation } from './evaluation.js';
import { EXACT_PER_SERIES, EXACT_TOTAL, SeriesStore, type Bag } from './series.js';
import { exportState, mergeStates } from './state.js';

const T0 = Date.UTC(2026, 0, 1, 12);

/** k6's definition, written out for the expectations: sorted, rank p·(n−1), interpolated. */
function k6P(values: number[], pct: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 1) return s[0]!;
  const i = pct * (s.length - 1);
  const j = s[Math.floor(i)]!;
  const k = s[Math.ceil(i)]!;
  return j + (k - j) * (i - Math.floor(i));
}

function withSeries<T>(values: number[], use: (bag: Bag) => T): T {
  const store = new SeriesStore({ bucketWidthMs: 1000, maxBuckets: 100, seriesCap: 10, wantsHistogram: () => true, wantsBucketHistogram: () => false });
  try {
    const s = store.get('t', {});
    values.forEach((v, i) => s.record(T0 + i, v, false));
    const bag = s.summary();
    bag.hist = null; // lent, not the bag's own
    const out = use(Object.assign(bag, { hist: s.hist }));
    return out;
  } finally {
    store.destroy();
  }
}

const P = (bag: Bag, p: number) => trendPercentile(bag, p);

describe("k6's TrendSink tables (metrics/sink_test.go), exact", () => {
  const unsorted10 = [0, 100, 30, 80, 70, 60, 50, 40, 90, 20];

  it('one value: every percentile is it; min, max, avg too', () => {
    withSeries([10], (b) => {
      for (let i = 1; i <= 100; i++) expect(P(b, i)).toBe(10);
      expect([b.min, b.max, trendMean(b)]).toEqual([10, 10, 10]);
    });
    withSeries([7], (b) => expect([b.count, b.min, b.max, trendMean(b), b.sum]).toEqual([1, 7, 7, 7, 7]));
  });

  it('two values: interpolated', () => {
    withSeries([5, 10], (b) => {
      expect(P(b, 0)).toBe(5);
      expect(P(b, 50)).toBe(7.5);
      expect(P(b, 95)).toBe(5 + (10 - 5) * 0.95);
      expect(P(b, 99)).toBe(5 + (10 - 5) * 0.99);
      expect(P(b, 100)).toBe(10);
    });
  });

  it('more than two: the format table (min 0, max 100, avg 54, med 55, p(90) 91, p(95) 95.5, p(99) 99.1)', () => {
    withSeries(unsorted10, (b) => {
      expect(b.min).toBe(0);
      expect(b.max).toBe(100);
      expect(trendMean(b)).toBe(54);
      expect(b.sum).toBe(540);
      expect(P(b, 0)).toBe(0);
      expect(P(b, 50)).toBe(55);
      expect(P(b, 90)).toBeCloseTo(91, 12);
      expect(P(b, 95)).toBeCloseTo(95.5, 12);
      expect(P(b, 99)).toBeCloseTo(99.1, 12);
      expect(P(b, 100)).toBe(100);
      for (const p of [90, 95, 99, 99.9]) expect(P(b, p)).toBe(k6P(unsorted10, p / 100));
    });
  });

  it('negative and mixed values (kept exactly; HDR cannot hold them)', () => {
    withSeries([-10, -20], (b) => {
      expect([b.min, b.max, trendMean(b), b.sum]).toEqual([-20, -10, -15, -30]);
      expect(P(b, 50)).toBe(-15);
    });
    withSeries([1.4, 0, -1.2], (b) => {
      expect([b.min, b.max]).toEqual([-1.2, 1.4]);
      expect(Math.round(trendMean(b) * 1000) / 1000).toBe(0.067);
      expect(Math.floor(b.sum * 1000) / 1000).toBe(0.199);
      expect(P(b, 50)).toBe(0);
    });
  });

  it('integers 1..100: med 50.5, p(95) 95.05 (the issue: 50.015 and 95.039 before)', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    withSeries(values, (b) => {
      expect(P(b, 50)).toBe(50.5);
      expect(P(b, 95)).toBe(k6P(values, 95 / 100));
      expect(P(b, 95)).toBeCloseTo(95.05, 12);
      expect(trendMean(b)).toBe(50.5);
    });
  });

  it('p(99.9) on 901 samples is interpolated between the two top ranks', () => {
    // Skewed: most small, a long tail; rank 0.999·900 = 899.1, between the two largest.
    const values = Array.from({ length: 901 }, (_, i) => (i < 890 ? 5 + (i % 17) * 0.37 : 100 + (i - 890) * 7.3));
    withSeries(values, (b) => {
      // k6 divides the written 99.9 by 100 (0.9990000000000001), as here.
      const want = k6P(values, 99.9 / 100);
      expect(P(b, 99.9)).toBe(want);
      const sorted = [...values].sort((x, y) => x - y);
      const i = (99.9 / 100) * 900;
      expect(want).toBe(sorted[899]! + (sorted[900]! - sorted[899]!) * (i - 899));
    });
  });

  it('the mean sums in arrival order, as k6 does (not in bucket order)', () => {
    // 0.1 + 0.2 + 0.3 differs from 0.3 + 0.2 + 0.1 in the last bit: the arrival order is k6's.
    const values = [0.1, 0.2, 0.3, 1e-17, 0.7, 1e16, -1e16, 0.9];
    let k6Sum = 0;
    for (const v of values) k6Sum += v;
    withSeries(values, (b) => expect(trendMean(b)).toBe(k6Sum / values.length));
  });
});

/** A Trend's samples through an evaluation (several series: name a/b), then its gates. */
function trendEvaluation(values: number[], gates: Array<{ id: string; expression: string; metric?: string }>, split = true): Evaluation {
  const ev = createEvaluation(
    {},
    gates.map((g) => ({ metric: 't', ...g })),
  );
  ev.declare('t', 'trend', false, [], 0);
  values.forEach((v, i) => ev.ingestSample({ metric: 't', time: T0 + i, value: v, tags: split ? { name: i % 3 ? 'a' : 'b' } : {} }));
  return ev;
}

describe('the exact-value budget', () => {
  it('series past the total pool drop their values; a dropped series gives its room to others', () => {
    const store = new SeriesStore({ bucketWidthMs: 1000, maxBuckets: 100, seriesCap: 10, wantsHistogram: () => true, wantsBucketHistogram: () => false });
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((n) => store.get('t', { n }));
    for (let i = 0; i < 80_000; i++) {
      a!.record(T0 + i, i, false);
      b!.record(T0 + i, i, false);
    }
    for (let i = 0; i < 50_000; i++) c!.record(T0 + i, i + 0.5, false);
    expect(EXACT_TOTAL).toBe(200_000);
    expect(c!.exact).toBeNull(); // the pool was spent on its way
    expect([a!.exact!.length, b!.exact!.length]).toEqual([80_000, 80_000]);
    expect(Array.from(a!.exact!.values().subarray(79_998))).toEqual([79_998, 79_999]);
    for (let i = 80_000; i <= EXACT_PER_SERIES; i++) a!.record(T0 + i, i, false);
    expect(a!.exact).toBeNull(); // past its own limit: its chunks go back
    for (let i = 0; i < 1000; i++) d!.record(T0 + i, 1000 - i, false);
    expect(d!.exact!.length).toBe(1000);
    expect(d!.exact!.values()[999]).toBe(1);
    expect(Array.from(b!.exact!.seqs().subarray(0, 2))).toEqual([1, 3]); // arrival numbers across series
    store.destroy();
  });
});

describe('past the exact-value budget: k6 definition on the histogram', () => {
  it('within 0.1 % of the exact value, values below 0.1 ms too; say "within HDR precision" at the edge', () => {
    const n = EXACT_PER_SERIES + 5_000;
    // 0.0001–0.01: a non-time Trend of tiny values (the issue saw p95 5.2 % off with integer thousandths).
    let x = 7;
    const values = Array.from({ length: n }, () => {
      x = (x * 48271) % 2147483647;
      return 0.0001 + (x / 2147483647) * 0.0099;
    });
    const want = Object.fromEntries([50, 90, 95, 99, 99.9].map((p) => [p, k6P(values, p / 100)]));
    withSeries(values, (b) => {
      expect(b.exact).toBeNull(); // past the budget
      for (const [p, w] of Object.entries(want)) expect(Math.abs(P(b, Number(p))! - w) / w).toBeLessThan(0.001);
      expect(trendMean(b)).toBeCloseTo(values.reduce((s, v) => s + v, 0) / n, 12);
    });
    const ev = trendEvaluation(
      values,
      [
        { id: 'edge', expression: `p(95)<${want[95]!}` },
        { id: 'clear', expression: `p(95)<${want[95]! * 1.01}` },
      ],
      false,
    );
    const [edge, clear] = ev.finish().gates;
    expect(edge!.message).toMatch(/within HDR precision/);
    expect(clear!.message).not.toMatch(/HDR precision/);
    expect(clear!.verdict).toBe('pass');
    expect(liveHistograms()).toBe(0);
  });

  it('a sub-millisecond time Trend (http_req_blocked-like, 0.004327 ms) keeps its digits', () => {
    const values = Array.from({ length: EXACT_PER_SERIES + 10 }, (_, i) => 0.004327 + (i % 5) * 1e-6);
    withSeries(values, (b) => {
      expect(b.exact).toBeNull();
      expect(Math.abs(P(b, 50)! - k6P(values, 50 / 100)) / k6P(values, 50 / 100)).toBeLessThan(0.001);
    });
  });
});

describe('gates judge k6 figures; the state keeps them exactly', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);

  it('med==50.5 and p(95)==95.05-as-k6-computes hold, across two series of the metric', () => {
    const p95 = k6P(values, 95 / 100);
    const ev = trendEvaluation(values, [
      { id: 'med', expression: 'med==50.5' },
      { id: 'p95', expression: `p(95)==${p95}` },
      { id: 'p95 below', expression: `p(95)<${p95}` },
      { id: 'avg', expression: 'avg==50.5' },
      {
        id: 'a only',
        metric: 't{name:a}',
        expression: `med==${k6P(
          values.filter((_, i) => i % 3 !== 0),
          50 / 100,
        )}`,
      },
    ]);
    const gates = ev.finish().gates;
    expect(gates.map((g) => [g.id, g.verdict])).toEqual([
      ['med', 'pass'],
      ['p95', 'pass'],
      ['p95 below', 'fail'],
      ['avg', 'pass'],
      ['a only', 'pass'],
    ]);
    expect(gates[2]!.message).not.toMatch(/HDR/); // exact: no band
  });

  it('two shards merged through their states give the values of one evaluation (order of arrival kept)', () => {
    const odd = [0.1, 0.7, 1e16, 0.2, -1e16, 0.3, 0.9, 1e-17, 3.3, 5.5];
    const gates = [
      { id: 'avg', metric: 't', expression: 'avg>0' },
      { id: 'p99.9', metric: 't', expression: 'p(99.9)>0' },
      { id: 'med', metric: 't{name:a}', expression: 'med>0' },
    ];
    const one = trendEvaluation([...values, ...odd], gates).finish();
    const shardA = trendEvaluation(values, gates);
    const shardB = createEvaluation({}, gates);
    shardB.declare('t', 'trend', false, [], 0);
    odd.forEach((v, i) => shardB.ingestSample({ metric: 't', time: T0 + 100 + i, value: v, tags: { name: (100 + i) % 3 ? 'a' : 'b' } }));
    const states = [exportState(shardA), exportState(shardB)].map((state, i) => ({ name: `s${i}`, state: JSON.parse(JSON.stringify(state)) as typeof state }));
    shardA.dispose();
    shardB.dispose();
    const merged = mergeStates(states, { gates }).evaluation.finish();
    expect(merged.gates.map((g) => g.observed)).toEqual(one.gates.map((g) => g.observed));
    let k6Sum = 0;
    for (const v of [...values, ...odd]) k6Sum += v;
    expect(one.gates[0]!.observed).toBe(k6Sum / 110);
    expect(one.gates[1]!.observed).toBe(k6P([...values, ...odd], 99.9 / 100));
    expect(liveHistograms()).toBe(0);
  });
});

describe("k6's GaugeSink and RateSink tables (metrics/sink_test.go)", () => {
  it('gauge 1, 2, 3, 4, 10, 5: value 5 (the last); rate 1, 0, 1, 0, 0, 1: 0.5', () => {
    const ev = createEvaluation({}, [
      { id: 'value', metric: 'g', expression: 'value==5' },
      { id: 'rate', metric: 'r', expression: 'rate==0.5' },
    ]);
    ev.declare('g', 'gauge', false, [], 0);
    ev.declare('r', 'rate', false, [], 0);
    [1, 2, 3, 4, 10, 5].forEach((v, i) => ev.ingestSample({ metric: 'g', time: T0 + i, value: v }));
    [1, 0, 1, 0, 0, 1].forEach((v, i) => ev.ingestSample({ metric: 'r', time: T0 + i, value: v }));
    const r = ev.finish();
    expect(r.gates.map((g) => [g.observed, g.verdict])).toEqual([
      [5, 'pass'],
      [0.5, 'pass'],
    ]);
    expect(r.series.find((s) => s.metric === 'g')!.gauge).toMatchObject({ last: 5, min: 1, max: 10 });
  });
});

describe("k6's CounterSink: rate over the test's duration", () => {
  it('samples 1..9, 100 (145) over 1 s is 145/s (the table, ×4 over 4 s); one sample gives a rate, not "no samples"', () => {
    const gates = [
      { id: 'rate', metric: 'c', expression: 'rate==145' },
      { id: 'one', metric: 'once', expression: 'rate==0.25' },
    ];
    const ev = createEvaluation({}, gates, { testRunDurationMs: 4000 });
    ev.declare('c', 'counter', false, [], 0);
    ev.declare('once', 'counter', false, [], 0);
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 100].forEach((v, i) => ev.ingestSample({ metric: 'c', time: T0 + i * 10, value: v * 4 }));
    ev.ingestSample({ metric: 'once', time: T0 + 5, value: 1 });
    const r = ev.finish();
    expect(r.gates.map((g) => [g.observed, g.verdict])).toEqual([
      [145, 'pass'],
      [0.25, 'pass'],
    ]);
    expect(r.series.find((s) => s.metric === 'once')!.counter!.ratePerSecond).toBe(0.25);
  });

  it("without k6's duration, over the whole input's span, not the series' own (a burst early in a long run)", () => {
    const ev = createEvaluation({}, [{ id: 'burst', metric: 'burst', expression: 'rate>0' }]);
    ev.declare('burst', 'counter', false, [], 0);
    for (let s = 0; s <= 20; s++) ev.ingestSample({ metric: 'vus', time: T0 + s * 1000, value: 1 });
    for (let i = 0; i < 30; i++) ev.ingestSample({ metric: 'burst', time: T0 + i * 100, value: 1 });
    expect(ev.finish().gates[0]!.observed).toBe(30 / 20);
  });

  it('aggregates: rate of a counter is null without a duration', () => {
    withSeries([1], (b) => expect(aggregates.rate.compute(b, { kind: { kind: 'counter', isTime: false }, durationMs: 0, argument: undefined })).toBeNull());
  });
});

describe("aggregation vs metric type, as k6's metric_type.go (refused: exit 2 naming the gate)", () => {
  const refusedAtStart: Array<[metric: string, expression: string]> = [
    ['http_reqs', 'value>0'], // k6's own testdata: unsupported_aggregation_method.js
    ['http_req_duration', 'count>0'],
    ['http_req_duration', 'rate>0'],
    ['http_req_duration', 'value>0'],
    ['http_req_failed', 'value>0'],
    ['http_req_failed', 'med>0'],
    ['iterations', 'avg>0'],
    ['vus', 'p(95)>0'],
  ];
  for (const [metric, expression] of refusedAtStart) {
    it(`${metric}: ${expression} is refused before any sample`, () => {
      let err: unknown;
      try {
        createEvaluation({}, [{ id: 'g1', metric, expression }]);
      } catch (e) {
        err = e;
      }
      expect((err as { exitCode?: number }).exitCode).toBe(2);
      expect((err as Error).message).toMatch(new RegExp(`^gate g1: .* is not an aggregation of ${metric}, a (counter|trend|rate|gauge) \\(k6 refuses it`));
    });
  }

  it('allows what k6 allows, on built-ins and sub-metrics; chaosgate’s own probe gauges take any aggregate', () => {
    const ok = [
      ['http_reqs', 'count>0'],
      ['http_reqs', 'rate>0'],
      ['http_req_failed', 'rate<0.1'],
      ['vus', 'value>0'],
      ['vus', 'max<100'], // beyond k6: a gauge's extremes
      ['gpu_memory_used_percent', 'max<85'],
      ['http_req_duration{name:x}', 'p(99.9)<1'],
      ['http_req_duration', 'avg<1'],
      ['queue_depth', 'max<=1000'],
      ['chaosgate_error_rate', 'rate<0.05'],
    ];
    const ev = createEvaluation(
      {},
      ok.map(([metric, expression]) => ({ metric: metric!, expression: expression! })),
    );
    ev.declare('gpu_memory_used_percent', 'gauge', false, [], 0); // a k6 script's Gauge, read by its Metric line
    expect(ev.refusals()).toEqual([]);
    ev.dispose();
  });

  it("a custom metric's kind from its Metric line: refused when declared; --declared-thresholds reads k6's object form", () => {
    const ev = createEvaluation({ declaredThresholds: true }, [{ id: 'avg on counter', metric: 'errors', expression: 'avg<1' }]);
    ev.ingestLine(
      JSON.stringify({
        type: 'Metric',
        data: { name: 'errors', type: 'counter', contains: 'default', thresholds: [{ threshold: 'count<10', abortOnFail: true, delayAbortEval: '' }, 'rate<5'] },
        metric: 'errors',
      }),
      'k6.json',
      1,
    );
    ev.ingestLine(JSON.stringify({ metric: 'errors', type: 'Point', data: { time: new Date(T0).toISOString(), value: 3, tags: {} } }), 'k6.json', 2);
    expect(ev.refusals()).toEqual([{ id: 'avg on counter', reason: 'avg is not an aggregation of errors, a counter (k6 refuses it; a counter has count, rate)' }]);
    const r = ev.finish();
    expect(r.gates.map((g) => [g.id, g.verdict])).toEqual([
      ['avg on counter', 'fail'],
      ['k6 errors: count<10', 'pass'],
      ['k6 errors: rate<5', 'fail'], // one sample, no duration: k6's rate needs the run's length
    ]);
    expect(r.gates[0]!.message).toMatch(/refused, as k6 refuses it/);
  });

  it('CSV declares no kinds: count/rate on an untyped metric with samples is refused, a typed one counts the sum', () => {
    const csv = ['metric_name,timestamp,metric_value,name,extra_tags,metadata', `orders,${T0 / 1000},5,a,,`, `orders,${T0 / 1000 + 1},7,a,,`];
    const untyped = createEvaluation({}, [{ id: 'orders', metric: 'orders', expression: 'count<3' }]);
    csv.forEach((l, i) => untyped.ingestLine(l, 'k6.csv', i + 1));
    expect(untyped.refusals()[0]!.reason).toMatch(/kind is unknown .*k6's CSV declares none.*evaluate\.metricTypes\.orders/);
    untyped.dispose();
    const typed = createEvaluation({ metricTypes: { orders: { kind: 'counter' } } }, [{ id: 'orders', metric: 'orders', expression: 'count==12' }]);
    csv.forEach((l, i) => typed.ingestLine(l, 'k6.csv', i + 1));
    expect(typed.refusals()).toEqual([]);
    expect(typed.finish().gates[0]!.verdict).toBe('pass');
  });
});

describe('values k6 accepts (item 8)', () => {
  it('a negative Gauge and Trend and a Counter sample of 2e12 are samples', () => {
    const ev = createEvaluation({}, [
      { id: 'gauge', metric: 'temp', expression: 'value==-4.5' },
      { id: 'trend', metric: 'skew', expression: 'min==-3' },
      { id: 'trend p', metric: 'skew', expression: 'p(50)==-1' },
      { id: 'counter', metric: 'bytes', expression: 'count==2000000000001' },
    ]);
    ev.declare('temp', 'gauge', false, [], 0);
    ev.declare('skew', 'trend', false, [], 0);
    ev.declare('bytes', 'counter', false, [], 0);
    ev.ingestSample({ metric: 'temp', time: T0, value: 3 });
    ev.ingestSample({ metric: 'temp', time: T0 + 1, value: -4.5 });
    for (const [i, v] of [-3, -1, 2].entries()) ev.ingestSample({ metric: 'skew', time: T0 + i, value: v });
    ev.ingestSample({ metric: 'bytes', time: T0, value: 2e12 });
    ev.ingestSample({ metric: 'bytes', time: T0 + 1, value: 1 });
    const r = ev.finish();
    expect(r.totals.malformed).toBe(0);
    expect(r.gates.map((g) => [g.id, g.verdict])).toEqual([
      ['gauge', 'pass'],
      ['trend', 'pass'],
      ['trend p', 'pass'],
      ['counter', 'pass'],
    ]);
  });
});
