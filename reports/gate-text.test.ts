import { describe, expect, it } from 'vitest';
import { createEvaluation } from '../evaluator/evaluation.js';
import type { GateResult } from '../model/report.js';
import { renderHtml } from './html.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { gateLine, gateSentence, gateTextContext, isRateGate, liveGateTextContext, percent } from './gate-text.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** 60 s of 10 requests/s; from 40 s to 45 s 80 % fail, else 1 in 10. Latency 100 ms. */
function model() {
  const ev = createEvaluation({ bucketWidth: '1s', maxBuckets: 1000 }, [
    { id: 'errors <5 %', group: 'chaos smoke', metric: 'http_req_failed', expression: 'rate<0.05' },
    { id: '5xx over 5 s <2 %', group: 'windowed', metric: 'http_req_failed', expression: 'rate<0.02', window: '5s' },
    { id: 'budget', group: 'chaos smoke', metric: 'chaosgate_error_rate', expression: 'rate<0.5' },
    { id: 'throughput', group: 'chaos smoke', metric: 'http_reqs', expression: 'rate>5' },
    { id: 'long window', group: 'windowed', metric: 'http_req_failed', expression: 'rate<0.02', window: '5m' },
    { id: 'p95', group: 'chaos smoke', metric: 'http_req_duration', expression: 'p(95)<500' },
  ]);
  let n = 0;
  for (let t = 0; t < 60_000; t += 100) {
    n++;
    const failed = t >= 40_000 && t < 45_000 ? n % 5 !== 0 : n % 10 === 0;
    ev.ingestSample({ metric: 'http_reqs', time: T0 + t, value: 1, tags: {} });
    ev.ingestSample({ metric: 'http_req_duration', time: T0 + t, value: 100, tags: {} });
    ev.ingestSample({ metric: 'http_req_failed', time: T0 + t, value: failed ? 1 : 0, tags: {} });
  }
  return ev.finish();
}

const gate = (m: ReturnType<typeof model>, id: string): GateResult => m.gates.find((g) => g.id === id)!;

describe('gate text', () => {
  it('formats fractions as percent', () => {
    expect([percent(0.731), percent(0.05), percent(0), percent(0.0001234), percent(0.1666666)]).toEqual(['73.1 %', '5 %', '0 %', '0.01234 %', '16.67 %']);
  });

  it('knows rate gates: rate of a rate metric or the error budget, not a counter rate (per second)', () => {
    const m = model();
    expect(isRateGate(gate(m, 'errors <5 %'), m)).toBe(true);
    expect(isRateGate(gate(m, 'budget'), m)).toBe(true);
    expect(isRateGate(gate(m, 'throughput'), m)).toBe(false);
    expect(isRateGate(gate(m, 'p95'), m)).toBe(false);
  });

  it('console lines: percent for rates, the worst window as an offset into the run', () => {
    const m = model();
    // 60 of 600 fail outside 40–45 s… overall: 5 s × 10/s × 0.8 = 40, plus 1 in 10 of the other 550 = 55.
    const errors = gate(m, 'errors <5 %');
    expect(errors.observed).toBeCloseTo(95 / 600, 10);
    expect(gateLine(errors, gateTextContext(m))).toBe('FAIL errors <5 %: http_req_failed: rate<0.05 breached (observed 15.83 %, limit 5 %)');
    const windowed = gate(m, '5xx over 5 s <2 %');
    expect(windowed.observed).toBeCloseTo(0.8, 10);
    expect(gateLine(windowed, gateTextContext(m))).toBe('FAIL 5xx over 5 s <2 %: http_req_failed: rate<0.02 breached (observed 80 %, limit 2 %, worst window 0:40–0:45)');
    expect(gateLine(gate(m, 'throughput'), gateTextContext(m))).toBe('PASS throughput: http_reqs: rate>5 holds (observed 10.0167, limit 5)');
    // A window longer than the run is one window, ending with the last sample (59.9 s), not at 5:00;
    // its breach says the span was shorter than one window.
    expect(gateLine(gate(m, 'long window'), gateTextContext(m))).toBe(
      'FAIL long window: http_req_failed: rate<0.02 breached (observed 15.83 %, limit 2 %, worst window 0:00–1:00); over the 1 min the samples span, shorter than one 5m window',
    );
  });

  it('a console line leaves out an id the user did not give (the sentence says it all)', () => {
    const ev = createEvaluation({ bucketWidth: '1s' }, [{ metric: 'http_req_duration', expression: 'p(95)<500', phase: 'baseline' }], { phaseLabels: true });
    ev.addPhaseEvent({ time: T0, phase: 'baseline' });
    ev.ingestSample({ metric: 'http_req_duration', time: T0 + 10, value: 100, tags: {} });
    const m = ev.finish();
    expect(m.gates[0]!.id).toBe('http_req_duration: p(95)<500 [baseline]');
    expect(gateLine(m.gates[0]!, gateTextContext(m))).toBe('PASS http_req_duration in phase baseline: p(95)<500 holds (observed 100, limit 500)');
  });

  it('a gate judged live (an abort reason) reads the same, with offsets from the run start given', () => {
    const m = model();
    const windowed = m.gates.find((g) => g.id === '5xx over 5 s <2 %')!;
    expect(gateSentence(windowed, liveGateTextContext(T0 - 2000, 1000))).toBe('http_req_failed: rate<0.02 breached (observed 80 %, limit 2 %, worst window 0:42–0:47)');
  });

  it('every writer shows percent and the offset, never the raw fraction or an ISO time', () => {
    const m = model();
    const iso = /\d{4}-\d\d-\d\dT\d\d:\d\d/;
    const md = renderMarkdown(m);
    expect(md).toMatch(/\| ❌ \| 5xx over 5 s &lt;2 % \| 80 % \(worst window 0:40–0:45\) \| 2 % \| fail \|/);
    expect(md).toContain('| 15.83 % | 5 % |');
    expect(md).not.toMatch(iso);
    const junit = renderJunit(m);
    expect(junit).toContain('message="http_req_failed: rate&lt;0.02 breached (observed 80 %, limit 2 %, worst window 0:40–0:45)"');
    expect(junit).not.toMatch(/ISO|T12:00:40/);
    const html = renderHtml(m);
    expect(html).toContain('http_req_failed: rate&lt;0.02 breached (observed 80 %, limit 2 %, worst window 0:40–0:45)');
    expect(html).toMatch(/<td class="nowrap">80 %<\/td><td class="nowrap">2 %<\/td>/);
    expect(html).not.toContain('0.158333');
    const json = JSON.parse(renderJson(m));
    const jw = json.gates.find((g: GateResult) => g.id === '5xx over 5 s <2 %');
    expect(jw.observed).toBeCloseTo(0.8, 10); // the figure stays a fraction for machines
    expect(jw.message).toBe('http_req_failed: rate<0.02 breached (observed 80 %, limit 2 %, worst window 0:40–0:45)');
  });
});

describe('drift gates in the reports', () => {
  it('read in their units: the console line, the Markdown cells and the baseline figure beside a change gate', () => {
    const night = (ms: (i: number) => number, baseline: ReturnType<ReturnType<typeof createEvaluation>['finish']> | null = null) => {
      const ev = createEvaluation(
        { bucketWidth: '10s' },
        [
          { id: 'creep', metric: 'drift(http_req_duration)', expression: 'slope_per_hour<100', window: '1m' },
          { id: 'vs last night', metric: 'drift(http_req_duration)', expression: 'change_pct<10' },
        ],
        { baselineReport: baseline },
      );
      for (let i = 0; i < 3000; i++) ev.ingestSample({ metric: 'http_req_duration', time: T0 + i * 100, value: ms(i), tags: {} });
      return ev.finish();
    };
    const last = night(() => 40);
    // 5 minutes; p95 up by 1 ms each minute: 60 ms/h.
    const r = night((i) => 44 + Math.floor(i / 600), last);
    expect(gateLine(r.gates[0]!, gateTextContext(r))).toMatch(
      /^PASS creep: drift\(http_req_duration\): slope_per_hour<100 holds \(observed 60(\.\d+)? ms\/h over 5 windows of 60 s, p95 44 ms → 48 ms, limit 100\)$/,
    );
    const md = renderMarkdown(r);
    expect(md).toMatch(/\| ✅ \| creep \| 60(\.\d+)? ms\/h \| 100 ms\/h \| fail \|/);
    expect(md).toMatch(/\| ❌ \| vs last night \| \+20(\.\d+)? % \| \+10 % \(baseline 40(\.\d+)? ms\) \| fail \|/);
  });
});

describe("a gate on Locust's CSV approximation (locust_csv_p*)", () => {
  it('holds → warn, never a pass, and its sentence still says "holds"; breached → fail', () => {
    const ev = createEvaluation({ bucketWidth: '1s' }, [
      { id: 'approx holds', metric: 'locust_csv_p95', expression: 'max<500' },
      { id: 'approx breached', metric: 'locust_csv_p95', expression: 'max<200' },
      { id: 'exact', metric: 'http_reqs', expression: 'count==3' },
    ]);
    ev.declare('locust_csv_p95', 'trend', true, [], 0);
    for (const [i, v] of [120, 310, 180].entries()) {
      ev.ingestSample({ metric: 'locust_csv_p95', time: T0 + i * 1000, value: v, tags: { name: '/a' } });
      ev.ingestSample({ metric: 'http_reqs', time: T0 + i * 1000, value: 1, tags: { name: '/a' } });
    }
    const m = ev.finish();
    const ctx = gateTextContext(m);
    expect(m.gates.map((g) => [g.id, g.verdict])).toEqual([
      ['approx holds', 'warn'],
      ['approx breached', 'fail'],
      ['exact', 'pass'],
    ]);
    expect(m.verdict).toBe('fail');
    expect(gateSentence(gate(m, 'approx holds'), ctx)).toBe(
      "locust_csv_p95: max<500 holds (observed 310, limit 500); an approximation (Locust's rolling percentiles from its CSV history, not samples of requests), so a warn, never a pass",
    );
    expect(gateSentence(gate(m, 'approx breached'), ctx)).toBe('locust_csv_p95: max<200 breached (observed 310, limit 200)');
  });
});
