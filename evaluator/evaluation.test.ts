import { describe, expect, it } from 'vitest';
import { createEvaluation } from './evaluation.js';
import { liveHistograms } from '../model/histogram.js';
import type { ReportModel } from '../model/report.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();
const point = (metric: string, time: number, value: number, tags: Record<string, string> | null) =>
  JSON.stringify({ metric, type: 'Point', data: { time: iso(time), value, tags } });

/** Deterministic pseudo-random numbers (so a failure reproduces). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function exactPercentile(sorted: number[], p: number): number {
  // Nearest rank, as HDR counts ranks.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

describe('evaluation', () => {
  it('percentiles within 0.1 % of the exact ones; exact counts, sums, min, max', () => {
    const r = rng(7);
    const values: number[] = [];
    const ev = createEvaluation();
    ev.ingestLine(JSON.stringify({ type: 'Metric', data: { name: 'http_req_duration', type: 'trend', contains: 'time', thresholds: [] }, metric: 'http_req_duration' }), 'gen', 1);
    for (let i = 0; i < 50_000; i++) {
      // Log-normal-ish latencies from 1 ms to a few seconds.
      const v = Math.exp(Math.log(5) + 1.2 * Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r())) + 1;
      values.push(v);
      ev.ingestLine(point('http_req_duration', T0 + i, v, { name: 'GET /', status: '200' }), 'gen', i + 2);
    }
    const report = ev.finish();
    const s = report.series.find((x) => x.metric === 'http_req_duration')!;
    const sorted = [...values].sort((a, b) => a - b);
    for (const [key, p] of [
      ['p50', 50],
      ['p90', 90],
      ['p95', 95],
      ['p99', 99],
    ] as const) {
      const exact = exactPercentile(sorted, p);
      expect(Math.abs(s.trend![key] - exact) / exact, `${key}: ${s.trend![key]} vs ${exact}`).toBeLessThanOrEqual(0.001);
    }
    expect(s.count).toBe(values.length);
    expect(s.trend!.min).toBe(sorted[0]);
    expect(s.trend!.max).toBe(sorted.at(-1));
    expect(s.trend!.sum).toBeCloseTo(
      values.reduce((a, b) => a + b, 0),
      6,
    );
    expect(s.tags).toEqual({ name: 'GET /', status: '200', status_class: '2xx' });
    expect(report.totals.points).toBe(values.length);
    expect(liveHistograms()).toBe(0);
  });

  it('counts every malformed line with file:line and reason, and decides trust by the tolerance', () => {
    const lines = [
      point('http_reqs', T0, 1, null), // tags: null is fine
      '{"metric":"http_reqs","type":"Point","data":{"time":"' + iso(T0) + '","value":NaN,"tags":null}}',
      point('http_req_duration', T0, -3, {}),
      point('http_req_duration', T0, 1e300, {}),
      '{"metric":"http_reqs","type":"Point","data":{"time":"yesterday","value":1,"tags":null}}',
      '{"metric":"http_reqs","type":"Poi',
      JSON.stringify({ type: 'Metric', data: { name: 'x', type: 'histogram' }, metric: 'x' }),
      '\u0000\u0001binary',
    ];
    const ev = createEvaluation({ malformedTolerance: 0 });
    lines.forEach((l, i) => ev.ingestLine(l, 'k6.json', i + 1));
    const report = ev.finish();
    expect(report.totals.pointsRead).toBe(8);
    // A negative value and 1e300 are samples, as k6 takes any float64 (issue 18, item 8).
    expect(report.totals.points).toBe(3);
    expect(report.totals.malformed).toBe(5);
    expect(report.totals.trusted).toBe(false);
    expect(report.verdict).toBe('fail');
    const reasons = report.totals.problems.map((p) => `${p.source}:${p.line} ${p.reason}`);
    expect(reasons[0]).toMatch(/^k6\.json:2 not JSON/);
    expect(reasons[1]).toMatch(/^k6\.json:5 time "yesterday"/);
    expect(reasons[3]).toMatch(/unknown metric type "histogram"/);

    const tolerant = createEvaluation({ malformedTolerance: 0.9 });
    lines.forEach((l, i) => tolerant.ingestLine(l, 'k6.json', i + 1));
    expect(tolerant.finish().totals.trusted).toBe(true);
  });

  it('reads k6 v1 and v2 field orders, escapes and metadata the same', () => {
    const v2 = `{"type":"Point","data":{"time":"${iso(T0)}","value":12.5,"tags":{"name":"a\\"b"}},"metric":"http_req_duration"}`;
    const meta = JSON.stringify({ metric: 'http_req_duration', type: 'Point', data: { time: iso(T0), value: 7, tags: { name: 'a"b' }, metadata: { trace: 'x' } } });
    const plain = `{"type":"Point","data":{"time":"2026-01-01T13:00:00.5+01:00","value":3,"tags":{"name":"a\\"b"}},"metric":"http_req_duration"}`;
    const ev = createEvaluation();
    [v2, meta, plain].forEach((l, i) => ev.ingestLine(l, 'x', i + 1));
    const r = ev.finish();
    expect(r.totals.malformed).toBe(0);
    expect(r.series).toHaveLength(1);
    expect(r.series[0]!.count).toBe(3);
    expect(r.series[0]!.tags).toEqual({ name: 'a"b' });
    expect(r.series[0]!.trend!.min).toBe(3);
    expect(r.totals.firstTime).toBe(T0);
    expect(r.series[0]!.lastTime).toBe(T0 + 500);
  });

  it('reads k6 CSV with any time format', () => {
    const header =
      'metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata';
    const row = (t: string, v: string) => `http_req_duration,${t},${v},,,,true,,GET,"GET /a,b",HTTP/1.1,default,,200,,,http://x/,kind=a&z=1,`;
    const secs = Math.floor(T0 / 1000);
    const ev = createEvaluation({ groupBy: ['name', 'kind'] });
    [header, row(String(secs), '10.000000'), row(String(T0), '20.5'), row(String(T0 * 1000), '30'), row(`${BigInt(T0) * 1000000n}`, '40'), row(iso(T0), '50')].forEach((l, i) =>
      ev.ingestLine(l, 'k6.csv', i + 1),
    );
    const r = ev.finish();
    expect(r.inputs[0]!.format).toBe('csv');
    expect(r.totals.malformed).toBe(0);
    const s = r.series[0]!;
    expect(s.tags).toEqual({ name: 'GET /a,b', kind: 'a' });
    expect(s.count).toBe(5);
    expect(s.trend!.sum).toBe(150.5);
    expect(s.firstTime).toBe(T0);
    expect(s.lastTime).toBe(T0);
  });

  it('folds series past the cap into an overflow series and says so', () => {
    const ev = createEvaluation({ seriesCap: 5 });
    for (let i = 0; i < 100; i++) ev.ingestSample({ metric: 'http_req_duration', time: T0 + i, value: i, tags: { name: `/user/${i}` } });
    const r = ev.finish();
    expect(r.series).toHaveLength(6);
    const overflow = r.series.find((s) => s.overflow)!;
    expect(overflow.count).toBe(95);
    expect(r.totals.overflowPoints).toBe(95);
    expect(r.totals.points).toBe(100);
  });

  it('keeps the bucket count bounded by doubling the width, exactly', () => {
    const ev = createEvaluation({ bucketWidth: '1s', maxBuckets: 10 });
    for (let i = 0; i < 1000; i++) ev.ingestSample({ metric: 'http_req_duration', time: T0 + i * 100, value: 1 + (i % 7), tags: {} });
    const r = ev.finish();
    const s = r.series[0]!;
    expect(s.buckets.items.length).toBeLessThanOrEqual(10);
    expect(s.buckets.widthMs).toBe(16_000);
    expect(s.buckets.items.reduce((n, b) => n + b.count, 0)).toBe(1000);
    expect(liveHistograms()).toBe(0);
  });
});

describe('gates', () => {
  function run(gates: Parameters<typeof createEvaluation>[1], feed: (ev: ReturnType<typeof createEvaluation>) => void, opts = {}): ReportModel {
    const ev = createEvaluation({ bucketWidth: '10s' }, gates, opts);
    feed(ev);
    return ev.finish();
  }

  it('a windowed gate catches a burst the cumulative one hides', () => {
    const feed = (ev: ReturnType<typeof createEvaluation>) => {
      // 30 minutes, one request per second; 5xx 1 % overall but 20 % for 3 minutes.
      for (let s = 0; s < 1800; s++) {
        const burst = s >= 600 && s < 780;
        const failed = burst ? s % 5 === 0 : false;
        ev.ingestSample({ metric: 'http_req_failed', time: T0 + s * 1000, value: failed ? 1 : 0, tags: { name: 'GET /' } });
      }
    };
    const r = run(
      [
        { id: 'cumulative', metric: 'http_req_failed', expression: 'rate<0.05' },
        { id: 'windowed', metric: 'http_req_failed', expression: 'rate<0.02', window: '5m', severity: 'fail' },
        { id: 'warn', metric: 'http_req_failed', expression: 'rate<0.01', severity: 'warn' },
      ],
      feed,
    );
    const byId = Object.fromEntries(r.gates.map((g) => [g.id, g]));
    expect(byId.cumulative!.verdict).toBe('pass');
    expect(byId.cumulative!.observed).toBeCloseTo(36 / 1800, 10);
    expect(byId.windowed!.verdict).toBe('fail');
    expect(byId.windowed!.observed).toBeCloseTo(36 / 300, 10);
    expect(byId.warn!.verdict).toBe('warn');
    expect(r.verdict).toBe('fail');
  });

  it('a windowed percentile gate merges bucket histograms across series', () => {
    const r = run([{ id: 'p95 per minute', metric: 'db_query', expression: 'p(95)<100', window: '1m' }], (ev) => {
      for (let s = 0; s < 600; s++) {
        // Two series; minute 5 is slow on one of them only.
        const slow = s >= 300 && s < 360;
        ev.ingestSample({ metric: 'db_query', type: 'trend', time: T0 + s * 1000, value: 10 + (s % 7), tags: { name: 'a' } });
        ev.ingestSample({ metric: 'db_query', type: 'trend', time: T0 + s * 1000 + 1, value: slow ? 400 + (s % 9) : 20, tags: { name: 'b' } });
      }
    });
    const g = r.gates[0]!;
    expect(g.verdict).toBe('fail');
    expect(g.observed).toBeGreaterThanOrEqual(400);
    expect(g.observed).toBeLessThanOrEqual(409 * 1.01);
    // A window holding (most of) the slow minute: k6's interpolated p95 is ~407 in each of them.
    expect(g.worstWindowStart).toBeGreaterThanOrEqual(T0 + 250_000);
    expect(g.worstWindowStart).toBeLessThanOrEqual(T0 + 300_000);
    expect(liveHistograms()).toBe(0);
  });

  it('labels phases from chaos events and compares with the baseline phase', () => {
    const ev = createEvaluation(
      {},
      [
        { id: 'p95 under fault', metric: 'http_req_duration', expression: 'p(95) <= baseline * 1.10', phase: 'fault:*', baseline: 'phase:baseline' },
        { id: 'recovery', metric: 'http_req_duration', expression: 'p(95) <= baseline * 1.10', phase: 'recovery', baseline: 'phase:baseline', severity: 'warn' },
      ],
      { phaseLabels: true },
    );
    ev.addPhaseEvent({ time: T0 + 100_000, faultId: 'latency', action: 'on' });
    ev.addPhaseEvent({ time: T0 + 200_000, faultId: 'latency', action: 'off' });
    for (let i = 0; i < 3000; i++) {
      const t = T0 + i * 100;
      const slow = t >= T0 + 100_000 && t < T0 + 200_000;
      ev.ingestSample({ metric: 'http_req_duration', time: t, value: slow ? 100 + (i % 10) : 50 + (i % 10), tags: { name: 'GET /' } });
    }
    const r = ev.finish();
    expect(r.phases.map((p) => p.name)).toEqual(['baseline', 'fault:latency', 'recovery']);
    expect(r.gates[0]!.verdict).toBe('fail');
    expect(r.gates[0]!.limit).toBeCloseTo(59 * 1.1, 1);
    expect(r.gates[1]!.verdict).toBe('pass');
    expect(new Set(r.series.map((s) => s.tags.phase))).toEqual(new Set(['baseline', 'fault:latency', 'recovery']));
  });

  it('compares with a previous report, and counts dropped iterations in the error budget', () => {
    const feed = (failEvery: number) => (ev: ReturnType<typeof createEvaluation>) => {
      for (let i = 0; i < 1000; i++) ev.ingestSample({ metric: 'http_req_failed', time: T0 + i * 10, value: i % failEvery === 0 ? 1 : 0, tags: {} });
    };
    const lastNight = run([], feed(50));
    const gates = [
      { id: 'vs last night', metric: 'http_req_failed', expression: 'rate<=baseline', baseline: 'report' },
      { id: 'budget', metric: 'chaosgate_error_rate', expression: 'rate<0.05' },
    ];
    const tonight = run(
      gates,
      (ev) => {
        feed(25)(ev);
        ev.ingestSample({ metric: 'dropped_iterations', time: T0, value: 20, tags: { scenario: 'x' } });
      },
      { baselineReport: lastNight },
    );
    expect(tonight.gates[0]!.limit).toBeCloseTo(0.02, 10);
    expect(tonight.gates[0]!.verdict).toBe('fail');
    // (40 failed + 20 dropped) / (1000 + 20)
    expect(tonight.gates[1]!.observed).toBeCloseTo(60 / 1020, 10);
    expect(tonight.gates[1]!.verdict).toBe('fail');
  });

  it('a filtered error-rate baseline from a previous report counts its dropped iterations as the live gate does', () => {
    // api: 1000 requests, 10 failed, and 30 iterations dropped (scenario tags only, as k6 sends them).
    const feed = (ev: ReturnType<typeof createEvaluation>) => {
      for (let i = 0; i < 1000; i++) ev.ingestSample({ metric: 'http_req_failed', time: T0 + i * 10, value: i % 100 === 0 ? 1 : 0, tags: { service: 'api' } });
      ev.ingestSample({ metric: 'dropped_iterations', time: T0, value: 30, tags: { scenario: 'x' } });
    };
    const live = { id: 'live', metric: 'chaosgate_error_rate{service:api}', expression: 'rate<1' };
    const lastNight = run([live], feed);
    expect(lastNight.gates[0]!.observed).toBeCloseTo(40 / 1030, 12);
    const tonight = run([{ id: 'vs last night', metric: 'chaosgate_error_rate{service:api}', expression: 'rate<=baseline', baseline: 'report' }], feed, {
      baselineReport: lastNight,
    });
    expect(tonight.gates[0]!.limit).toBe(lastNight.gates[0]!.observed);
    expect(tonight.gates[0]!.verdict).toBe('pass');
  });

  it('judges live abort gates on demand, and k6-declared thresholds when asked', () => {
    const ev = createEvaluation({ declaredThresholds: true }, [
      { metric: 'http_req_failed', expression: 'rate<0.1', abortOnFail: true },
      { metric: 'http_reqs', expression: 'count>0' },
    ]);
    ev.ingestLine(JSON.stringify({ type: 'Metric', data: { name: 'my_t', type: 'trend', contains: 'time', thresholds: ['p(95)<1'] }, metric: 'my_t' }), 'k6', 1);
    ev.ingestSample({ metric: 'my_t', time: T0, value: 5, tags: {} });
    ev.ingestSample({ metric: 'http_req_failed', time: T0, value: 1, tags: {} });
    const live = ev.checkGates({ liveOnly: true });
    expect(live).toHaveLength(1);
    expect(live[0]!.verdict).toBe('fail');
    ev.abort('abort gate breached', T0 + 1);
    const r = ev.finish();
    expect(r.partial).toBe(true);
    expect(r.abort).toEqual({ reason: 'abort gate breached', time: T0 + 1 });
    expect(r.gates.map((g) => [g.id, g.verdict])).toEqual([
      ['http_req_failed: rate<0.1', 'fail'],
      ['http_reqs: count>0', 'fail'],
      ['k6 my_t: p(95)<1', 'fail'],
    ]);
  });
});

describe('the bucket width in the report', () => {
  const report = (config: Parameters<typeof createEvaluation>[0], picked?: string) => {
    const ev = createEvaluation(config, [], { bucketWidthPicked: picked });
    ev.ingestLine(point('http_reqs', T0, 1, null), 'gen', 1);
    return ev.finish().config;
  };
  it('says how an auto width was picked, that nothing picked it, or nothing for a width set', () => {
    expect(report({})).toMatchObject({
      bucketWidthMs: 10_000,
      bucketWidthPicked: 'auto, with no run record of a picked width (a run records it in its events file, read by `evaluate --events`): 10 s',
    });
    expect(report({ bucketWidth: '2s' }, 'auto: 2 s, picked by the run')).toMatchObject({ bucketWidthMs: 2000, bucketWidthPicked: 'auto: 2 s, picked by the run' });
    const set = report({ bucketWidth: '2s' });
    expect(set.bucketWidthMs).toBe(2000);
    expect(set).not.toHaveProperty('bucketWidthPicked');
  });
});
