import { describe, expect, it } from 'vitest';
import { BUCKET_SIGNIFICANT_DIGITS, Histogram, liveHistograms } from './histogram.js';
import { mergedPercentiles, percentileOfSorted, type EncodedHistogram } from './percentile.js';

const SCALE = 1e6;

/** Values (ms) recorded as the evaluator records them (× 1e6), encoded with their extremes. */
function part(values: number[], digits: 2 | 3 = 3): EncodedHistogram {
  const h = Histogram.create(digits);
  for (const v of values) h.record(Math.round(v * SCALE));
  const data = h.encode();
  h.destroy();
  return { data, scale: SCALE, digits, min: Math.min(...values), max: Math.max(...values) };
}

const k6 = (values: number[], p: number) =>
  percentileOfSorted(
    [...values].sort((a, b) => a - b),
    p,
  );

describe('percentileOfSorted (k6 TrendSink)', () => {
  it("interpolates at rank p·(n−1): k6's format table (0..100 → p(90) 91, p(95) 95.5, p(99) 99.1)", () => {
    const v = [0, 100, 30, 80, 70, 60, 50, 40, 90, 20];
    expect(k6(v, 50)).toBe(55);
    expect(k6(v, 90)).toBeCloseTo(91, 12);
    expect(k6(v, 95)).toBeCloseTo(95.5, 12);
    expect(k6(v, 99)).toBeCloseTo(99.1, 12);
    expect(k6([7], 95)).toBe(7);
  });
});

describe('mergedPercentiles: k6 definition on merged histograms', () => {
  it('interpolates between ranks (HDR would read the value at the percentile): two parts of one value each', () => {
    // k6: p50 of [5, 10] is 7.5, p95 9.75; HDR's own definition reads 5 and 10.
    const p = mergedPercentiles([part([5]), part([10])])!;
    expect(p.p50).toBe(7.5);
    expect(p.p95).toBe(5 + 5 * 0.95);
    expect(p.p99).toBe(5 + 5 * 0.99);
  });

  it("is within half a bucket of k6's exact figure over the union, beyond the first part's range, and leaks none", () => {
    const before = liveHistograms();
    let x = 12345;
    const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 400 + 1;
    const a = Array.from({ length: 900 }, rnd);
    const b = Array.from({ length: 100 }, () => 5000 + rnd());
    const all = [...a, ...b];
    for (const digits of [3, BUCKET_SIGNIFICANT_DIGITS] as const) {
      const p = mergedPercentiles([part(a, digits), part(b, digits)])!;
      const band = digits === 3 ? 2 ** -11 : 2 ** -8;
      for (const [got, q] of [
        [p.p50, 50],
        [p.p95, 95],
        [p.p99, 99],
      ] as const) {
        const want = k6(all, q);
        expect(Math.abs(got - want) / want).toBeLessThanOrEqual(band);
      }
    }
    expect(mergedPercentiles([])).toBeNull();
    expect(mergedPercentiles([{ ...part([1]), data: part([]).data }])).toBeNull();
    expect(liveHistograms()).toBe(before);
  });
});
