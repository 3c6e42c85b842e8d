import { describe, expect, it } from 'vitest';
import { bucketWidthAdvice, fittingBucketMs } from './bucket-width.js';

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
