import { describe, expect, it } from 'vitest';
import { runBounded } from '../test/support/bounded.js';
import { createEvaluation } from './evaluation.js';
import { parseCsvTime } from './readers/time.js';
import { gateLine, gateSentence, gateTextContext } from '../reports/gate-text.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

/** 10 requests a second for `seconds`, all passing, plus `tail` failing requests in the last bucket. */
function run(seconds: number, tail: number, window: string) {
  const ev = createEvaluation({ bucketWidth: '1s' }, [{ id: 'err', metric: 'http_req_failed', expression: 'rate<0.5', window }]);
  for (let i = 0; i < seconds * 10; i++) ev.ingestSample({ metric: 'http_req_failed', time: T0 + i * 100, value: 0, tags: {} });
  for (let i = 0; i < tail; i++) ev.ingestSample({ metric: 'http_req_failed', time: T0 + seconds * 1000 + i, value: 1, tags: {} });
  return ev;
}

describe('windowed gates judge whole windows only', () => {
  it('a window that is not whole buckets says over which windows it was judged (a 10 s window in 3 s buckets: 12 s)', () => {
    const ev = createEvaluation({ bucketWidth: '3s' }, [{ id: 'err', metric: 'http_req_failed', expression: 'rate<0.5', window: '10s' }]);
    for (let i = 0; i < 300; i++) ev.ingestSample({ metric: 'http_req_failed', time: T0 + i * 100, value: 0, tags: {} });
    const report = ev.finish();
    const g = report.gates[0]!;
    expect(g.verdict).toBe('pass');
    expect(gateSentence(g, gateTextContext(report))).toMatch(
      /; judged over windows of 12 s: the 10s window in whole 3 s buckets \(set evaluate\.bucketWidth to a divisor of the window for exact windows\)$/,
    );
    // Whole buckets: nothing to say.
    const exact = createEvaluation({ bucketWidth: '5s' }, [{ id: 'err', metric: 'http_req_failed', expression: 'rate<0.5', window: '10s' }]);
    for (let i = 0; i < 300; i++) exact.ingestSample({ metric: 'http_req_failed', time: T0 + i * 100, value: 0, tags: {} });
    expect(exact.finish().gates[0]!.message).not.toContain('judged over windows');
  });
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

  it('a run shorter than one window cannot show the gate holds: fail-level (warn for a warn gate), saying why; it passed as one short window', () => {
    // "5xx > 2 % over 5 minutes" on an 80 s run: no 5-minute window was ever seen.
    const ev = run(80, 2, '5m');
    const report = ev.finish();
    const g = report.gates[0]!;
    // The console and every report read the reason, not "holds"/"breached".
    expect(gateLine(g, gateTextContext(report))).toMatch(/^FAIL err: http_req_failed: the samples span only 81 s, shorter than one 5m window, so the gate cannot be shown to hold/);
    expect(g.verdict).toBe('fail');
    // No figure to show as one (every writer shows the message, which keeps it as text).
    expect(g.observed).toBeNull();
    expect(g.message).toBe(
      'http_req_failed: the samples span only 81 s, shorter than one 5m window, so the gate cannot be shown to hold (observed 0.00249377 over that span, limit 0.5); run at least 5m or shorten the window',
    );
    const warn = createEvaluation({ bucketWidth: '1s' }, [{ metric: 'http_req_failed', expression: 'rate<0.5', window: '5m', severity: 'warn' }]);
    for (let i = 0; i < 800; i++) warn.ingestSample({ metric: 'http_req_failed', time: T0 + i * 100, value: 0, tags: {} });
    expect(warn.finish().gates[0]!.verdict).toBe('warn');
  });

  it('a short run that breaches even over its shorter span is a breach, and the message says the span', () => {
    const report = run(4, 120, '5m').finish();
    const g = report.gates[0]!;
    expect(g.verdict).toBe('fail');
    expect(g.observed).toBe(0.75);
    // The one gate sentence (console and every report) keeps the span after its figures.
    expect(gateSentence(g, gateTextContext(report))).toMatch(
      /^http_req_failed: rate<0\.5 breached \(observed 75(\.0+)? %, limit 50(\.0+)? %.*\); over the 5 s the samples span, shorter than one 5m window$/,
    );
  });

  it('a run exactly one window long, and a live check of a young run, are judged on what they have', () => {
    expect(run(300, 0, '5m').finish().gates[0]!.verdict).toBe('pass');
    // Live (abortOnFail while k6 runs), the run is younger than the window: no abort for that.
    const ev = createEvaluation({ bucketWidth: '1s' }, [{ metric: 'http_req_failed', expression: 'rate<0.5', window: '5m', abortOnFail: true }]);
    for (let i = 0; i < 200; i++) ev.ingestSample({ metric: 'http_req_failed', time: T0 + i * 100, value: 0, tags: {} });
    expect(ev.checkGates({ liveOnly: true })[0]!.verdict).toBe('pass');
    ev.dispose();
  });
});

describe('a windowed gate with nothing to judge ends (it looped forever before)', () => {
  // Judged in a worker with a deadline: a synchronous endless loop would otherwise hang this file.
  const judge = (gate: string, phaseEvents: boolean) => `
    import { parentPort } from 'node:worker_threads';
    import { createEvaluation } from './evaluator/evaluation.ts';
    const T0 = ${T0};
    const ev = createEvaluation({ bucketWidth: '1s' }, [${gate}], { phaseLabels: ${phaseEvents} });
    for (let i = 0; i < 50; i++) ev.ingestSample({ metric: 'http_req_duration', type: 'trend', time: T0 + i * 100, value: 10 + i, tags: { name: 'a' } });
    const report = ev.finish();
    parentPort.postMessage(report.gates.map((g) => ({ verdict: g.verdict, message: g.message, observed: g.observed })));
  `;
  type Judged = Array<{ verdict: string; message: string; observed: number | null }>;

  it('a filter that matches no samples: "no samples", fail-level', async () => {
    const r = await runBounded<Judged>('window-no-match', judge(`{ id: 'w', metric: 'http_req_duration{name:nope}', expression: 'p(95)<500', window: '2s' }`, false), 10_000);
    expect(r.timedOut).toBe(false);
    if (r.timedOut) return;
    expect(r.value).toEqual([{ verdict: 'fail', observed: null, message: expect.stringContaining('no samples') as string }]);
  });

  it('a phase the input never had (evaluate without events): "no samples"', async () => {
    const r = await runBounded<Judged>(
      'window-no-phase',
      judge(`{ id: 'w', metric: 'http_req_duration', expression: 'avg<500', window: '2s', phase: 'fault:x', severity: 'warn' }`, false),
      10_000,
    );
    expect(r.timedOut).toBe(false);
    if (r.timedOut) return;
    expect(r.value).toEqual([{ verdict: 'warn', observed: null, message: expect.stringContaining('no samples') as string }]);
  });

  it('samples far in the future, where a bucket step is below the precision of the time, still end', async () => {
    const src = `
      import { parentPort } from 'node:worker_threads';
      import { createEvaluation } from './evaluator/evaluation.ts';
      const ev = createEvaluation({ bucketWidth: '1s' }, [{ id: 'w', metric: 'vu', expression: 'value<5', window: '2s' }]);
      ev.ingestSample({ metric: 'vu', type: 'gauge', time: 1e300, value: 1, tags: {} });
      parentPort.postMessage(ev.finish().gates.map((g) => g.verdict));
    `;
    const r = await runBounded<string[]>('window-far-time', src, 10_000);
    expect(r.timedOut).toBe(false);
    // One sample spans one 1 s bucket, shorter than the 2 s window: not shown to hold, but judged.
    if (!r.timedOut) expect(r.value).toEqual(['fail']);
  });
});

describe('no infinite time reaches the windows', () => {
  it('a CSV timestamp too long for a number is no time (it was Infinity, and the window loop never ended)', () => {
    expect(parseCsvTime('9'.repeat(400))).toBeNaN();
    expect(parseCsvTime('1767268800')).toBe(1767268800_000);
  });
});
