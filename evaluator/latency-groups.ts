// The report's latency groups (model/latency-groups.ts): k6's p50/p95/p99 of the expected
// responses per group the tables show, from the series' exact values as a gate merges and reads
// them (Bag.absorb, trendPercentile), so a table's p95 and a gate's over the same samples are the
// same number.
import { isExpectedLatency, LATENCY_GROUP_KEYS } from '../model/latency-groups.js';
import type { LatencyGroup } from '../model/report.js';
import { trendPercentile } from './aggregates.js';
import { Bag, HISTOGRAM_SCALE, type Series } from './series.js';

export function latencyGroups(series: readonly Series[]): LatencyGroup[] {
  // Whole-run stats once per series (their histograms lent, never destroyed here).
  const latency = series.filter((s) => s.hist !== null && isExpectedLatency(s.metric, s.tags)).map((s) => ({ tags: s.tags, bag: s.summary() }));
  const out: LatencyGroup[] = [];
  for (const keys of LATENCY_GROUP_KEYS) {
    const groups = new Map<string, { tags: Record<string, string>; bags: Bag[] }>();
    for (const { tags, bag } of latency) {
      if (bag.count === 0 || !keys.every((k) => tags[k] !== undefined)) continue;
      const group = Object.fromEntries(keys.map((k) => [k, tags[k]!]));
      const id = JSON.stringify(keys.map((k) => tags[k]));
      const g = groups.get(id) ?? { tags: group, bags: [] };
      g.bags.push(bag);
      groups.set(id, g);
    }
    // In tag order, so that a merge of states and one evaluation of the same samples list them alike.
    for (const [, { tags, bags }] of [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      // As a gate merges them (gates.ts mergeBags); with every value exact, without the histograms,
      // which the exact figures do not read (thousands of merges saved on a run of many series).
      const exact = bags.every((b) => b.exact !== null);
      const m = new Bag();
      for (const b of bags) {
        const h = b.hist;
        if (exact) b.hist = null;
        m.absorb(b);
        b.hist = h;
      }
      try {
        // Values the histogram could not hold, past the budget: what it holds, bounded by min and max (as the series' own figures).
        const p = (q: number) => trendPercentile(m, q) ?? Math.min(m.max, Math.max(m.min, m.hist!.percentile(q) / HISTOGRAM_SCALE));
        out.push({ tags, count: m.count, p50: p(50), p95: p(95), p99: p(99), exact: m.exact !== null });
      } finally {
        m.destroy();
      }
    }
  }
  return out;
}
