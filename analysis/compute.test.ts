import { describe, expect, it } from 'vitest';
import { createEvaluation } from '../evaluator/evaluation.js';
import { liveHistograms } from '../model/histogram.js';
import type { ReportModel } from '../model/report.js';
import { analyse, slope, type FaultWindow } from './compute.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

/** k6-shaped samples of one request: http_reqs, http_req_duration, http_req_failed. */
function request(ev: ReturnType<typeof createEvaluation>, time: number, ms: number, failed: boolean): void {
  const tags = { name: 'ocr-process', group: 'ocr', method: 'POST', expected_response: failed ? 'false' : 'true' };
  ev.ingestSample({ metric: 'http_reqs', time, value: 1, tags });
  ev.ingestSample({ metric: 'http_req_duration', time, value: ms, tags });
  ev.ingestSample({ metric: 'http_req_failed', time, value: failed ? 1 : 0, tags });
}

/**
 * 20 s baseline at 100 ms, a 10 s fault at 400 ms with every 10th request failing, then 3 s of
 * slow (300 ms) recovery before latency is back at 100 ms until 45 s. 20 requests per second.
 */
function runWithFault(faultEndsAtMs: number | null): ReportModel {
  const ev = createEvaluation({ bucketWidth: '1s', maxBuckets: 1000 }, [], { phaseLabels: true });
  ev.addPhaseEvent({ time: T0 + 20_000, faultId: 'ocr-latency', action: 'on' });
  if (faultEndsAtMs !== null) ev.addPhaseEvent({ time: T0 + faultEndsAtMs, faultId: 'ocr-latency', action: 'off' });
  let n = 0;
  for (let t = 0; t < 45_000; t += 50) {
    n++;
    const inFault = t >= 20_000 && (faultEndsAtMs === null || t < faultEndsAtMs);
    const slow = faultEndsAtMs !== null && t >= faultEndsAtMs && t < faultEndsAtMs + 3000;
    const ms = inFault ? 400 + (n % 7) : slow ? 300 : 100 + (n % 5);
    request(ev, T0 + t, ms, inFault && n % 10 === 0);
  }
  return ev.finish();
}

const tolerance = { p95Factor: 1.1, errorRateDelta: 0.01, windowMs: 2000, queueDepthSlack: 5 };

describe('analyse', () => {
  it('reports per-phase figures, degradation and the time to recover', () => {
    const report = runWithFault(30_000);
    const faults: FaultWindow[] = [{ id: 'ocr-latency', kind: 'http-latency', target: 'stack', on: T0 + 20_000, off: T0 + 30_000, injections: 200 }];
    const a = analyse(report, { profile: 'test', faults, recovery: tolerance, allowedErrorRate: 0.05 });

    const byPhase = Object.fromEntries(a.phases.map((p) => [p.phase, p]));
    expect(Object.keys(byPhase).sort()).toEqual(['baseline', 'fault:ocr-latency', 'recovery']);
    expect(byPhase.baseline!.requests).toBe(400);
    expect(byPhase.baseline!.errors).toBe(0);
    expect(byPhase.baseline!.p95).toBeGreaterThanOrEqual(103);
    expect(byPhase.baseline!.p95).toBeLessThanOrEqual(104.2);
    expect(byPhase.baseline!.throughputPerSecond).toBeCloseTo(20, 0);
    const fault = byPhase['fault:ocr-latency']!;
    expect(fault.requests).toBe(200);
    expect(fault.errors).toBe(20);
    expect(fault.errorRate).toBeCloseTo(0.1, 5);
    // Failed requests are excluded from latency (expected_response=false), as k6 does by default.
    expect(fault.p95).toBeGreaterThanOrEqual(400);
    expect(fault.p95).toBeLessThanOrEqual(407);
    expect(fault.p95VsBaseline).toBeGreaterThan(3.8);
    expect(fault.errorRateVsBaseline).toBeCloseTo(0.1, 5);

    // The slow tail lasts 3 s after the fault ends; with 1 s buckets and a 2 s window the first
    // window wholly back to 100 ms starts at +3 s.
    expect(a.recovery).toHaveLength(1);
    expect(a.recovery[0]!.status).toBe('recovered');
    expect(a.recovery[0]!.timeToRecoverMs).toBe(3000);

    expect(a.errorBudget!.requestsDuringFaults).toBe(200);
    expect(a.errorBudget!.errorsDuringFaults).toBe(20);
    expect(a.errorBudget!.spent).toBeCloseTo(0.1 / 0.05, 5);
    expect(liveHistograms()).toBe(0);
  });

  it('one row per span in time order: two faults, two recovery spans each named for its fault, figures per span', () => {
    // 20 requests/s for 40 s. Faults a (10.5–14.5 s) and b (20.5–24.5 s) start mid-bucket (1 s
    // buckets). Latency: 100 ms baseline, 400 ms in a fault, 200 ms after a, 150 ms after b.
    const ev = createEvaluation({ bucketWidth: '1s', maxBuckets: 1000 }, [], { phaseLabels: true });
    const A = { on: 10_500, off: 14_500 };
    const B = { on: 20_500, off: 24_500 };
    ev.addPhaseEvent({ time: T0 + A.on, faultId: 'a', action: 'on' });
    ev.addPhaseEvent({ time: T0 + A.off, faultId: 'a', action: 'off' });
    ev.addPhaseEvent({ time: T0 + B.on, faultId: 'b', action: 'on' });
    ev.addPhaseEvent({ time: T0 + B.off, faultId: 'b', action: 'off' });
    let n = 0;
    for (let t = 0; t < 40_000; t += 50) {
      n++;
      const inFault = (t >= A.on && t < A.off) || (t >= B.on && t < B.off);
      const ms = inFault ? 400 : t >= B.off ? 150 : t >= A.off ? 200 : 100;
      // After a, every 4th request fails; after b none.
      request(ev, T0 + t, ms, !inFault && t >= A.off && t < B.on && n % 4 === 0);
    }
    const report = ev.finish();
    const faults: FaultWindow[] = [
      { id: 'a', kind: 'http-latency', target: 'stack', on: T0 + A.on, off: T0 + A.off, injections: null },
      { id: 'b', kind: 'http-latency', target: 'stack', on: T0 + B.on, off: T0 + B.off, injections: null },
    ];
    const a = analyse(report, { profile: 'test', faults, recovery: tolerance, allowedErrorRate: 0.05 });

    expect(a.phases.map((p) => p.name)).toEqual(['baseline', 'fault:a', 'recovery:a', 'fault:b', 'recovery:b']);
    expect(a.phases.map((p) => p.phase)).toEqual(['baseline', 'fault:a', 'recovery', 'fault:b', 'recovery']);
    expect(a.phases.map((p) => [p.start - T0, p.end - T0])).toEqual([
      [0, 10_500],
      [10_500, 14_500],
      [14_500, 20_500],
      [20_500, 24_500],
      [24_500, 39_950],
    ]);
    for (let i = 1; i < a.phases.length; i++) expect(a.phases[i]!.start).toBeGreaterThanOrEqual(a.phases[i - 1]!.end);

    const [, , afterA, , afterB] = a.phases;
    // 6 s at 20/s after a, every 4th failing (n counts from 1: 30 of 120); 15.5 s after b, none failing.
    expect(afterA!.requests).toBe(120);
    expect(afterA!.errors).toBe(30);
    expect(afterA!.errorRate).toBeCloseTo(0.25, 10);
    expect(afterA!.throughputPerSecond).toBeCloseTo(20, 10);
    expect(afterB!.requests).toBe(310);
    expect(afterB!.errors).toBe(0);
    expect(afterA!.requests + afterB!.requests).toBe(report.series.filter((s) => s.metric === 'http_reqs' && s.tags.phase === 'recovery').reduce((n, s) => n + s.count, 0));
    // Latency per span from the bucket histograms (2 significant digits at least: within 1 %).
    expect(afterA!.p95! / 200).toBeCloseTo(1, 1);
    expect(afterB!.p95! / 150).toBeCloseTo(1, 1);
    expect(afterA!.p95VsBaseline!).toBeCloseTo(2, 1);
    expect(liveHistograms()).toBe(0);
  });

  it('the phase table error rate is the chaosgate_error_rate gate over the same samples, dropped iterations included', () => {
    // 20 requests/s for 30 s; a 10 s overload (10–20 s) fails every 10th request and k6 drops 3
    // iterations every 500 ms (dropped_iterations carries only scenario tags, as k6 sends it).
    const ev = createEvaluation(
      { bucketWidth: '1s', maxBuckets: 1000 },
      [
        { id: 'fault-errors', metric: 'chaosgate_error_rate', expression: 'rate<0.05', phase: 'fault:overload' },
        { id: 'baseline-errors', metric: 'chaosgate_error_rate', expression: 'rate<0.05', phase: 'baseline' },
      ],
      { phaseLabels: true },
    );
    ev.addPhaseEvent({ time: T0 + 10_000, faultId: 'overload', action: 'on' });
    ev.addPhaseEvent({ time: T0 + 20_000, faultId: 'overload', action: 'off' });
    let n = 0;
    for (let t = 0; t < 30_000; t += 50) {
      n++;
      const inFault = t >= 10_000 && t < 20_000;
      request(ev, T0 + t, 100, inFault && n % 10 === 0);
      if (inFault && t % 500 === 0) ev.ingestSample({ metric: 'dropped_iterations', time: T0 + t, value: 3, tags: { scenario: 'default' } });
    }
    const report = ev.finish();
    const faults: FaultWindow[] = [{ id: 'overload', kind: 'http-error', target: 'stack', on: T0 + 10_000, off: T0 + 20_000, injections: null }];
    const a = analyse(report, { profile: 'test', faults, recovery: tolerance, allowedErrorRate: 0.05 });
    const gate = (id: string) => report.gates.find((g) => g.id === id)!.observed!;

    const fault = a.phases.find((p) => p.phase === 'fault:overload')!;
    // 200 requests, 20 failed, 60 dropped iterations: (20 + 60) / (200 + 60).
    expect(fault.requests).toBe(200);
    expect(fault.errors).toBe(80);
    expect(gate('fault-errors')).toBeCloseTo(80 / 260, 12);
    expect(fault.errorRate).toBeCloseTo(gate('fault-errors'), 12);
    expect(a.phases.find((p) => p.phase === 'baseline')!.errorRate).toBe(gate('baseline-errors'));
    // The error budget spends the same rate.
    expect(a.errorBudget!.spent).toBeCloseTo(gate('fault-errors') / 0.05, 12);
    expect(liveHistograms()).toBe(0);
  });

  it('says "did not recover" for a fault that never ends', () => {
    const report = runWithFault(null);
    const faults: FaultWindow[] = [{ id: 'ocr-latency', kind: 'http-latency', target: 'stack', on: T0 + 20_000, off: null, injections: null }];
    const a = analyse(report, { profile: 'test', faults, recovery: tolerance, allowedErrorRate: 0.05 });
    expect(a.recovery[0]!.status).toBe('did-not-recover');
    expect(a.recovery[0]!.timeToRecoverMs).toBeNull();
  });

  it('measures drift against a previous report', () => {
    const slower = runWithFault(30_000);
    const previous = runWithFault(30_000);
    const a = analyse(slower, {
      profile: 'soak',
      faults: [],
      recovery: tolerance,
      allowedErrorRate: null,
      drift: { windowMs: 5000, previous: { source: 'prev.json', report: previous } },
    });
    expect(a.drift!.windows).toBe(9);
    expect(a.drift!.previous!.p95Change).toBeCloseTo(0, 5);
    expect(a.drift!.previous!.errorRateChange).toBeCloseTo(0, 5);
    // Latency rises from 100 to 400 ms mid-run and falls back: a positive slope overall.
    expect(a.drift!.p95SlopeMsPerHour).toBeGreaterThan(0);
  });

  it('computes a least-squares slope', () => {
    expect(
      slope([
        { x: 0, y: 1 },
        { x: 1, y: 3 },
        { x: 2, y: 5 },
      ]),
    ).toBeCloseTo(2, 10);
    expect(slope([{ x: 0, y: 1 }])).toBeNull();
  });
});
