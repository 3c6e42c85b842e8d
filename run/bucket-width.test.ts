import { describe, expect, it } from 'vitest';
import { bucketWidthAdvice, fittingBucketMs, runBucketWidth } from './bucket-width.js';

describe('bucket width advice', () => {
  it('a one-minute run with faults at the 10 s default is told to use 1s; a 2 h soak, a run without faults and one at 1 s are not', () => {
    const plan = [{ id: 'slow', duration: '15s' }];
    expect(bucketWidthAdvice(10_000, 60_000, plan)).toBe(
      'time buckets of 10 s do not fit this run (a planned 60 s in 10 s buckets): recovery windows and fault spans mix in requests from around them; set evaluate.bucketWidth to 1s',
    );
    expect(bucketWidthAdvice(10_000, 7_200_000, plan)).toBeNull();
    expect(bucketWidthAdvice(10_000, 60_000, [])).toBeNull();
    expect(bucketWidthAdvice(1000, 60_000, plan)).toBeNull();
  });

  it('a fault shorter than a bucket is named, and the width fits it', () => {
    const advice = bucketWidthAdvice(10_000, 1_200_000, [
      { id: 'blip', duration: '5s' },
      { id: 'long', duration: '2m' },
    ]);
    expect(advice).toContain('fault(s) blip (5 s) shorter than a bucket');
    expect(advice).toMatch(/set evaluate\.bucketWidth to 5s$/);
    expect(fittingBucketMs(null, [2500])).toBe(2000);
    expect(fittingBucketMs(600_000, [])).toBe(10_000);
  });
});

describe('the run picks the bucket width for `auto`', () => {
  it('fits the planned length (60 buckets) and the shortest fault, in whole seconds from 1 to 10 s', () => {
    expect(runBucketWidth('auto', 60_000, [{ id: 'slow', duration: '15s' }])).toEqual({
      ms: 1000,
      picked: 'auto: 1 s, picked by the run (at least 60 buckets over the planned 60 s (k6 inspect); no wider than the shortest fault slow (15 s); whole seconds, 1 to 10 s)',
    });
    expect(runBucketWidth('auto', 300_000, [{ id: 'blip', duration: 3000 }]).ms).toBe(3000);
    expect(runBucketWidth('auto', 300_000, []).ms).toBe(5000);
    // Never wider than the 10 s it was before `auto`: a 2 h soak keeps 10 s buckets.
    expect(runBucketWidth('auto', 7_200_000, []).ms).toBe(10_000);
    expect(runBucketWidth('auto', null, [])).toEqual({ ms: 10_000, picked: 'auto: 10 s, picked by the run (the planned length unknown; whole seconds, 1 to 10 s)' });
    expect(runBucketWidth('auto', null, [{ id: 'f', duration: '4s' }]).ms).toBe(4000);
  });

  it('narrows to a width that divides every gate window, so a window is judged over its own length', () => {
    // 5 min → 5 s fits; a 1m window is whole 5 s buckets, a 15s window too.
    expect(runBucketWidth('auto', 300_000, [], [60_000, 15_000]).ms).toBe(5000);
    // 7 min → 7 s fits; a 10 s window is not whole 7 s buckets: 5 s is the widest divisor.
    const w = runBucketWidth('auto', 420_000, [], [10_000]);
    expect(w.ms).toBe(5000);
    expect(w.picked).toContain('dividing every gate window (10 s)');
    // A 1500ms window has no whole-second divisor: 1 s (the gate's message then says so).
    expect(runBucketWidth('auto', 420_000, [], [1500]).ms).toBe(1000);
    // A set width is kept.
    expect(runBucketWidth('7s', 420_000, [], [10_000]).ms).toBe(7000);
  });

  it('keeps a width that is set; a fault shorter than 1 s gets a note', () => {
    expect(runBucketWidth('10s', 60_000, [{ id: 'slow', duration: '15s' }])).toEqual({ ms: 10_000 });
    expect(runBucketWidth('1500ms', 60_000, [])).toEqual({ ms: 1500 });
    const short = runBucketWidth('auto', 60_000, [{ id: 'blip', duration: '500ms' }]);
    expect(short.ms).toBe(1000);
    expect(short.note).toBe(
      'fault(s) blip (0.5 s) shorter than the narrowest time bucket (1 s): their bucketed figures (fault span, recovery windows) mix in requests from around them; each recovery says so',
    );
  });
});
