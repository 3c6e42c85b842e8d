// Each "did not recover" names why, from a real evaluation of k6-shaped samples through analyse().
import { describe, expect, it } from 'vitest';
import { createEvaluation } from '../evaluator/evaluation.js';
import type { ReportModel } from '../model/report.js';
import { renderMarkdown } from '../reports/markdown.js';
import { renderHtml } from '../reports/html.js';
import { analyse, type FaultWindow } from './compute.js';
import { withRecoveryReasons } from './recovery-reasons.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
let lastReport: ReportModel;
const tolerance = { p95Factor: 1.5, errorRateDelta: 0.01, windowMs: 2000, queueDepthSlack: 5 };

/** 20 requests/s for `lengthMs`; latency from `ms(t)`; faults as given. */
function analysed(faults: FaultWindow[], ms: (t: number) => number, lengthMs = 40_000, bucketWidth = '1s') {
  const ev = createEvaluation({ bucketWidth, maxBuckets: 1000 }, [], { phaseLabels: true });
  for (const f of faults) {
    ev.addPhaseEvent({ time: f.on, faultId: f.id, action: 'on' });
    if (f.off !== null) ev.addPhaseEvent({ time: f.off, faultId: f.id, action: 'off' });
  }
  for (let t = 0; t < lengthMs; t += 50) {
    const tags = { name: 'GET /', expected_response: 'true' };
    ev.ingestSample({ metric: 'http_req_duration', time: T0 + t, value: ms(t), tags });
    ev.ingestSample({ metric: 'http_req_failed', time: T0 + t, value: 0, tags });
  }
  const report = ev.finish();
  lastReport = report;
  return withRecoveryReasons(analyse(report, { profile: 't', faults, recovery: tolerance, allowedErrorRate: 0.05 }), report);
}

const fault = (id: string, onS: number, offS: number | null): FaultWindow => ({
  id,
  kind: 'http-latency',
  target: 'web',
  on: T0 + onS * 1000,
  off: offS === null ? null : T0 + offS * 1000,
  injections: 1,
});

describe('recovery reasons', () => {
  it('names the condition not met with observed and limit', () => {
    // Slow from the fault on and never back: 300 ms against a 100 ms baseline.
    const a = analysed([fault('slow', 15, 25)], (t) => (t >= 15_000 ? 300 : 100));
    expect(a.recovery[0]!.status).toBe('did-not-recover');
    expect(a.recovery[0]!.reasons).toEqual([expect.stringMatching(/^over recovery(:slow)? \(15 s\): p95 300 ms > 150 ms \(baseline 100 ms × 1\.5\)$/)]);
    lastReport.analysis = a;
    expect(renderMarkdown(lastReport)).toContain('**did not recover**: over recovery:slow (15 s): p95 300 ms &gt; 150 ms');
    expect(renderHtml(lastReport)).toContain('did not recover: over recovery:slow (15 s): p95 300 ms &gt; 150 ms');
  });

  it('says the window did not fit before the next fault', () => {
    const a = analysed([fault('a', 10, 20), fault('b', 21, 30)], (t) => (t >= 10_000 && t < 30_000 ? 300 : 100));
    const first = a.recovery.find((r) => r.faultId === 'a')!;
    expect(first.status).toBe('did-not-recover');
    expect(first.reasons).toEqual([
      'the 2.0 s recovery window did not fit: the next fault (b) started 1.0 s after this fault ended (shorten run.recovery.window or evaluate.bucketWidth, or leave more time)',
    ]);
    expect(a.recovery.find((r) => r.faultId === 'b')!.status).toBe('recovered');
  });

  it('a fault still on at the end; a fault shorter than a bucket is flagged whatever its status', () => {
    const on = analysed([fault('on', 30, null)], (t) => (t >= 30_000 ? 300 : 100));
    expect(on.recovery[0]!.reasons).toEqual(['the fault was still on when the run ended']);
    const short = analysed([fault('blip', 20, 23)], () => 100, 60_000, '10s');
    expect(short.recovery[0]!.status).toBe('recovered');
    expect(short.recovery[0]!.reasons).toEqual([expect.stringContaining('the fault lasted 3.0 s, shorter than the 10 s time buckets')]);
  });

  it('says nothing for a clean recovery', () => {
    const a = analysed([fault('ok', 15, 20)], (t) => (t >= 15_000 && t < 20_000 ? 300 : 100));
    expect(a.recovery[0]).toMatchObject({ status: 'recovered' });
    expect(a.recovery[0]!.reasons).toBeUndefined();
  });

  it("a profile phase `warmup` from 0 s and `baseline` from 10 s keeps a pool's reconnects out of the baseline (docs/services.md)", () => {
    const ev = createEvaluation({ bucketWidth: '1s', maxBuckets: 1000 }, [], { phaseLabels: true });
    ev.addPhaseEvent({ time: T0, phase: 'warmup' });
    ev.addPhaseEvent({ time: T0 + 10_000, phase: 'baseline' });
    const f = fault('db-slow', 20, 25);
    ev.addPhaseEvent({ time: f.on, faultId: f.id, action: 'on' });
    ev.addPhaseEvent({ time: f.off!, faultId: f.id, action: 'off' });
    // The first 10 s: connection pool warming up at 700 ms; then 100 ms; 300 ms during the fault.
    for (let t = 0; t < 40_000; t += 50) {
      const tags = { name: 'GET /', expected_response: 'true' };
      ev.ingestSample({ metric: 'http_req_duration', time: T0 + t, value: t < 10_000 ? 700 : t >= 20_000 && t < 25_000 ? 300 : 100, tags });
      ev.ingestSample({ metric: 'http_req_failed', time: T0 + t, value: 0, tags });
    }
    const report = ev.finish();
    const a = analyse(report, { profile: 't', faults: [f], recovery: tolerance, allowedErrorRate: 0.05 });
    expect(a.phases.find((p) => p.phase === 'baseline' && p.requests > 0)!.p95).toBeCloseTo(100, 0);
    expect(a.phases.find((p) => p.phase === 'warmup')!.p95).toBeCloseTo(700, -1);
    expect(a.recovery[0]!.status).toBe('recovered');
  });
});
