// Drift gates (metric `drift(<metric>)`): within one run, the slope per hour of the metric's figure per
// window (p95 of a trend, the rate of a rate or of chaosgate_error_rate), or the whole run against the
// baseline report in percent. Judged beside every other gate, from the same series and buckets.
import type { MetricKindInfo } from '../model/k6-metrics.js';
import type { GateDrift, GateResult, Verdict } from '../model/report.js';
import { aggregates } from './aggregates.js';
import { derivedMetric } from './derived-metrics.js';
import {
  bagFromReport,
  bucketStartRange,
  destroyAll,
  fmt,
  gateFields,
  mergeBags,
  missingBaselineResult,
  select,
  sourceMetrics,
  spanOf,
  tagsMatch,
  baselineFigure,
  usableBaseline,
  wholeBucketsMs,
  type CompiledGate,
  type GateContext,
} from './gates.js';
import type { Bag } from './series.js';
import { compare, type DriftThreshold, type MetricRef } from './thresholds.js';

/** Fewer windows than this with samples: no slope to judge (two points always lie on a line). */
export const MIN_DRIFT_WINDOWS = 3;

const HOUR_MS = 3_600_000;

type Figure = 'p95' | 'rate' | 'rate per second' | 'mean';

function figureOf(ref: MetricRef, kind: MetricKindInfo | undefined): Figure {
  if (derivedMetric(ref.metric)) return 'rate';
  switch (kind?.kind) {
    case 'rate':
      return 'rate';
    case 'counter':
      return 'rate per second';
    case 'gauge':
      return 'mean';
    default:
      return 'p95';
  }
}

/** The figure of merged bags (one per source metric), or null when there is nothing to compute it from. */
function figureValue(figure: Figure, ref: MetricRef, kind: MetricKindInfo | undefined, bags: Map<string, Bag>, durationMs: number): number | null {
  const derived = derivedMetric(ref.metric);
  if (derived) return derived.compute(bags);
  const bag = bags.get(ref.metric)!;
  if (bag.count === 0) return null;
  if (figure === 'p95') return aggregates.percentile.compute(bag, { kind, durationMs, argument: 95 });
  if (figure === 'rate' || figure === 'rate per second') return aggregates.rate.compute(bag, { kind, durationMs, argument: undefined });
  return bag.sum / bag.count;
}

/** Least-squares slope of the points per hour; null below two distinct times. */
export function slopePerHour(points: readonly { start: number; value: number }[]): number | null {
  if (points.length < 2) return null;
  const xs = points.map((p) => (p.start - points[0]!.start) / HOUR_MS);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = points.reduce((a, p) => a + p.value, 0) / points.length;
  let num = 0;
  let den = 0;
  points.forEach((p, i) => {
    num += (xs[i]! - mx) * (p.value - my);
    den += (xs[i]! - mx) ** 2;
  });
  return den === 0 ? null : num / den;
}

/** A figure as the message shows it: ms for p95, percent for rates. */
function show(figure: Figure, v: number, perHour = false): string {
  const unit = perHour ? '/h' : '';
  if (figure === 'p95') return `${fmt(v)} ms${unit}`;
  if (figure === 'rate') return `${fmt(v * 100)} %${perHour ? ' points/h' : ''}`;
  return `${fmt(v)}${unit}`;
}

export function judgeDriftGate(gate: CompiledGate, drift: DriftThreshold, ctx: GateContext): GateResult {
  const started = performance.now();
  const cfg = gate.config;
  const kind = ctx.kindOf(gate.ref.metric);
  const figure = figureOf(gate.ref, kind);
  const sel = select(ctx, gate.ref, cfg.phase);

  // Consecutive windows of whole buckets from the first bucket; a last window the run ended inside is left out.
  const width = ctx.bucketWidthMs;
  const windowMs = wholeBucketsMs(gate.windowMs!, width);
  const { minStart, maxStart } = bucketStartRange(sel);
  const windowCount = minStart === Infinity ? 0 : Math.floor((maxStart + width - minStart) / windowMs);
  const points: { start: number; value: number }[] = [];
  for (let w = 0; w < windowCount; w++) {
    const ws = minStart + w * windowMs;
    const lists = new Map<string, Bag[]>();
    for (const [m, list] of sel.perMetric) {
      const bags: Bag[] = [];
      for (const s of list) {
        for (let t = ws; t < ws + windowMs; t += width) {
          const b = s.buckets.get(t);
          if (b) bags.push(b);
        }
      }
      lists.set(m, bags);
    }
    const bags = mergeBags(lists);
    const value = figureValue(figure, gate.ref, kind, bags, windowMs);
    destroyAll(bags);
    if (value !== null) points.push({ start: ws, value });
  }

  const whole = mergeBags(new Map([...sel.perMetric].map(([m, list]) => [m, list.map((s) => s.summary())])));
  const current = figureValue(figure, gate.ref, kind, whole, spanOf(whole));
  destroyAll(whole);

  const slope = slopePerHour(points);
  const where = `${cfg.metric}${cfg.phase ? ` in phase ${cfg.phase}` : ''}`;
  const details: GateDrift = { measure: drift.measure, figure, windowMs, points, slopePerHour: slope, current, baseline: null };
  let observed: number | null = null;
  let verdict: Verdict;
  let message: string;
  let baselineSource: string | null = null;
  let skipped = false;
  const expr = drift.source.replace(/\s+/g, '');
  const overflowed = sourceMetrics(gate.ref).filter((m) => ctx.series.some((s) => s.overflow && s.metric === m && s.buckets.size > 0));
  if (overflowed.length > 0) {
    verdict = 'fail';
    message = `${where}: series of ${overflowed.join(', ')} overflowed the cap of series, so its drift is not trustworthy; raise evaluate.seriesCap or group by fewer tags`;
  } else if (drift.measure === 'slope_per_hour') {
    if (points.length < MIN_DRIFT_WINDOWS || slope === null) {
      verdict = cfg.severity;
      message = `${where}: ${points.length} window(s) of ${fmt(windowMs / 1000)} s with samples, fewer than ${MIN_DRIFT_WINDOWS}, so the drift cannot be shown to hold`;
    } else {
      observed = slope;
      const holds = compare(slope, drift.operator, drift.limit);
      verdict = holds ? 'pass' : cfg.severity;
      const from = points[0]!.value;
      const to = points.at(-1)!.value;
      message = `${where}: ${expr} ${holds ? 'holds' : 'breached'} (observed ${show(figure, slope, true)} over ${points.length} windows of ${fmt(windowMs / 1000)} s, ${figure} ${show(figure, from)} → ${show(figure, to)}, limit ${fmt(drift.limit)})`;
    }
  } else {
    const usable = usableBaseline(ctx.baselineReport);
    baselineSource = usable.reports ? usable.source : 'report (none)';
    let then: number | null = null;
    if (usable.reports) {
      then = baselineFigure(usable.reports, (report) => {
        const lists = new Map<string, Bag[]>(sourceMetrics(gate.ref).map((m) => [m, []]));
        for (const s of report.series) {
          const list = lists.get(s.metric);
          if (list && tagsMatch(s.tags, s.metric, gate.ref, cfg.phase)) list.push(bagFromReport(s));
        }
        const bags = mergeBags(lists);
        for (const list of lists.values()) for (const b of list) b.destroy();
        const v = figureValue(figure, gate.ref, kind, bags, spanOf(bags));
        destroyAll(bags);
        return v;
      });
    }
    details.baseline = then;
    if (!usable.reports) {
      ({ verdict, message, skipped } = missingBaselineResult(cfg.severity, usable.why, ctx));
      message = `${where}: ${message}`;
    } else if (current === null || then === null) {
      verdict = cfg.severity;
      message = `${where}: ${current === null ? 'no samples in this run' : 'no samples in the baseline report'}, so the change cannot be shown to hold`;
    } else if (figure !== 'rate' && then === 0) {
      verdict = cfg.severity;
      message = `${where}: the baseline's ${figure} is 0, so a change in percent is not defined`;
    } else {
      // A rate changes in percentage points; any other figure relative to the baseline's.
      observed = figure === 'rate' ? (current - then) * 100 : (current / then - 1) * 100;
      const holds = compare(observed, drift.operator, drift.limit);
      verdict = holds ? 'pass' : cfg.severity;
      const unit = figure === 'rate' ? ' points' : ' %';
      message = `${where}: ${expr} ${holds ? 'holds' : 'breached'} (observed ${observed >= 0 ? '+' : ''}${fmt(observed)}${unit}: ${figure} ${show(figure, then)} → ${show(figure, current)}, limit ${fmt(drift.limit)})`;
    }
  }
  return {
    ...gateFields(gate, baselineSource),
    observed,
    limit: drift.limit,
    worstWindowStart: null,
    verdict,
    message,
    durationMs: performance.now() - started,
    ...(skipped ? { skipped: true as const } : {}),
    ...(drift.measure === 'change_pct' ? { baselineValue: details.baseline } : {}),
    drift: details,
  };
}
