import { describe, expect, it } from 'vitest';
import { Histogram, liveHistograms, mergedPercentiles } from './histogram.js';

function encoded(values: number[]): string {
  const h = Histogram.create();
  for (const v of values) h.record(v);
  const out = h.encode();
  h.destroy();
  return out;
}

describe('mergedPercentiles', () => {
  it("reads p50/p95/p99 of the union of encoded histograms, in the recorded unit, beyond the first one's range, and leaks none", () => {
    const before = liveHistograms();
    // 90 values of 10 ms and 10 of 5 000 ms (µs recorded, scale 1000): the second far beyond the first's range.
    const fast = encoded(Array.from({ length: 90 }, () => 10_000));
    const slow = encoded(Array.from({ length: 10 }, () => 5_000_000));
    const p = mergedPercentiles([
      { data: fast, scale: 1000 },
      { data: slow, scale: 1000 },
    ])!;
    expect(p.p50 / 10).toBeCloseTo(1, 2);
    expect(p.p95 / 5000).toBeCloseTo(1, 2);
    expect(p.p99 / 5000).toBeCloseTo(1, 2);
    expect(mergedPercentiles([])).toBeNull();
    expect(mergedPercentiles([{ data: encoded([]), scale: 1000 }])).toBeNull();
    expect(liveHistograms()).toBe(before);
  });

  it('mergeEncoded adds an encoded histogram into a live one', () => {
    const h = Histogram.create();
    h.record(1);
    h.mergeEncoded(encoded([2, 3]));
    expect(h.count).toBe(3);
    h.destroy();
  });
});
