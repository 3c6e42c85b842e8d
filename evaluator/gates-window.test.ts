import { describe, expect, it } from 'vitest';
import { createEvaluation } from './evaluation.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

/** 10 requests a second for `seconds`, all passing, plus `tail` failing requests in the last bucket. */
function run(seconds: number, tail: number, window: string) {
  const ev = createEvaluation({ bucketWidth: '1s' }, [{ id: 'err', metric: 'http_req_failed', expression: 'rate<0.5', window }]);
  for (let i = 0; i < seconds * 10; i++) ev.ingestSample({ metric: 'http_req_failed', time: T0 + i * 100, value: 0, tags: {} });
  for (let i = 0; i < tail; i++) ev.ingestSample({ metric: 'http_req_failed', time: T0 + seconds * 1000 + i, value: 1, tags: {} });
  return ev;
}

describe('windowed gates judge whole windows only', () => {
  it('does not judge a window that runs past the last bucket (a few samples at the end, or now, live)', () => {
    // Before the fix the window starting at the last bucket held just the 2 failures: rate 1.
    const ev = run(20, 2, '10s');
    expect(ev.checkGates()[0]!.verdict).toBe('pass');
    const report = ev.finish();
    expect(report.gates[0]!.observed).toBeCloseTo(2 / 92, 5);
  });

  it('still breaches when a whole window is bad', () => {
    const ev = run(20, 120, '10s');
    const g = ev.finish().gates[0]!;
    expect(g.verdict).toBe('fail');
    expect(g.observed!).toBeGreaterThan(0.5);
  });

  it('judges a run shorter than one window as one window', () => {
    const ev = run(4, 2, '5m');
    const g = ev.finish().gates[0]!;
    expect(g.verdict).toBe('pass');
    expect(g.observed).toBeCloseTo(2 / 42, 5);
  });
});
