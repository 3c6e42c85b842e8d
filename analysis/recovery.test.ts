// Time to recover must be what the samples say. A fault whose after-effect lasts a known time (a
// tcp-reset on a DB: most requests fail for 4.3 s after the fault ends, as a pool reconnects) read
// "recovered 0.0 s" for every recovery window from 2 s to 10 s: the candidate windows skipped the
// bucket the fault ended in, where the after-effect was.
import { describe, expect, it } from 'vitest';
import { createEvaluation } from '../evaluator/evaluation.js';
import { recoveries, type FaultWindow } from './compute.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const ON = T0 + 30_000;
/** Not on a bucket boundary (the fault's end rarely is). */
const OFF = T0 + 40_500;
const AFTER_EFFECT_MS = 4300;
const END = T0 + 80_000;

interface Raw {
  time: number;
  ms: number;
  failed: boolean;
}

/** 20 requests a second: clean, then the fault (all failing), then 80 % failing for 4.3 s, then clean. */
function samples(): Raw[] {
  const out: Raw[] = [];
  let n = 0;
  for (let t = T0; t < END; t += 50) {
    n++;
    const inFault = t >= ON && t < OFF;
    const after = t >= OFF && t < OFF + AFTER_EFFECT_MS;
    out.push({ time: t, ms: 20 + (n % 5), failed: inFault || (after && n % 5 !== 0) });
  }
  return out;
}

function report(raw: Raw[], bucketWidth: string) {
  const ev = createEvaluation({ bucketWidth, maxBuckets: 1000 }, [], { phaseLabels: true });
  ev.addPhaseEvent({ time: ON, faultId: 'db-reset', action: 'on' });
  ev.addPhaseEvent({ time: OFF, faultId: 'db-reset', action: 'off' });
  for (const r of raw) {
    const tags = { name: 'GET /orders', expected_response: String(!r.failed) };
    ev.ingestSample({ metric: 'http_reqs', time: r.time, value: 1, tags });
    ev.ingestSample({ metric: 'http_req_duration', time: r.time, value: r.ms, tags });
    ev.ingestSample({ metric: 'http_req_failed', time: r.time, value: r.failed ? 1 : 0, tags });
  }
  return ev.finish();
}

/**
 * The same rule on the raw samples: the first window of `windowMs` on the bucket grid, from the
 * bucket holding the fault's end, whose requests after the fault fail at most `limit`.
 */
function fromRaw(raw: Raw[], stepMs: number, windowMs: number, limit: number): number {
  for (let t = Math.floor(OFF / stepMs) * stepMs; t < END; t += stepMs) {
    const inWindow = raw.filter((r) => r.time >= Math.max(t, OFF) && r.time < t + windowMs);
    if (inWindow.length && inWindow.filter((r) => r.failed).length / inWindow.length <= limit) return Math.max(t, OFF) - OFF;
  }
  return NaN;
}

const faults: FaultWindow[] = [{ id: 'db-reset', kind: 'tcp-reset', target: 'db', on: ON, off: OFF, injections: null }];
const tol = (windowMs: number) => ({ p95Factor: 1.1, errorRateDelta: 0.01, windowMs, queueDepthSlack: 5 });

describe('time to recover after a fault with a known after-effect', () => {
  it('1 s buckets, 2 s window: recovered when the raw samples say (4.5 s: the first clean window on the grid after the 4.3 s; it said 4 s, before the samples recovered)', () => {
    const raw = samples();
    const [r] = recoveries(report(raw, '1s'), faults, tol(2000));
    expect(r!.status).toBe('recovered');
    expect(r!.timeToRecoverMs).toBe(fromRaw(raw, 1000, 2000, 0.01));
    expect(r!.timeToRecoverMs).toBe(4500);
    expect(r!.recoveredAt).toBe(OFF + 4500);
  });

  it('10 s buckets: never earlier than the after-effect, for every recovery window from 2 s to 10 s (each read 0.0 s)', () => {
    const raw = samples();
    const model = report(raw, '10s');
    for (const windowMs of [2000, 4000, 5000, 8000, 10_000]) {
      const [r] = recoveries(model, faults, tol(windowMs));
      expect(r!.status, `window ${windowMs}`).toBe('recovered');
      expect(r!.timeToRecoverMs, `window ${windowMs}`).toBeGreaterThanOrEqual(AFTER_EFFECT_MS);
      // Up to one bucket later: the resolution of 10 s buckets.
      expect(r!.timeToRecoverMs, `window ${windowMs}`).toBeLessThan(AFTER_EFFECT_MS + 10_000);
      expect(r!.timeToRecoverMs, `window ${windowMs}`).toBe(fromRaw(raw, 10_000, 10_000, 0.01));
    }
  });

  it("a clean end (no after-effect) in a bucket the fault shares: recovered at once, the fault's own samples not counted", () => {
    const raw = samples().map((r) => (r.time >= OFF ? { ...r, failed: false } : r));
    const [r] = recoveries(report(raw, '10s'), faults, tol(5000));
    expect(r).toMatchObject({ status: 'recovered', timeToRecoverMs: 0, recoveredAt: OFF });
  });
});
