import { describe, expect, it } from 'vitest';
import { createEvaluation } from '../evaluator/evaluation.js';
import { liveHistograms } from '../evaluator/histogram.js';
import type { ReportModel } from '../evaluator/model.js';
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
    expect(slope([{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 5 }])).toBeCloseTo(2, 10);
    expect(slope([{ x: 0, y: 1 }])).toBeNull();
  });
});
