// The aggregates a gate's expression can name (`p(95)<500`), one entry each: how it is written, the
// metric kinds it is meant for, how it is computed from a series' stats, and its line in the
// reference. The threshold parser accepts exactly these, the gates compute them, and
// docs/reference/kinds.md lists them; a new aggregate is one entry here.
import type { MetricKindInfo } from '../model/k6-metrics.js';
import type { MetricKind } from '../model/report.js';
import { percentileOfHistogram, percentileOfSorted } from '../model/percentile.js';
import { HISTOGRAM_SCALE, type Bag } from './series.js';

export interface AggregateInput {
  /** The declared kind of the metric, if known. */
  kind: MetricKindInfo | undefined;
  /** The time the samples span (the window, or first to last sample). */
  durationMs: number;
  /** The argument of an aggregate written with one, e.g. p(N)'s N. */
  argument: number | undefined;
}

export interface AggregateDef {
  /** The word in a threshold: `avg`, or `p` written `p(N)`. */
  word: string;
  /** Written with a numeric argument in parentheses; `check` says why one is not allowed. */
  argument?: { name: string; check(value: number, raw: string): string | null };
  /** The metric kinds k6 allows it on: on a k6 metric of another kind it is refused, as k6 refuses it (evaluation.ts kindProblem). */
  appliesTo: readonly MetricKind[];
  /** Its line in the reference. */
  doc: string;
  /** Reads the series' HDR histogram: a windowed gate on it keeps a histogram per time bucket. */
  histogram?: boolean;
  /** A figure even without samples (a count of nothing is 0); the others are then "no samples". */
  definedWithoutSamples?: boolean;
  compute(bag: Bag, input: AggregateInput): number | null;
}

/** The exact values of a bag's parts, sorted ascending (cached on the bag for its other percentiles). */
const sortedCache = new WeakMap<Bag, Float64Array>();
function sortedExact(bag: Bag): Float64Array {
  let sorted = sortedCache.get(bag);
  if (sorted === undefined) {
    const parts = bag.exact!;
    sorted = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      sorted.set(p.values(), at);
      at += p.length;
    }
    sorted.sort();
    sortedCache.set(bag, sorted);
  }
  return sorted;
}

/**
 * k6's percentile (its TrendSink; model/percentile.ts, the definition the report's tables use
 * too): the value at rank p·(n−1) of the sorted samples, linearly interpolated between the two
 * neighbouring ranks. Exact while the bag's values are kept (the
 * exact-value budget, series.ts); past it the same definition on the HDR histogram, each rank read
 * as the middle of its bucket (within 0.05 %), bounded by the exact min and max. Null without a
 * histogram, or when values the histogram could not take (negative, above ~9e9) are not kept.
 */
export function trendPercentile(bag: Bag, p: number): number | null {
  if (bag.count === 0) return null;
  if (bag.exact !== null) return percentileOfSorted(sortedExact(bag), p);
  if (!bag.hist || bag.histIncomplete || bag.hist.count !== bag.count) return null;
  return percentileOfHistogram(bag.hist, p, bag.min, bag.max, HISTOGRAM_SCALE);
}

/** The mean: with the exact values, their sum in arrival order (k6's order) over the count. */
export function trendMean(bag: Bag): number {
  const parts = bag.exact;
  if (parts === null) return bag.sum / bag.count;
  let sum = 0;
  if (parts.length === 1) {
    for (const v of parts[0]!.values()) sum += v;
  } else {
    // Several series: their values interleaved back into arrival order.
    const order: Array<[number, number]> = [];
    for (const p of parts) {
      const values = p.values();
      const seqs = p.seqs();
      for (let i = 0; i < p.length; i++) order.push([seqs[i]!, values[i]!]);
    }
    order.sort((x, y) => x[0] - y[0]);
    for (const [, v] of order) sum += v;
  }
  return sum / bag.count;
}

/**
 * Seconds as k6 computes them from its nanosecond duration (ns / 1e9): the milliseconds are taken
 * back to whole nanoseconds first, so a rate divides exactly as k6's does.
 */
export function durationSeconds(ms: number): number {
  return Math.round(ms * 1e6) / 1e9;
}

/** Is the bag's percentile read from its HDR histogram (within 0.1 %) rather than its exact values? */
export function fromHistogram(bag: Bag): boolean {
  return bag.exact === null;
}

/** In the order the threshold error message lists them. */
export const aggregates = {
  avg: {
    word: 'avg',
    appliesTo: ['trend'],
    doc: 'the mean of the samples (with the exact values: summed in arrival order, as k6 sums)',
    compute: (b) => trendMean(b),
  },
  min: { word: 'min', appliesTo: ['trend'], doc: 'the smallest sample', compute: (b) => b.min },
  max: { word: 'max', appliesTo: ['trend'], doc: 'the largest sample', compute: (b) => b.max },
  med: {
    word: 'med',
    appliesTo: ['trend'],
    doc: "the median: k6's p(50) (see p(N))",
    histogram: true,
    compute: (b) => trendPercentile(b, 50),
  },
  count: {
    word: 'count',
    appliesTo: ['counter'],
    doc: "a counter's sum (on another kind: the number of samples); 0 without samples",
    definedWithoutSamples: true,
    compute: (b, { kind }) => (kind?.kind === 'counter' ? b.sum : b.count),
  },
  rate: {
    word: 'rate',
    appliesTo: ['counter', 'rate'],
    doc: "a rate metric's fraction of non-zero samples; a counter's sum per second of the test's duration, as k6 divides (k6's duration when given, else the whole input's first-to-last sample span; a window's length in a windowed gate)",
    compute(b, { kind, durationMs }) {
      if (kind?.kind === 'counter') return durationMs > 0 ? b.sum / durationSeconds(durationMs) : null;
      return b.nonzero / b.count;
    },
  },
  value: { word: 'value', appliesTo: ['gauge'], doc: 'the last sample by time', compute: (b) => b.last },
  percentile: {
    word: 'p',
    argument: {
      name: 'N',
      check: (p, raw) => (p >= 0 && p <= 100 ? null : `percentile ${raw} is not within 0..100`),
    },
    appliesTo: ['trend'],
    doc: 'the N-th percentile (0..100) as k6 defines it: linear interpolation at rank N/100·(n−1) of the sorted samples; exact within the exact-value budget, else on the HDR histogram (within 0.1 %)',
    histogram: true,
    compute: (b, { argument }) => trendPercentile(b, argument!),
  },
} satisfies Record<string, AggregateDef>;

export type AggregateName = keyof typeof aggregates;

/** How an aggregate is written: `avg`, `p(N)`. */
export function aggregateSyntax(a: AggregateDef): string {
  return a.argument ? `${a.word}(${a.argument.name})` : a.word;
}

export function isAggregateName(name: string): name is AggregateName {
  return Object.hasOwn(aggregates, name);
}
