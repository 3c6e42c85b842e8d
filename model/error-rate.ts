// The one meaning of "error rate" in chaosgate. The `chaosgate_error_rate` gate, the phase table,
// recovery, the error budget, drift, the per-service summaries and the HTML report all count and
// divide here:
//
//   error rate = (failed requests + dropped iterations) / (requests + dropped iterations)
//
// Requests and their failures are the samples of k6's `http_req_failed` (one per HTTP request,
// 1 = failed); dropped iterations are the sum of `dropped_iterations`, each an attempt k6 could not
// even start, so overload is not hidden. `http_reqs` is not read: it counts the same requests, but
// a gate keeps only its own metrics apart from the series cap's overflow.
import type { SeriesReport, TimeBucket } from './report.js';

/** The virtual metric a gate names to judge the error rate. */
export const ERROR_RATE_METRIC = 'chaosgate_error_rate';
export const FAILED_METRIC = 'http_req_failed';
export const DROPPED_METRIC = 'dropped_iterations';
/** The metrics the error rate is computed from. */
export const ERROR_RATE_SOURCES: readonly string[] = [FAILED_METRIC, DROPPED_METRIC];

/** What an error rate is computed from. */
export interface ErrorCounts {
  /** `http_req_failed` samples: HTTP requests made. */
  requests: number;
  /** `http_req_failed` samples with value 1. */
  failed: number;
  /** Sum of `dropped_iterations`. */
  dropped: number;
}

export function noErrorCounts(): ErrorCounts {
  return { requests: 0, failed: 0, dropped: 0 };
}

/** Samples of one metric as a Bag, a report series or a time bucket holds them. */
export interface SampleStats {
  count: number;
  /** Samples with a non-zero value (a rate's passes). */
  nonzero: number;
  sum: number;
}

/** Adds samples of `metric` to `into`; samples of any other metric are ignored. */
export function addErrorSamples(into: ErrorCounts, metric: string, s: SampleStats): void {
  if (metric === FAILED_METRIC) {
    into.requests += s.count;
    into.failed += s.nonzero;
  } else if (metric === DROPPED_METRIC) {
    into.dropped += s.sum;
  }
}

export function seriesStats(s: SeriesReport): SampleStats {
  return { count: s.count, nonzero: s.rate?.passes ?? 0, sum: s.counter?.sum ?? s.trend?.sum ?? 0 };
}

export function bucketStats(b: TimeBucket): SampleStats {
  return { count: b.count, nonzero: b.passes ?? 0, sum: b.sum };
}

/** The errors the rate counts: failed requests plus dropped iterations. */
export function errorCount(c: ErrorCounts): number {
  return c.failed + c.dropped;
}

/** The error rate of `c`; null when there was nothing to count. */
export function errorRate(c: ErrorCounts): number | null {
  const attempts = c.requests + c.dropped;
  return attempts > 0 ? (c.failed + c.dropped) / attempts : null;
}

/**
 * Does a series of `metric` with `tags` count towards an error rate filtered by `filter`?
 * `dropped_iterations` carries only scenario-level tags (no url, name or service): it is matched
 * on the filter's tags it has, so an iteration k6 could not start counts against every filter.
 */
export function errorSourceMatches(metric: string, tags: Record<string, string>, filter: Record<string, string>): boolean {
  if (!ERROR_RATE_SOURCES.includes(metric)) return false;
  for (const [k, v] of Object.entries(filter)) {
    if (metric === DROPPED_METRIC && !(k in tags)) continue;
    if (tags[k] !== v) return false;
  }
  return true;
}

/** The error counts of the report series matching `filter` (see errorSourceMatches). */
export function errorCountsOf(series: readonly SeriesReport[], filter: Record<string, string> = {}): ErrorCounts {
  const c = noErrorCounts();
  for (const s of series) if (errorSourceMatches(s.metric, s.tags, filter)) addErrorSamples(c, s.metric, seriesStats(s));
  return c;
}
