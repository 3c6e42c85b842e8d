// The report's phases as spans of its timeline, and which span a time bucket belongs to: shared by
// the phase analysis and the HTML report, so both cut a run the same way.
import type { ReportModel } from './report.js';

export interface Span {
  name: string;
  tag: string;
  start: number;
  end: number;
}

/**
 * The evaluator's phase segments as rows of the timeline, in time order. Every recovery span is
 * named for the fault(s) whose end began it (`recovery:<id>`), since all of them share one tag.
 */
export function timelineSpans(report: ReportModel): Span[] {
  const lastTime = report.totals.lastTime ?? 0;
  const sorted = [...report.phases].sort((a, b) => a.start - b.start);
  return sorted.map((p, i) => {
    const before = sorted[i - 1]?.name;
    const name = p.name === 'recovery' && before?.startsWith('fault:') ? `recovery:${before.slice('fault:'.length)}` : p.name;
    return { name, tag: p.name, start: p.start, end: Math.max(p.start, p.end ?? lastTime) };
  });
}

/**
 * Which of `spans` (all with one tag) a bucket [start, end) of a series with that tag belongs to:
 * the one it overlaps most. The bucket's samples carry the tag, so they lie inside these spans;
 * only a span between two of them shorter than one bucket leaves a bucket overlapping both.
 */
export function owningSpan(spans: Span[], start: number, end: number): Span | undefined {
  let best: Span | undefined;
  let bestOverlap = -Infinity;
  for (const sp of spans) {
    // Negative: the distance to a span the bucket misses (a zero-length span's samples).
    const overlap = Math.min(end, sp.end) - Math.max(start, sp.start);
    if (overlap > bestOverlap) {
      best = sp;
      bestOverlap = overlap;
    }
  }
  return best;
}
