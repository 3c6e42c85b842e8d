// Phase analysis from a finished report model: nothing here reads samples again. Series are split
// by the `phase` tag (evaluate.groupBy), and every series carries time buckets with their own
// histograms. Every percentile is k6's (model/percentile.ts), as the gates': a phase's and the
// whole run's come from the report's latency groups (the evaluator's, from the samples: a gate on
// the same samples shows the same number), windows' and shared-tag spans' from their buckets'
// merged histograms (within 0.4 %, as a windowed gate reads them).
import { addErrorSamples, bucketStats, errorCount, errorCountsOf, errorRate, noErrorCounts, type ErrorCounts } from '../model/error-rate.js';
import { bucketHistogram, groupLatency, inLatencyGroup } from '../model/latency-groups.js';
import { mergedPercentiles, type EncodedHistogram, type Percentiles } from '../model/percentile.js';
import { QUEUE_DEPTH_METRICS } from '../model/metric-names.js';
import type { ReportModel, SeriesReport } from '../model/report.js';
import type { Analysis, PhaseRow, Recovery } from '../model/analysis.js';
import { owningSpan, timelineSpans, type Span } from '../model/spans.js';

export interface FaultWindow {
  id: string;
  kind: string;
  target: string;
  on: number;
  off: number | null;
  injections: number | null;
}

export interface RecoveryTolerance {
  /** Back within baseline p95 x this factor (the seeds' "p95 <= baseline + 10 %": 1.10). */
  p95Factor: number;
  /** Back within baseline error rate + this (absolute, 0.01 = one percentage point). */
  errorRateDelta: number;
  /** The window over which p95 and error rate are judged after a fault ends. */
  windowMs: number;
  /** Queue depth back within the baseline's maximum + this many items (a resumed worker drains). */
  queueDepthSlack: number;
}

export interface AnalysisOptions {
  profile: string;
  faults: FaultWindow[];
  recovery: RecoveryTolerance;
  /** The error budget: the chaos smoke's allowed error rate (0.05). */
  allowedErrorRate: number | null;
  /** Soak drift: window length, and the previous night's report to compare with. */
  drift?: { windowMs: number; previous?: { source: string; report: ReportModel } | null } | null;
  drain?: Analysis['drain'];
}

/** Latency samples as k6 judges them by default: responses that were expected. */
export function isLatencySeries(s: SeriesReport): boolean {
  return inLatencyGroup(s, {});
}

function phaseTagMatches(s: SeriesReport, phase: string | null): boolean {
  return phase === null || s.tags.phase === phase;
}

interface Totals {
  /** Requests, failures and dropped iterations: the error rate's counts (model/error-rate.ts). */
  counts: ErrorCounts;
  percentiles: Percentiles | null;
  queueDepthMax: number | null;
}

/** Whole-series figures, optionally for one phase. */
function totalsFor(report: ReportModel, phase: string | null): Totals {
  const queue = report.series.filter((s) => QUEUE_DEPTH_METRICS.includes(s.metric) && phaseTagMatches(s, phase) && s.gauge);
  return {
    counts: errorCountsOf(report.series.filter((s) => phaseTagMatches(s, phase))),
    percentiles: groupLatency(report, phase === null ? {} : { phase }),
    queueDepthMax: queue.length ? Math.max(...queue.map((s) => s.gauge!.max)) : null,
  };
}

/** Requests, errors and latency per time window, merged across every series. */
interface Window {
  start: number;
  counts: ErrorCounts;
  histograms: EncodedHistogram[];
  queueDepthMax: number | null;
}

/** Every bucket start of the report, in time order, with what all series (those `keep` takes) hold there. */
function bucketTimeline(report: ReportModel, keep: (s: SeriesReport) => boolean = () => true): Window[] {
  const byStart = new Map<number, Window>();
  const at = (start: number): Window => {
    let w = byStart.get(start);
    if (!w) byStart.set(start, (w = { start, counts: noErrorCounts(), histograms: [], queueDepthMax: null }));
    return w;
  };
  for (const s of report.series) {
    if (!keep(s)) continue;
    for (const b of s.buckets.items) {
      addErrorSamples(at(b.start).counts, s.metric, bucketStats(b));
      if (isLatencySeries(s) && b.histogram) at(b.start).histograms.push(bucketHistogram(s, b));
      else if (QUEUE_DEPTH_METRICS.includes(s.metric) && b.count > 0) {
        const w = at(b.start);
        w.queueDepthMax = Math.max(w.queueDepthMax ?? 0, b.max);
      }
    }
  }
  return [...byStart.values()].sort((a, b) => a.start - b.start);
}

/** The buckets of `timeline` starting in [from, to), merged into one window. */
function windowOver(timeline: Window[], from: number, to: number): Window {
  const w: Window = { start: from, counts: noErrorCounts(), histograms: [], queueDepthMax: null };
  for (const b of timeline) {
    if (b.start < from) continue;
    if (b.start >= to) break;
    w.counts.requests += b.counts.requests;
    w.counts.failed += b.counts.failed;
    w.counts.dropped += b.counts.dropped;
    w.histograms.push(...b.histograms);
    if (b.queueDepthMax !== null) w.queueDepthMax = Math.max(w.queueDepthMax ?? 0, b.queueDepthMax);
  }
  return w;
}

/** Consecutive windows of `windowMs` from `origin` that hold at least one bucket. */
function windowsOf(timeline: Window[], origin: number, windowMs: number): Window[] {
  const out: Window[] = [];
  for (const b of timeline) {
    if (b.start < origin) continue;
    const from = origin + Math.floor((b.start - origin) / windowMs) * windowMs;
    if (out.at(-1)?.start !== from) out.push(windowOver(timeline, from, from + windowMs));
  }
  return out;
}

/** One stretch of the timeline with its phase tag and the name its row shows. */
/** Figures of each span of a tag that several spans share, from the buckets of its series. */
function totalsPerSpan(report: ReportModel, spans: Span[]): Map<Span, Totals> {
  const acc = new Map<Span, { counts: ErrorCounts; histograms: EncodedHistogram[]; queueDepthMax: number | null }>();
  for (const sp of spans) acc.set(sp, { counts: noErrorCounts(), histograms: [], queueDepthMax: null });
  const tag = spans[0]!.tag;
  for (const s of report.series) {
    if (s.tags.phase !== tag) continue;
    const latency = isLatencySeries(s);
    const queue = QUEUE_DEPTH_METRICS.includes(s.metric) && !!s.gauge;
    for (const b of s.buckets.items) {
      const sp = owningSpan(spans, b.start, b.start + s.buckets.widthMs);
      if (!sp) continue;
      const a = acc.get(sp)!;
      addErrorSamples(a.counts, s.metric, bucketStats(b));
      if (latency && b.histogram) a.histograms.push(bucketHistogram(s, b));
      else if (queue && b.count > 0) a.queueDepthMax = Math.max(a.queueDepthMax ?? 0, b.max);
    }
  }
  const out = new Map<Span, Totals>();
  for (const [sp, a] of acc) {
    out.set(sp, { counts: a.counts, percentiles: mergedPercentiles(a.histograms), queueDepthMax: a.queueDepthMax });
  }
  return out;
}

/**
 * One row per span of the timeline, in time order. A tag with one span takes its whole-series
 * figures (3-digit histograms); a tag several spans share (recovery) is split by its buckets.
 */
function phaseRows(report: ReportModel): PhaseRow[] {
  const baseline = totalsFor(report, 'baseline');
  const baseRate = errorRate(baseline.counts);
  const spans = timelineSpans(report);
  const byTag = new Map<string, Span[]>();
  for (const sp of spans) byTag.set(sp.tag, [...(byTag.get(sp.tag) ?? []), sp]);
  const totals = new Map<Span, Totals>();
  for (const [tag, list] of byTag) {
    if (list.length === 1) totals.set(list[0]!, totalsFor(report, tag));
    else for (const [sp, t] of totalsPerSpan(report, list)) totals.set(sp, t);
  }
  return spans.map((sp) => {
    const t = totals.get(sp)!;
    const rate = errorRate(t.counts);
    const activeMs = sp.end - sp.start;
    return {
      name: sp.name,
      phase: sp.tag,
      start: sp.start,
      end: sp.end,
      requests: Math.round(t.counts.requests),
      dropped: Math.round(t.counts.dropped),
      errors: Math.round(errorCount(t.counts)),
      errorRate: rate,
      throughputPerSecond: activeMs > 0 ? t.counts.requests / (activeMs / 1000) : null,
      p50: t.percentiles?.p50 ?? null,
      p95: t.percentiles?.p95 ?? null,
      p99: t.percentiles?.p99 ?? null,
      queueDepthMax: t.queueDepthMax,
      p95VsBaseline: t.percentiles && baseline.percentiles && baseline.percentiles.p95 > 0 ? t.percentiles.p95 / baseline.percentiles.p95 : null,
      errorRateVsBaseline: rate !== null && baseRate !== null ? rate - baseRate : null,
    };
  });
}

/**
 * Time to recover: from a fault's end to the first window of whole buckets (sliding by one bucket)
 * whose p95, error rate and queue depth are back within tolerance of the baseline phase. A fault
 * still on at the end, or no such window before the next fault or the end of the run: "did not
 * recover".
 *
 * Buckets are aligned to the clock, not to the fault, so the bucket the fault ends in holds the
 * fault's last samples too. The search reads only samples not labelled with the fault's own phase
 * (the labels split at the sample's time), so that bucket holds just what came after the fault, and
 * the first candidate window starts there: recovered in it means recovered at the fault's end.
 * Candidate windows used to start at the fault's end + k buckets and take only buckets starting
 * after it — skipping the very bucket the after-effect was in, so a 4 s after-effect read
 * "recovered 0.0 s". The answer's resolution is the bucket width (evaluate.bucketWidth, which
 * doubles on long runs): a window is clean or not as a whole, so the time is never earlier than
 * the samples say, and may be later by up to one bucket.
 */
export function recoveries(report: ReportModel, faults: FaultWindow[], tol: RecoveryTolerance): Recovery[] {
  const baseline = totalsFor(report, 'baseline');
  const baseRate = errorRate(baseline.counts);
  const lastTime = report.totals.lastTime ?? 0;
  // A window can be no finer than the buckets it is made of.
  const step = Math.max(...report.series.map((s) => s.buckets.widthMs), 1);
  const windowMs = Math.ceil(Math.max(tol.windowMs, step) / step) * step;
  const sorted = [...faults].sort((a, b) => a.on - b.on);
  // Merged across series once, without samples taken while a fault was on (a fault's last ones share
  // a bucket with the first after it; the next fault's, the last window's end); each candidate
  // window below only adds up its buckets.
  const timeline = bucketTimeline(report, (s) => !s.tags.phase?.startsWith('fault:'));
  return sorted.map((f, i) => {
    const base = { faultId: f.id, faultStart: f.on, faultEnd: f.off, tolerance: tol };
    if (!baseline.percentiles || baseRate === null) {
      return { ...base, status: 'no-baseline' as const, recoveredAt: null, timeToRecoverMs: null };
    }
    if (f.off === null) return { ...base, status: 'did-not-recover' as const, recoveredAt: null, timeToRecoverMs: null };
    const off = f.off;
    const nextOn = sorted.slice(i + 1).find((g) => g.on >= off)?.on ?? Infinity;
    const limitP95 = baseline.percentiles.p95 * tol.p95Factor;
    const limitRate = baseRate + tol.errorRateDelta;
    const limitQueue = baseline.queueDepthMax === null ? null : baseline.queueDepthMax + tol.queueDepthSlack;
    // Candidate windows start at the bucket holding the fault's end and every bucket after it.
    // Those ending before the first bucket hold no request: skip them by count, and count the
    // rest, so a fault time far from the samples (an events file from elsewhere) neither loops for
    // ages nor stalls below a time's precision.
    const first = Math.floor(off / step) * step;
    const firstTime = report.totals.firstTime ?? off;
    const k0 = Math.max(0, Math.floor((firstTime - step - windowMs - first) / step));
    const windows = Math.floor((Math.min(lastTime + step, nextOn) - windowMs - first) / step) + 1;
    // Counted from 0: a counter as large as k0 may not change when incremented.
    for (let i = 0; i < windows - k0; i++) {
      const t = first + (k0 + i) * step;
      const w = windowOver(timeline, t, t + windowMs);
      if (w.counts.requests === 0) continue;
      const p = mergedPercentiles(w.histograms);
      const rate = errorRate(w.counts)!;
      const queueOk = limitQueue === null || w.queueDepthMax === null || w.queueDepthMax <= limitQueue;
      if (p && p.p95 <= limitP95 && rate <= limitRate && queueOk) {
        const at = Math.max(t, off);
        return { ...base, status: 'recovered' as const, recoveredAt: at, timeToRecoverMs: at - off };
      }
    }
    return { ...base, status: 'did-not-recover' as const, recoveredAt: null, timeToRecoverMs: null };
  });
}

/** Least-squares slope of (x, y) points, per unit of x. */
export function slope(points: { x: number; y: number }[]): number | null {
  if (points.length < 2) return null;
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? null : num / den;
}

const HOUR_MS = 3_600_000;

function drift(report: ReportModel, windowMs: number, previous: { source: string; report: ReportModel } | null | undefined): Analysis['drift'] {
  const first = report.totals.firstTime;
  const windows = first === null ? [] : windowsOf(bucketTimeline(report), first, windowMs);
  const p95s: { x: number; y: number }[] = [];
  const rates: { x: number; y: number }[] = [];
  const points: NonNullable<NonNullable<Analysis['drift']>['points']> = [];
  for (const w of windows) {
    const p = mergedPercentiles(w.histograms);
    if (p) p95s.push({ x: w.start / HOUR_MS, y: p.p95 });
    const r = errorRate(w.counts);
    if (r !== null) rates.push({ x: w.start / HOUR_MS, y: r });
    points.push({ start: w.start, requests: Math.round(w.counts.requests), p95: p?.p95 ?? null, errorRate: r });
  }
  let prev: NonNullable<Analysis['drift']>['previous'] = null;
  if (previous) {
    const now = totalsFor(report, null);
    const then = totalsFor(previous.report, null);
    const nowRate = errorRate(now.counts);
    const thenRate = errorRate(then.counts);
    const thenP95 = then.percentiles?.p95 ?? null;
    prev = {
      source: previous.source,
      p95: thenP95,
      errorRate: thenRate,
      p95Change: thenP95 && now.percentiles ? now.percentiles.p95 / thenP95 - 1 : null,
      errorRateChange: nowRate !== null && thenRate !== null ? nowRate - thenRate : null,
    };
  }
  return {
    windowMs,
    windows: windows.length,
    p95SlopeMsPerHour: slope(p95s),
    errorRateSlopePerHour: slope(rates),
    previous: prev,
    points,
  };
}

export function analyse(report: ReportModel, opts: AnalysisOptions): Analysis {
  const phases = phaseRows(report);
  const faultRows = phases.filter((p) => p.phase.startsWith('fault:'));
  const duringFaults: ErrorCounts = {
    requests: faultRows.reduce((n, p) => n + p.requests, 0),
    failed: faultRows.reduce((n, p) => n + p.errors - p.dropped, 0),
    dropped: faultRows.reduce((n, p) => n + p.dropped, 0),
  };
  const rateDuringFaults = errorRate(duringFaults);
  return {
    profile: opts.profile,
    faults: opts.faults,
    phases,
    recovery: recoveries(report, opts.faults, opts.recovery),
    errorBudget:
      opts.allowedErrorRate === null
        ? null
        : {
            allowedErrorRate: opts.allowedErrorRate,
            requestsDuringFaults: duringFaults.requests,
            droppedDuringFaults: duringFaults.dropped,
            errorsDuringFaults: errorCount(duringFaults),
            spent: rateDuringFaults !== null && opts.allowedErrorRate > 0 ? rateDuringFaults / opts.allowedErrorRate : null,
          },
    drift: opts.drift ? drift(report, opts.drift.windowMs, opts.drift.previous) : null,
    drain: opts.drain ?? null,
  };
}
