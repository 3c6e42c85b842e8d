// What the HTML report shows, computed from the report model before any markup is written:
// per endpoint group p50/p95/p99 and error rate per time bucket (bucket histograms merged across
// the series of one group; a bucket a phase boundary cuts is split there, since the series are
// split by phase), queue and GPU gauges over time, fault windows. Per-phase figures come
// from the run's phase analysis (analysis/), not computed again here.
import { addErrorSamples, bucketStats, errorCount, errorCountsOf, errorRate, FAILED_METRIC, noErrorCounts, seriesStats, type ErrorCounts } from '../model/error-rate.js';
import { mergedPercentiles, type EncodedHistogram } from '../model/percentile.js';
import { BUCKET_SIGNIFICANT_DIGITS } from '../model/histogram.js';
import { isQueueMetric, LATENCY_METRIC } from '../model/metric-names.js';
import type { GateResult, ReportModel, SeriesReport } from '../model/report.js';
import type { Analysis } from '../model/analysis.js';
import { owningSpan, timelineSpans, type Span } from '../model/spans.js';

/** Tags that split one endpoint group into several series; merged back for the charts. */
const SPLIT_TAGS = new Set(['phase', 'status', 'status_class', 'expected_response', 'error', 'error_code']);
export const MAX_ENDPOINT_CHARTS = 8;

/**
 * The figures of one bucket, or of the part of a bucket one phase held: samples measured in
 * [t, end). A bucket a fault began in splits at the fault's start, so its effect is drawn from
 * there, never from the bucket's start.
 */
export interface LatencyPoint {
  t: number;
  end: number;
  /** Requests (http_req_failed samples) in [t, end). */
  count: number;
  /** The error rate (model/error-rate.ts) of the group's requests; null: none. */
  errorRate: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface EndpointChart {
  label: string;
  requests: number;
  errors: number;
  /** Dropped iterations belong to no endpoint: failed / requests of the group; null without http_req_failed. */
  errorRate: number | null;
  points: LatencyPoint[];
}

export interface GaugeLine {
  label: string;
  /** The last value of each bucket (or bucket part, as for latency), held over [t, end). */
  points: { t: number; end: number; v: number }[];
}

export interface HtmlData {
  verdict: ReportModel['verdict'];
  /** The whole run's error rate, as an unfiltered `chaosgate_error_rate` gate reads it. */
  overall: { requests: number; dropped: number; errors: number; errorRate: number | null };
  partial: boolean;
  abort: ReportModel['abort'];
  createdAt: string;
  toolVersion: string;
  /** The time axis of every chart. */
  start: number;
  end: number;
  bucketWidthMs: number;
  faultWindows: { name: string; start: number; end: number }[];
  endpoints: EndpointChart[];
  endpointsNotShown: number;
  queues: GaugeLine[];
  gpu: GaugeLine[];
  /** The spans of the timeline in time order (recovery named for its fault: recovery:<id>). */
  phases: { name: string; start: number; end: number }[];
  /** The run's phase analysis (per-phase figures, recovery, error budget, drift, drain), when there is one. */
  analysis: Analysis | null;
  gates: GateResult[];
  totals: ReportModel['totals'];
  inputs: ReportModel['inputs'];
}

function groupKey(s: SeriesReport): { key: string; label: string } {
  const kept = Object.entries(s.tags)
    .filter(([k]) => !SPLIT_TAGS.has(k))
    .sort(([a], [b]) => a.localeCompare(b));
  const label = s.tags.name ?? s.tags.group ?? kept.map(([k, v]) => `${k}=${v}`).join(', ');
  return { key: JSON.stringify(kept), label: label || 'all requests' };
}

/** Merges the bucket histograms of several series and reads percentiles in the metric's unit (k6's definition, as a windowed gate reads them). */
class BucketMerge {
  readonly counts: ErrorCounts = noErrorCounts();
  p95Max: number | null = null;
  private readonly histograms: EncodedHistogram[] = [];
  constructor(private readonly scale: number) {}

  /** A bucket of a group's http_req_failed series. */
  addRequests(b: SeriesReport['buckets']['items'][number]): void {
    addErrorSamples(this.counts, FAILED_METRIC, bucketStats(b));
  }

  /** A bucket of a group's latency series. */
  addLatency(b: SeriesReport['buckets']['items'][number]): void {
    if (b.p95 !== undefined) this.p95Max = Math.max(this.p95Max ?? 0, b.p95);
    if (b.histogram) this.histograms.push({ data: b.histogram, scale: this.scale, digits: BUCKET_SIGNIFICANT_DIGITS, min: b.min, max: b.max });
  }

  finish(t: number, end: number): LatencyPoint {
    const p = mergedPercentiles(this.histograms);
    return {
      t,
      end,
      count: this.counts.requests,
      errorRate: errorRate(this.counts),
      p50: p?.p50 ?? null,
      // Without bucket histograms only the worst series' p95 is known: shown as p95, p50/p99 left out.
      p95: p?.p95 ?? this.p95Max,
      p99: p?.p99 ?? null,
    };
  }
}

/** Where the samples of a series' bucket lie: the bucket, cut to the span of the series' phase tag. */
type PieceOf = (s: SeriesReport, bucketStart: number) => { start: number; end: number };

function piecesOf(model: ReportModel): PieceOf {
  const spans = timelineSpans(model);
  const byTag = new Map<string, Span[]>();
  for (const sp of spans) byTag.set(sp.tag, [...(byTag.get(sp.tag) ?? []), sp]);
  const last = spans.at(-1);
  return (s, bucketStart) => {
    const end = bucketStart + s.buckets.widthMs;
    const tagged = s.tags.phase === undefined ? undefined : byTag.get(s.tags.phase);
    const sp = tagged && owningSpan(tagged, bucketStart, end);
    if (!sp) return { start: bucketStart, end };
    // The last span is open: its samples run to the end of their bucket.
    const spanEnd = sp === last ? Infinity : sp.end;
    const from = Math.max(bucketStart, sp.start);
    const to = Math.min(end, spanEnd);
    return to > from ? { start: from, end: to } : { start: bucketStart, end };
  };
}

function endpointCharts(model: ReportModel): { charts: EndpointChart[]; notShown: number } {
  const pieceOf = piecesOf(model);
  const groups = new Map<string, { label: string; series: SeriesReport[] }>();
  for (const s of model.series) {
    const latency = s.metric === LATENCY_METRIC && s.kind === 'trend';
    if (!(latency || s.metric === FAILED_METRIC) || s.overflow) continue;
    const { key, label } = groupKey(s);
    const g = groups.get(key) ?? { label, series: [] };
    g.series.push(s);
    groups.set(key, g);
  }
  const charts: EndpointChart[] = [];
  for (const g of groups.values()) {
    if (!g.series.some((s) => s.metric === LATENCY_METRIC)) continue;
    const byPiece = new Map<string, { start: number; end: number; merge: BucketMerge }>();
    const counts = noErrorCounts();
    const scale = g.series.find((s) => s.histogram)?.histogram!.scale ?? 1000;
    for (const s of g.series) {
      const requests = s.metric === FAILED_METRIC;
      if (requests) addErrorSamples(counts, s.metric, seriesStats(s));
      for (const b of s.buckets.items) {
        const piece = pieceOf(s, b.start);
        const key = `${piece.start}-${piece.end}`;
        let m = byPiece.get(key);
        if (!m) byPiece.set(key, (m = { ...piece, merge: new BucketMerge(scale) }));
        if (requests) m.merge.addRequests(b);
        else m.merge.addLatency(b);
      }
    }
    const points = [...byPiece.values()].sort((a, b) => a.start - b.start || a.end - b.end).map((m) => m.merge.finish(m.start, m.end));
    // An input without http_req_failed (a trimmed export) still shows how many requests were timed.
    const requests = g.series.some((s) => s.metric === FAILED_METRIC) ? counts.requests : g.series.reduce((n, s) => n + s.count, 0);
    charts.push({ label: g.label, requests, errors: errorCount(counts), errorRate: errorRate(counts), points });
  }
  charts.sort((a, b) => b.requests - a.requests || a.label.localeCompare(b.label));
  return { charts: charts.slice(0, MAX_ENDPOINT_CHARTS), notShown: Math.max(0, charts.length - MAX_ENDPOINT_CHARTS) };
}

/** One line per gauge series, with the per-phase series of one gauge joined back together. */
function gaugeLines(model: ReportModel, match: (metric: string) => boolean): GaugeLine[] {
  const pieceOf = piecesOf(model);
  const lines = new Map<string, Map<string, { t: number; end: number; v: number }>>();
  const series = model.series.filter((s) => s.kind === 'gauge' && match(s.metric) && !s.overflow);
  // Where two phases share a bucket each holds its own part of it (pieceOf); a piece two series
  // of one label share (tags outside the label differ) takes the later series' last value.
  series.sort((a, b) => a.firstTime - b.firstTime);
  for (const s of series) {
    const tags = Object.entries(s.tags)
      .filter(([k]) => !SPLIT_TAGS.has(k))
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const label = tags ? `${s.metric} (${tags})` : s.metric;
    const points = lines.get(label) ?? new Map<string, { t: number; end: number; v: number }>();
    for (const b of s.buckets.items) {
      const piece = pieceOf(s, b.start);
      points.set(`${piece.start}-${piece.end}`, { t: piece.start, end: piece.end, v: b.last ?? b.max });
    }
    lines.set(label, points);
  }
  return [...lines.entries()]
    .map(([label, points]) => ({ label, points: [...points.values()].sort((a, b) => a.t - b.t || a.end - b.end) }))
    .sort((a, b) => a.label.localeCompare(b.label));
}

export function buildHtmlData(model: ReportModel): HtmlData {
  const seriesStart = Math.min(...model.series.map((s) => s.firstTime));
  const start = model.totals.firstTime ?? model.phases[0]?.start ?? (Number.isFinite(seriesStart) ? seriesStart : 0);
  let end = model.totals.lastTime ?? start;
  // The axis covers whole buckets, so the last bucket's points are not cut off.
  for (const s of model.series) for (const b of s.buckets.items) end = Math.max(end, b.start + s.buckets.widthMs);
  const { charts, notShown } = endpointCharts(model);
  const overall = errorCountsOf(model.series);
  // As per endpoint: without http_req_failed, the timed requests (and no error rate).
  const requests = model.series.some((s) => s.metric === FAILED_METRIC)
    ? overall.requests
    : model.series.filter((s) => s.metric === LATENCY_METRIC).reduce((n, s) => n + s.count, 0);
  return {
    verdict: model.verdict,
    overall: { requests, dropped: overall.dropped, errors: errorCount(overall), errorRate: errorRate(overall) },
    partial: model.partial,
    abort: model.abort,
    createdAt: model.createdAt,
    toolVersion: model.tool.version,
    start,
    end,
    bucketWidthMs: model.config.bucketWidthMs,
    faultWindows: model.phases.filter((p) => p.name.startsWith('fault:')).map((p) => ({ name: p.name, start: Math.max(p.start, start), end: p.end ?? end })),
    endpoints: charts,
    endpointsNotShown: notShown,
    queues: gaugeLines(model, isQueueMetric),
    gpu: gaugeLines(model, (m) => /gpu/i.test(m)),
    phases: timelineSpans(model).map((p) => ({ name: p.name, start: p.start, end: p.end })),
    analysis: model.analysis ?? null,
    gates: model.gates,
    totals: model.totals,
    inputs: model.inputs,
  };
}
