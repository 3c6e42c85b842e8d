// Metrics no sample carries, which a gate names like any other (`chaosgate_error_rate{service:api}`):
// each entry says which metrics it is computed from, which of their series count towards it under
// a tag filter, how its figure is computed from them, and its line in the reference. The gates, the
// unproducible-metric check and docs/reference/kinds.md read this; a new one is one entry here.
import { addErrorSamples, ERROR_RATE_METRIC, ERROR_RATE_SOURCES, errorRate, errorSourceMatches, noErrorCounts } from '../model/error-rate.js';
import type { Bag } from './series.js';

export interface DerivedMetric {
  /** Its line in the reference. */
  doc: string;
  /** How a gate on it is written (the reference). */
  example: string;
  /** The metrics it is computed from (a gate on it keeps them apart from the series cap's overflow). */
  sources: readonly string[];
  /** Does a series of `metric` with `tags` count towards it under the gate's tag `filter`? */
  matches(metric: string, tags: Record<string, string>, filter: Record<string, string>): boolean;
  /** Its figure from the selected samples, one merged bag per source metric; null: nothing to count. Any aggregate reads it. */
  compute(bags: ReadonlyMap<string, Bag>): number | null;
}

export const derivedMetrics = {
  [ERROR_RATE_METRIC]: {
    doc: '(failed requests + `dropped_iterations`) / (requests + `dropped_iterations`): requests and failures are the samples of `http_req_failed`; `dropped_iterations` (scenario tags only) matches a tag filter on the tags it has (model/error-rate.ts)',
    example: '`chaosgate_error_rate{service:api}` `rate<0.05`',
    sources: ERROR_RATE_SOURCES,
    matches: errorSourceMatches,
    compute(bags) {
      const counts = noErrorCounts();
      for (const [metric, bag] of bags) addErrorSamples(counts, metric, bag);
      return errorRate(counts);
    },
  },
} satisfies Record<string, DerivedMetric>;

export type DerivedMetricName = keyof typeof derivedMetrics;

/** The derived metric `name`, or undefined for a metric samples carry. */
export function derivedMetric(name: string): DerivedMetric | undefined {
  return Object.hasOwn(derivedMetrics, name) ? derivedMetrics[name as DerivedMetricName] : undefined;
}
