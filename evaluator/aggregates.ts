// The aggregates a gate's expression can name (`p(95)<500`), one entry each: how it is written, the
// metric kinds it is meant for, how it is computed from a series' stats, and its line in the
// reference. The threshold parser accepts exactly these, the gates compute them, and
// docs/reference/kinds.md lists them; a new aggregate is one entry here.
import type { MetricKindInfo } from '../model/k6-metrics.js';
import type { MetricKind } from '../model/report.js';
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
  /** The metric kinds k6 allows it on (the reference; chaosgate computes it on any kind). */
  appliesTo: readonly MetricKind[];
  /** Its line in the reference. */
  doc: string;
  /** Reads the series' HDR histogram: a windowed gate on it keeps a histogram per time bucket. */
  histogram?: boolean;
  /** A figure even without samples (a count of nothing is 0); the others are then "no samples". */
  definedWithoutSamples?: boolean;
  compute(bag: Bag, input: AggregateInput): number | null;
}

/** The percentile of a bag's histogram, bounded by its exact min and max. */
function percentileOf(bag: Bag, p: number): number | null {
  if (!bag.hist) return null;
  // A bucket's highest equivalent value may pass the exact max: bound it.
  return Math.min(bag.max, Math.max(bag.min, bag.hist.percentile(p) / HISTOGRAM_SCALE));
}

/** In the order the threshold error message lists them. */
export const aggregates = {
  avg: {
    word: 'avg',
    appliesTo: ['trend'],
    doc: 'the mean of the samples',
    compute: (b) => b.sum / b.count,
  },
  min: { word: 'min', appliesTo: ['trend'], doc: 'the smallest sample', compute: (b) => b.min },
  max: { word: 'max', appliesTo: ['trend'], doc: 'the largest sample', compute: (b) => b.max },
  med: {
    word: 'med',
    appliesTo: ['trend'],
    doc: 'the median, from the HDR histogram (as p(50))',
    histogram: true,
    compute: (b) => percentileOf(b, 50),
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
    doc: "a rate metric's fraction of non-zero samples; a counter's sum per second over the samples' span (or the window)",
    compute(b, { kind, durationMs }) {
      if (kind?.kind === 'counter') return durationMs > 0 ? b.sum / (durationMs / 1000) : null;
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
    doc: 'the N-th percentile (0..100, decimals allowed), from the HDR histogram, bounded by the exact min and max',
    histogram: true,
    compute: (b, { argument }) => percentileOf(b, argument!),
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
