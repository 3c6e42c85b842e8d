// A sample with a far-off timestamp (a broken clock, a corrupt line) must not change how the rest
// is judged: it used to stretch the buckets to 48.5 days, so a failing windowed gate passed.
import { describe, expect, it } from 'vitest';
import { createEvaluation, FAR_OFF_MIN_MS } from './evaluation.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();
const point = (time: number, value: number) => JSON.stringify({ metric: 'http_req_failed', type: 'Point', data: { time: iso(time), value, tags: { name: 'GET /' } } });

/** 600 s of requests every 100 ms, all failing for 10 s from +300 s: 1.7 % over the run, 33 % in a 30 s window. */
function run(): string[] {
  const lines: string[] = [];
  for (let t = 0; t < 600_000; t += 100) lines.push(point(T0 + t, t >= 300_000 && t < 310_000 ? 1 : 0));
  return lines;
}

const gates = [
  { id: 'errors per 30s', metric: 'http_req_failed', expression: 'rate<0.2', window: '30s' },
  { id: 'errors overall', metric: 'http_req_failed', expression: 'rate<0.05' },
];

function evaluate(lines: string[], tolerance = 0.01) {
  const ev = createEvaluation({ malformedTolerance: tolerance }, gates);
  const text = `${lines.join('\n')}\n`;
  ev.ingestText(text, 0, text.length, 'k6.ndjson', 1);
  return ev.finish();
}

describe('far-off timestamps', () => {
  it('without one, the 10 s spike fails the 30 s windowed gate (the reference)', () => {
    const r = evaluate(run());
    expect(r.config.bucketWidthMs).toBe(10_000);
    expect(r.gates.map((g) => g.verdict)).toEqual(['fail', 'pass']);
    expect(r.notes).toBeUndefined();
  });

  for (const [what, time, at] of [
    ['1970-01-01T00:00:00Z as the first line', 0, 'first'],
    ['five years ahead as the last line', T0 + 5 * 365 * 86_400_000, 'last'],
    ['1970 in the middle', 0, 'middle'],
  ] as const) {
    it(`one sample at ${what} is left out, named by file:line, and the rest is judged as without it`, () => {
      const lines = run();
      const line = at === 'first' ? 1 : at === 'last' ? lines.length + 1 : 3001;
      lines.splice(line - 1, 0, point(time, 0));
      const r = evaluate(lines);
      // The buckets keep their width; the spike's windows fail the gate as without the sample.
      expect(r.config.bucketWidthMs).toBe(10_000);
      expect(r.gates.map((g) => g.verdict)).toEqual(['fail', 'pass']);
      expect(r.gates[0]!.observed).toBeCloseTo(1 / 3, 6);
      expect(r.totals.points).toBe(6000);
      expect(r.totals.firstTime).toBe(T0);
      expect(r.totals.lastTime).toBe(T0 + 599_900);
      expect(r.totals.malformed).toBe(1);
      expect(r.totals.trusted).toBe(true);
      expect(r.totals.problems).toEqual([{ source: 'k6.ndjson', line, reason: expect.stringMatching(`^http_req_failed: time ${iso(time)} lies far outside the other samples'`) }]);
      expect(r.notes).toEqual([expect.stringMatching(/^1 sample\(s\) lay far outside the run's time range \(first: http_req_failed at /)]);
    });
  }

  it('within the default tolerance of 0 malformed lines, a far-off sample makes the input untrusted (never a silent pass)', () => {
    const lines = run();
    lines.unshift(point(0, 0));
    const r = evaluate(lines, 0);
    expect(r.totals.trusted).toBe(false);
    expect(r.verdict).toBe('fail');
  });

  it('a run that grows steadily is kept whole, however long; a gap of up to an hour (or its own span) too', () => {
    const lines: string[] = [];
    // 30 hours, a sample every minute, then one 20 hours after the last (less than the span so far).
    for (let t = 0; t < 30 * 3_600_000; t += 60_000) lines.push(point(T0 + t, 0));
    lines.push(point(T0 + 50 * 3_600_000, 0));
    // Before the first, by just under the minimum slack.
    lines.push(point(T0 - FAR_OFF_MIN_MS + 1, 0));
    const r = evaluate(lines, 0);
    expect(r.totals.malformed).toBe(0);
    expect(r.totals.points).toBe(lines.length);
  });

  it('a short input (fewer points than the anchor holds) is anchored at the end: the far-off one is still left out', () => {
    const ev = createEvaluation({ malformedTolerance: 0.5 }, [{ metric: 'http_req_failed', expression: 'rate<0.5' }]);
    ev.ingestSample({ metric: 'http_req_failed', time: T0 + 5 * 365 * 86_400_000, value: 1 });
    for (let i = 0; i < 5; i++) ev.ingestSample({ metric: 'http_req_failed', time: T0 + i * 1000, value: 0 });
    const r = ev.finish();
    expect(r.totals.points).toBe(5);
    expect(r.totals.malformed).toBe(1);
    expect(r.gates[0]).toMatchObject({ verdict: 'pass', observed: 0 });
  });
});
