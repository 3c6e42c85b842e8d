// What the HTML report shows, computed from the report model before any markup is written:
// per endpoint group p50/p95/p99 and error rate per time bucket (bucket histograms merged across
// the series of one group; a bucket a phase boundary cuts is split there, since the series are
// split by phase), queue and GPU gauges over time, fault windows. Per-phase figures come
// from the run's phase analysis (analysis/), not computed again here.
import { Histogram } from '../evaluator/histogram.js';
import type { GateResult, ReportModel, SeriesReport } from '../evaluator/model.js';
import { analysisSchema, type Analysis } from '../analysis/model.js';
import { owningSpan, timelineSpans, type Span } from '../analysis/compute.js';

/** Tags that split one endpoint group into several series; merged back for the charts. */
const SPLIT_TAGS = new Set(['phase', 'status', 'status_class', 'expected_response', 'error', 'error_code']);
const LATENCY_METRIC = 'http_req_duration';
export const MAX_ENDPOINT_CHARTS = 8;

/**
 * The figures of one bucket, or of the part of a bucket one phase held: samples measured in
 * [t, end). A bucket a fault began in splits at the fault's start, so its effect is drawn from
 * there, never from the bucket's start.
 */
export interface LatencyPoint {
  t: number;
  end: number;
  count: number;
  errorRate: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface EndpointChart {
  label: string;
  requests: number;
  errors: number;
  points: LatencyPoint[];
}

export interface GaugeLine {
  label: string;
  /** The last value of each bucket (or bucket part, as for latency), held over [t, end). */
  points: { t: number; end: number; v: number }[];
}


export interface HtmlData {
  verdict: ReportModel['verdict'];
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
  /** The run's phase analysis (per-phase figures, recovery, error budget, drift, drain), when valid. */
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

/** Merges the bucket histograms of several series and reads percentiles in the metric's unit. */
class BucketMerge {
  count = 0;
  errors = 0;
  p95Max: number | null = null;
  private hist: Histogram | undefined;
  constructor(private readonly scale: number) {}

  add(b: SeriesReport['buckets']['items'][number]): void {
    this.count += b.count;
    this.errors += b.errors;
    if (b.p95 !== undefined) this.p95Max = Math.max(this.p95Max ?? 0, b.p95);
    if (b.histogram) {
      // Into a created (auto-resizing) histogram: a decoded one cannot take values beyond its range.
      this.hist ??= Histogram.create();
      const h = Histogram.decode(b.histogram);
      try {
        this.hist.merge(h);
      } finally {
        h.destroy();
      }
    }
  }

  finish(t: number, end: number): LatencyPoint {
    const pct = (p: number) => (this.hist && this.hist.count > 0 ? this.hist.percentile(p) / this.scale : null);
    const point: LatencyPoint = {
      t,
      end,
      count: this.count,
      errorRate: this.count ? this.errors / this.count : 0,
      p50: pct(50),
      // Without bucket histograms only the worst series' p95 is known: shown as p95, p50/p99 left out.
      p95: pct(95) ?? this.p95Max,
      p99: pct(99),
    };
    this.hist?.destroy();
    return point;
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
    if (s.metric !== LATENCY_METRIC || s.kind !== 'trend' || s.overflow) continue;
    const { key, label } = groupKey(s);
    const g = groups.get(key) ?? { label, series: [] };
    g.series.push(s);
    groups.set(key, g);
  }
  const charts: EndpointChart[] = [];
  for (const g of groups.values()) {
    const byPiece = new Map<string, { start: number; end: number; merge: BucketMerge }>();
    let requests = 0;
    let errors = 0;
    for (const s of g.series) {
      requests += s.count;
      errors += s.errors;
      const scale = s.histogram?.scale ?? 1000;
      for (const b of s.buckets.items) {
        const piece = pieceOf(s, b.start);
        const key = `${piece.start}-${piece.end}`;
        let m = byPiece.get(key);
        if (!m) byPiece.set(key, (m = { ...piece, merge: new BucketMerge(scale) }));
        m.merge.add(b);
      }
    }
    const points = [...byPiece.values()].sort((a, b) => a.start - b.start || a.end - b.end).map((m) => m.merge.finish(m.start, m.end));
    charts.push({ label: g.label, requests, errors, points });
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
  const analysis = model.analysis === undefined ? null : analysisSchema.safeParse(model.analysis);
  return {
    verdict: model.verdict,
    partial: model.partial,
    abort: model.abort,
    createdAt: model.createdAt,
    toolVersion: model.tool.version,
    start,
    end,
    bucketWidthMs: model.config.bucketWidthMs,
    faultWindows: model.phases
      .filter((p) => p.name.startsWith('fault:'))
      .map((p) => ({ name: p.name, start: Math.max(p.start, start), end: p.end ?? end })),
    endpoints: charts,
    endpointsNotShown: notShown,
    queues: gaugeLines(model, (m) => /^queue_|_queue|queue$/.test(m) && m !== 'probe_errors'),
    gpu: gaugeLines(model, (m) => /gpu/i.test(m)),
    phases: timelineSpans(model).map((p) => ({ name: p.name, start: p.start, end: p.end })),
    analysis: analysis?.success ? analysis.data : null,
    gates: model.gates,
    totals: model.totals,
    inputs: model.inputs,
  };
}
