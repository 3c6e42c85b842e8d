// The one percentile definition of every figure chaosgate shows or compares, gates and tables
// alike: k6's (its TrendSink), the value at rank p/100·(n−1) of the sorted samples, linearly
// interpolated between the two neighbouring ranks. Exact on the samples themselves; on an HDR
// histogram the same ranks, each read as the middle of its bucket, the end ranks as the exact
// min and max (within half a bucket: 0.05 % at 3 digits, 0.4 % at 2).
import { BUCKET_SIGNIFICANT_DIGITS, Histogram, SIGNIFICANT_DIGITS } from './histogram.js';

/** The two neighbouring 0-based ranks of p (0..100) among n sorted values, and the fraction between them. */
function ranks(p: number, n: number): { lo: number; hi: number; f: number } {
  const i = (p / 100) * (n - 1);
  const lo = Math.floor(i);
  return { lo, hi: Math.ceil(i), f: i - lo };
}

/** k6's p-th percentile of values sorted ascending (n ≥ 1). */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 1) return sorted[0]!;
  const { lo, hi, f } = ranks(p, sorted.length);
  const j = sorted[lo]!;
  const k = sorted[hi]!;
  return j + (k - j) * f;
}

/** The two ranks percentileOfRanks reads for p among n values. */
export function percentileRanks(p: number, n: number): [number, number] {
  const { lo, hi } = ranks(p, n);
  return [lo, hi];
}

/**
 * k6's p-th percentile among n values from an HDR histogram's rank values (Histogram.rankValues of
 * percentileRanks, recorded as value × `scale`), in the recorded unit: the end ranks are the exact
 * `min` and `max`, and the result is bounded by them.
 */
export function percentileOfRanks(p: number, n: number, [a, b]: readonly number[], min: number, max: number, scale: number): number {
  const { lo, hi, f } = ranks(p, n);
  const rank = (r: number, v: number) => (r === 0 ? min : r === n - 1 ? max : v / scale);
  const j = rank(lo, a!);
  const k = rank(hi, b!);
  return Math.min(max, Math.max(min, j + (k - j) * f));
}

/** k6's p-th percentile of the `hist.count` values an HDR histogram holds (percentileOfRanks). */
export function percentileOfHistogram(hist: Histogram, p: number, min: number, max: number, scale: number): number {
  const n = hist.count;
  return percentileOfRanks(p, n, hist.rankValues(percentileRanks(p, n)), min, max, scale);
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** A histogram in the reports' encoding with the exact extremes of what it holds. */
export interface EncodedHistogram {
  /** Compressed base64 (a series' `histogram.data`, a time bucket's `histogram`). */
  data: string;
  /** Recorded integer = round(value × scale). */
  scale: number;
  /** Its significant digits: a series' 3, a time bucket's 2 (BUCKET_SIGNIFICANT_DIGITS). */
  digits: number;
  min: number;
  max: number;
}

/**
 * Merges histograms (all recorded with the same scale) and reads p50/p95/p99 in the recorded unit
 * by k6's definition (percentileOfHistogram), as a gate reads the same samples past the exact-value
 * budget or over time buckets; null when they hold no value. Merged into a created (auto-resizing)
 * histogram of their digits, as a gate merges them: a decoded one cannot take values beyond its range.
 */
export function mergedPercentiles(parts: readonly EncodedHistogram[]): Percentiles | null {
  if (parts.length === 0) return null;
  const merged = Histogram.create(parts.every((e) => e.digits === BUCKET_SIGNIFICANT_DIGITS) ? BUCKET_SIGNIFICANT_DIGITS : SIGNIFICANT_DIGITS);
  try {
    let min = Infinity;
    let max = -Infinity;
    for (const e of parts) {
      merged.mergeEncoded(e.data);
      if (e.min < min) min = e.min;
      if (e.max > max) max = e.max;
    }
    if (merged.count === 0) return null;
    const scale = parts[0]!.scale;
    const p = (q: number) => percentileOfHistogram(merged, q, min, max, scale);
    return { p50: p(50), p95: p(95), p99: p(99) };
  } finally {
    merged.destroy();
  }
}
