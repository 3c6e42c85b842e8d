// The latency figures of the report's tables (phase, service, endpoint, comparison) by group. The
// tables read the report model alone, which keeps each series' histogram but not its samples, so a
// p95 merged from several series' histograms could differ (within 0.05 %) from a gate's over the
// same samples, which are exact within the exact-value budget. The evaluator therefore computes
// each group's percentiles from the samples as a gate does (evaluator/latency-groups.ts), and the
// tables read them here: one p95 for one set of samples in one report.
import { BUCKET_SIGNIFICANT_DIGITS } from './histogram.js';
import { mergedPercentiles, type EncodedHistogram, type Percentiles } from './percentile.js';
import { LATENCY_METRIC } from './metric-names.js';
import type { LatencyGroup, ReportModel, SeriesReport, TimeBucket } from './report.js';

/** The latency the tables show: expected responses, as k6 judges them by default. */
export function isExpectedLatency(metric: string, tags: Record<string, string>): boolean {
  return metric === LATENCY_METRIC && tags.expected_response !== 'false';
}

/** The tag sets a group is keyed by (each sorted): the whole run, per phase, service, name, and their pairs the tables show. */
export const LATENCY_GROUP_KEYS: readonly (readonly string[])[] = [[], ['phase'], ['service'], ['phase', 'service'], ['name'], ['name', 'phase']];

/** A group's id: its tags in key order. */
export function latencyGroupId(tags: Record<string, string>): string {
  return JSON.stringify(
    Object.keys(tags)
      .sort()
      .map((k) => [k, tags[k]]),
  );
}

/** Latency series (those with a histogram) with every tag of `group` as given. */
export function inLatencyGroup(s: SeriesReport, group: Record<string, string>): boolean {
  return isExpectedLatency(s.metric, s.tags) && !!s.histogram && Object.entries(group).every(([k, v]) => s.tags[k] === v);
}

const indexed = new WeakMap<readonly LatencyGroup[], Map<string, LatencyGroup>>();

/**
 * k6's p50/p95/p99 of the expected responses with the tags of `group`; null without any. From the
 * report's latency groups when it has them; else (an older report, a tag set not grouped) from the
 * series' histograms merged, by the same definition (within 0.05 %).
 */
export function groupLatency(report: ReportModel, group: Record<string, string>): Percentiles | null {
  const keys = Object.keys(group).sort().join(',');
  if (report.latency && LATENCY_GROUP_KEYS.some((k) => k.join(',') === keys)) {
    let byId = indexed.get(report.latency);
    if (!byId) indexed.set(report.latency, (byId = new Map(report.latency.map((g) => [latencyGroupId(g.tags), g]))));
    const g = byId.get(latencyGroupId(group));
    return g ? { p50: g.p50, p95: g.p95, p99: g.p99 } : null;
  }
  return mergedPercentiles(report.series.filter((s) => inLatencyGroup(s, group)).map(seriesHistogram));
}

/** A series' whole-run histogram with its exact extremes, for mergedPercentiles. */
export function seriesHistogram(s: SeriesReport): EncodedHistogram {
  return { data: s.histogram!.data, scale: s.histogram!.scale, digits: s.histogram!.significantDigits, min: s.trend?.min ?? Infinity, max: s.trend?.max ?? -Infinity };
}

/** A time bucket's histogram (2 digits) with its exact extremes, for mergedPercentiles. */
export function bucketHistogram(s: SeriesReport, b: TimeBucket): EncodedHistogram {
  return { data: b.histogram!, scale: s.histogram!.scale, digits: BUCKET_SIGNIFICANT_DIGITS, min: b.min, max: b.max };
}
