// The streaming evaluation: lines or samples in (live from a FIFO while k6 runs, or from files),
// phase events joined by time, gates checkable at any moment, a report model at the end.
import {
  AUTO_FALLBACK_NOTE,
  bucketWidthMsOf,
  evaluateSectionSchema,
  evaluateThreads,
  gateSchema,
  type EvaluateConfig,
  type EvaluateConfigInput,
  type GateConfigInput,
} from './config.js';
import { aggregates, aggregateSyntax, durationSeconds, trendMean, trendPercentile, type AggregateDef } from './aggregates.js';
import { derivedMetric } from './derived-metrics.js';
import { isOwnMetric } from '../model/metric-names.js';
import { UsageError } from '../lib/errors.js';
import type { BaselineReports } from './baseline.js';
import { baselineNotes, compileGate, gateFilterKey, gateMetrics, judgeGate, overallVerdict, overflowTags, sourceMetrics, type CompiledGate, type GateContext } from './gates.js';
import { builtinMetrics, type MetricKindInfo } from '../model/k6-metrics.js';
import { REPORT_SCHEMA_VERSION, type GateResult, type InputSummary, type MetricKind, type ReportModel, type SeriesReport, type TimeBucket } from '../model/report.js';
import { PhaseTimeline, type PhaseEvent } from './phases.js';
import { SourceReader, type InputFormat } from './readers/index.js';
import { LOCUST_CSV_MISSING_TAIL, LOCUST_CSV_NO_DURATIONS } from './readers/locust-csv.js';
import { approximationLabel } from '../model/input-formats.js';
import type { SampleSink } from './readers/types.js';
import { tagsKey, valueProblem } from './readers/types.js';
import { POINT_VALUES, SLOT_VALUES, type ScanBatch } from './scan.js';
import { HISTOGRAM_SCALE, SeriesStore, type Series } from './series.js';
import { INPUT_TAG, INSTANCE_GAUGES, visibleSeries } from './instance-gauges.js';
import { SIGNIFICANT_DIGITS } from '../model/histogram.js';
import { latencyGroups } from './latency-groups.js';
import { percentileOfRanks, percentileRanks } from '../model/percentile.js';
import { CHAOSGATE_VERSION } from '../lib/version.js';
import { RecordRouter } from './record-router.js';

export interface Sample {
  metric: string;
  /** Only needed for metrics the evaluation has no kind for (not built-in, not declared). */
  type?: MetricKind;
  /** Milliseconds since the epoch. */
  time: number;
  value: number;
  tags?: Record<string, string> | null;
}

/** A threshold k6 declares (Metric line or `k6 inspect`) as a gate: one id and group for both. */
export function k6ThresholdGate(metric: string, expression: string): GateConfigInput {
  return { id: `k6 ${metric}: ${expression}`, group: 'k6 thresholds', metric, expression };
}

export interface EvaluationOptions {
  /** Label samples with `phase` from phase events (on when the run has chaos). */
  phaseLabels?: boolean;
  /** A previous run's report, for `baseline: "report"` gates. */
  baselineReport?: BaselineReports | null;
  /** Input format for every source (otherwise detected from each source's first line). */
  format?: InputFormat;
  /**
   * Tags derived from a sample's own, added before grouping (the run's `service` from `url`); a tag
   * the sample has wins. Called once per distinct tag set (tag infos are cached).
   */
  deriveTags?: (tags: Record<string, string>) => Record<string, string> | null;
  /**
   * k6's test run duration in ms (its handleSummary `state.testRunDurationMs`), which k6 divides a
   * counter's sum by for `rate`; without it, the whole input's first-to-last sample span.
   */
  testRunDurationMs?: number;
  /** How an `auto` bucket width was picked (the run, or its record in the events file), for the report's config. */
  bucketWidthPicked?: string;
}

interface MetricInfo {
  /** Index into a TagInfo's series table. */
  index: number;
  name: string;
  /** Thresholds k6 declared for it (its Metric line). */
  thresholds: string[];
  kind: MetricKindInfo | undefined;
  failedRate: boolean;
  count: number;
  /** One of k6's VU gauges: kept per input and added up across inputs (instance-gauges.ts). */
  perInput?: boolean;
}

interface TagInfo {
  selected: Record<string, string>;
  errorTagged: boolean;
  /** Per metric (by MetricInfo.index), the series per phase index (+1; 0 = unlabelled). */
  series: Array<Array<Series | undefined> | undefined>;
  /** The per-input series of VU gauges, by metric index, phase and input. */
  inputSeries?: Map<string, Series>;
}

interface SourceState {
  summary: InputSummary;
  reader: SourceReader;
}

const TAG_CACHE_LIMIT = 50_000;

/**
 * Far-off timestamps (a sample at 1970-01-01, or years ahead: a broken clock or a corrupt line)
 * would stretch the buckets to cover the gap — one such sample widened them to 48.5 days, so a
 * windowed gate was judged over the whole run and passed. The rule: the first FAR_OFF_ANCHOR
 * points are held back and their median time anchors the run; from then on a sample may lie at
 * most max(FAR_OFF_MIN_MS, the span kept so far) before the earliest or after the latest sample
 * kept. A sample beyond that is left out of every figure and counted as malformed (within
 * evaluate.malformedTolerance; source:line and its time in the problems), and the report says so.
 * k6 writes samples of a running test every second, so a real run never jumps by an hour and by
 * more than its own length at once.
 */
export const FAR_OFF_MIN_MS = 3_600_000;
const FAR_OFF_ANCHOR = 200;
/** A live check (abortOnFail while k6 runs) anchors early, but on no fewer points (a median of 9 outvotes 4 bad ones). */
const FAR_OFF_ANCHOR_LIVE = 9;

interface PendingPoint {
  m: MetricInfo;
  info: TagInfo;
  time: number;
  value: number;
  line: number;
  source: SourceState | null;
}

/**
 * The metric that stands for every metric name past the cap: a cardinality bomb of distinct names
 * costs one entry here, one overflow series and a count, not a map entry and a series per name.
 */
export const OVERFLOW_METRIC = '(overflow)';

export class Evaluation implements SampleSink {
  readonly config;
  private readonly gates: CompiledGate[];
  private readonly store: SeriesStore;
  private readonly metrics = new Map<string, MetricInfo>();
  private readonly tagCache = new Map<string, TagInfo>();
  /** The previous point's tag text and info: most points repeat the one before (same request). */
  private lastTagsRaw: string | null = null;
  private lastTagInfo: TagInfo | null = null;
  /** Per source read by a worker thread, its scanner's key ids. */
  private readonly batchKeys = new Map<string, Array<{ metric: MetricInfo; info: TagInfo; watched: boolean }>>();
  /** Metrics whose points from reading threads are also handed to `onWatched` (run's progress line). */
  private watched: { metrics: ReadonlySet<string>; onPoint: (metric: string, time: number, value: number) => void } | null = null;
  private readonly groupBy: string[];
  private readonly timeline = new PhaseTimeline();
  private readonly sources = new Map<string, SourceState>();
  private current: SourceState | null = null;
  private readonly problems: ReportModel['totals']['problems'] = [];
  private pointsRead = 0;
  private points = 0;
  private malformedCount = 0;
  private firstTime = Infinity;
  private lastTime = -Infinity;
  /** Points held back until the run's time is anchored (see FAR_OFF_MIN_MS); null once anchored. */
  private pending: PendingPoint[] | null = [];
  /** Samples kept lie in [acceptFrom, acceptTo] without a second look (recomputed when one falls outside). */
  private acceptFrom = Infinity;
  private acceptTo = -Infinity;
  private farOff = 0;
  private farOffExample: string | null = null;
  /** What readers said about their inputs (source:line: text), for the report's notes. */
  private readonly inputNotes = new Set<string>();
  private abortInfo: ReportModel['abort'] = null;
  private partialInput = false;
  private finished = false;
  private readonly phaseLabels: boolean;
  private readonly declaredGateIds = new Set<string>();
  /** Gates k6 would refuse, by id, with the reason (see refusals). */
  private readonly refusedGates = new Map<string, string>();
  /** Stands for metric names past the cap (see OVERFLOW_METRIC). */
  private readonly overflowMetric: MetricInfo;
  /** Metrics whose time buckets keep a histogram (a setting a mergeable state must match). */
  private readonly bucketHistogramMetrics: string[];
  /** The phase events as given (a mergeable state carries them). */
  private readonly phaseEvents: PhaseEvent[] = [];

  constructor(
    config: EvaluateConfigInput = {},
    gates: GateConfigInput[] = [],
    readonly opts: EvaluationOptions = {},
  ) {
    this.config = evaluateSectionSchema.parse(config);
    this.gates = gates.map((g, i) => compileGate(gateSchema.parse(g), i));
    // A k6 threshold given up front (the run reads them with `k6 inspect`) is not added twice when
    // its Metric line declares it again.
    for (const g of gates) if (g.id !== undefined) this.declaredGateIds.add(g.id);
    const filterKeys = this.gates.flatMap((g) => Object.keys(g.ref.filter));
    this.groupBy = [...new Set([...this.config.groupBy, ...filterKeys])];
    this.phaseLabels = opts.phaseLabels ?? false;
    // Names that must never fold into the overflow: k6's built-ins, typed ones, the gates' own.
    for (const name of [...Object.keys(builtinMetrics), ...Object.keys(this.config.metricTypes), ...this.gates.flatMap((g) => gateMetrics(g))]) {
      this.metricInfo(name);
    }
    this.overflowMetric = { index: -1, name: OVERFLOW_METRIC, thresholds: [], kind: undefined, failedRate: false, count: 0 };
    // k6 refuses an aggregation its metric's type has not (exit 104): known kinds are checked now,
    // before any load; kinds the input declares later are checked as they come (declare).
    for (const g of this.gates) {
      const problem = kindProblem(g, this.metricInfo(g.ref.metric).kind);
      if (problem !== null) throw new UsageError(`gate ${g.id}: ${problem}`);
    }
    const windowedPercentiles = this.gates.filter((g) => g.windowMs !== null && (aggregates[g.threshold.aggregate.kind] as AggregateDef).histogram === true);
    const bucketHistograms = new Set([...this.config.bucketHistograms, ...windowedPercentiles.map((g) => g.ref.metric)]);
    this.bucketHistogramMetrics = [...bucketHistograms].sort();
    this.store = new SeriesStore({
      bucketWidthMs: bucketWidthMsOf(this.config),
      maxBuckets: this.config.maxBuckets,
      seriesCap: this.config.seriesCap,
      wantsHistogram: (m) => {
        const k = this.metricInfo(m).kind;
        return k === undefined || k.kind === 'trend';
      },
      wantsBucketHistogram: (m) => bucketHistograms.has(m),
      overflowTags: (m, tags) => overflowTags(this.gates, m, tags),
    });
  }

  // ---- input -------------------------------------------------------------------------------

  private source(name: string): SourceState {
    let s = this.sources.get(name);
    if (!s) {
      const summary: InputSummary = { source: name, format: this.opts.format ?? 'ndjson', gzip: false, lines: 0, points: 0, malformed: 0, bytes: 0 };
      s = { summary, reader: new SourceReader(this, this.opts.format, (format) => (summary.format = format)) };
      this.sources.set(name, s);
    }
    return s;
  }

  /** Inputs are read at the same time (a run's shards, each on its own reading threads). */
  readsInputsAtOnce = false;

  private readingThreads(): number {
    const each = [...this.sources.values()].map((s) => s.summary.threads ?? 0);
    return this.readsInputsAtOnce ? each.reduce((a, b) => a + b, 0) : Math.max(0, ...each);
  }

  /** Hands every point of `metrics` that reading threads read (ingestBatch) to `onPoint` too: a live view, not the figures. */
  watch(metrics: readonly string[], onPoint: (metric: string, time: number, value: number) => void): void {
    this.watched = { metrics: new Set(metrics), onPoint };
  }

  /** Notes facts about a source the reader cannot see (compression, bytes, an early end). */
  describeSource(name: string, facts: { gzip?: boolean; bytes?: number; truncated?: boolean; threads?: number }): void {
    const s = this.source(name).summary;
    if (facts.threads !== undefined) s.threads = facts.threads;
    if (facts.gzip !== undefined) s.gzip = facts.gzip;
    if (facts.bytes !== undefined) s.bytes = facts.bytes;
    if (facts.truncated) this.partialInput = true;
  }

  /** One line of k6 output from `source` (a path, or "-"). Line numbers start at 1. */
  ingestLine(line: string, source: string, lineNo: number): void {
    const s = this.current?.summary.source === source ? this.current : this.source(source);
    this.current = s;
    s.summary.lines++;
    s.reader.readLine(line, lineNo);
  }

  /**
   * The complete lines in text[start, end) from `source`, the first being line `firstLineNo`;
   * returns how many lines that was. Faster than line by line: the reader scans in place.
   */
  ingestText(text: string, start: number, end: number, source: string, firstLineNo: number): number {
    const s = this.current?.summary.source === source ? this.current : this.source(source);
    this.current = s;
    const lines = s.reader.readText(text, start, end, firstLineNo);
    s.summary.lines += lines;
    return lines;
  }

  /** One sample (queue probes, or any producer that is not a k6 output line). */
  ingestSample(sample: Sample): void {
    this.current = this.source('(samples)');
    this.pointsRead++;
    if (sample.type !== undefined && this.metricInfo(sample.metric).kind === undefined) {
      this.declare(sample.metric, sample.type, false, [], 0);
    }
    const problem = Number.isFinite(sample.time) ? valueProblem(sample.value) : `time ${sample.time} is not a number`;
    if (problem) {
      this.pointsRead--;
      this.malformed(0, `${sample.metric}: ${problem}`);
      return;
    }
    this.pointsRead--;
    this.point(sample.metric, sample.time, sample.value, null, sample.tags ?? null, 0);
  }

  /** What each source has given so far. */
  inputSummaries(): InputSummary[] {
    this.settle();
    return [...this.sources.values()].map((s) => s.summary);
  }

  addPhaseEvent(event: PhaseEvent): void {
    this.timeline.add(event);
    this.phaseEvents.push(event);
  }

  abort(reason: string, time = Date.now()): void {
    this.abortInfo ??= { reason, time };
  }

  // ---- SampleSink --------------------------------------------------------------------------

  /** The metric's info; past the cap a new name (unless `keep`) is the one overflow metric's. */
  private metricInfo(name: string, keep = false): MetricInfo {
    let m = this.metrics.get(name);
    if (!m) {
      if (!keep && this.metrics.size >= this.config.seriesCap && this.overflowMetric) return this.overflowMetric;
      const override = this.config.metricTypes[name];
      const kind = override ? { kind: override.kind, isTime: override.isTime } : builtinMetrics[name];
      m = { index: this.metrics.size, name, thresholds: [], kind, failedRate: kind?.kind === 'rate' && name.endsWith('_failed'), count: 0, perInput: INSTANCE_GAUGES.has(name) };
      this.metrics.set(name, m);
    }
    return m;
  }

  declare(metric: string, kind: string, isTime: boolean, thresholds: string[], line: number): void {
    // A metric with thresholds to judge is kept by name even past the cap: it is a gate's metric.
    const m = this.metricInfo(metric, this.config.declaredThresholds && thresholds.length > 0);
    if (m === this.overflowMetric) return; // a name past the cap: nothing of it is kept
    m.thresholds = thresholds;
    if (!this.config.metricTypes[metric]) {
      m.kind = { kind: kind as MetricKind, isTime };
      m.failedRate = kind === 'rate' && metric.endsWith('_failed');
    }
    for (const g of this.gates) this.noteKindProblem(g);
    if (this.config.declaredThresholds) {
      for (const expression of thresholds) {
        const gate = k6ThresholdGate(metric, expression);
        if (this.declaredGateIds.has(gate.id!)) continue;
        this.declaredGateIds.add(gate.id!);
        try {
          const compiled = compileGate(gateSchema.parse(gate), this.gates.length);
          this.addGate(compiled);
          this.noteKindProblem(compiled);
        } catch (err) {
          this.malformed(line, `threshold of ${metric}: ${(err as Error).message}`);
        }
      }
    }
  }

  /**
   * A gate known only now (a threshold k6 declares in the input): samples that go past the cap from
   * now on keep its filter's tags (the cached series choices are forgotten); if its metric has
   * overflowed already, those samples kept none and the gate says so.
   */
  private addGate(gate: CompiledGate): void {
    this.gates.push(gate);
    if (gateFilterKey(gate) === null) return;
    const sources = gateMetrics(gate);
    if ([...this.store.byKey.values()].some((s) => s.overflow && sources.includes(s.metric) && s.hasSamples())) gate.missedOverflow = true;
    for (const info of this.tagCache.values()) info.series = [];
    for (const keys of this.batchKeys.values()) for (const k of keys) if (k) k.info.series = [];
    if (this.pending) for (const p of this.pending) p.info.series = [];
  }

  /**
   * A merged state was made with gate filters `filters` (null: not said): a gate of this merge
   * whose filter is not among them may miss that state's samples past the cap of `overflowed`.
   */
  noteStateOverflow(filters: readonly string[] | null, overflowed: ReadonlySet<string>): void {
    for (const g of this.gates) {
      const key = gateFilterKey(g);
      if (key === null || (filters !== null && filters.includes(key))) continue;
      if (gateMetrics(g).some((m) => overflowed.has(m))) g.missedOverflow = true;
    }
  }

  /** Notes a gate whose aggregation its metric's (now known) kind has not. */
  private noteKindProblem(g: CompiledGate): void {
    const problem = kindProblem(g, this.metricInfo(g.ref.metric).kind);
    if (problem !== null && !this.refusedGates.has(g.id)) this.refusedGates.set(g.id, problem);
  }

  /**
   * Gates k6 would refuse (exit 104), each with the reason: an aggregation the metric's declared
   * kind has not, or `count`/`rate` on a metric of unknown kind (k6's CSV declares none), whose
   * meaning depends on the kind. `evaluate` refuses them (exit 2); a report judges them failed.
   */
  refusals(): Array<{ id: string; reason: string }> {
    // Held-back points count too (m.count): a short input is still all pending here.
    this.settle();
    for (const g of this.gates) {
      const m = this.metricInfo(g.ref.metric);
      // A metric that never had a sample is no CSV question (its count is 0 whatever its kind).
      if (this.refusedGates.has(g.id) || derivedMetric(g.ref.metric) || m.kind !== undefined || m.count === 0) continue;
      if (g.threshold.aggregate.kind === 'count' || g.threshold.aggregate.kind === 'rate') {
        this.refusedGates.set(
          g.id,
          `${g.threshold.aggregate.kind} on ${g.ref.metric}, whose kind is unknown (no Metric line declares it; k6's CSV declares none): a Counter's ${g.threshold.aggregate.kind} and a Rate's differ, so set evaluate.metricTypes.${g.ref.metric}`,
        );
      }
    }
    return [...this.refusedGates].map(([id, reason]) => ({ id, reason }));
  }

  note(line: number, text: string): void {
    this.inputNotes.add(`${this.current?.summary.source ?? '(unknown)'}:${line}: ${text}`);
  }

  malformed(line: number, reason: string): void {
    this.pointsRead++;
    this.malformedCount++;
    const s = this.current;
    if (s) s.summary.malformed++;
    if (this.problems.length < this.config.reportProblems) {
      this.problems.push({ source: s?.summary.source ?? '(unknown)', line, reason });
    }
  }

  point(metric: string, time: number, value: number, tagsRaw: string | null, tags: Record<string, string> | null, line: number): void {
    let info: TagInfo;
    if (tagsRaw !== null && tagsRaw === this.lastTagsRaw) {
      info = this.lastTagInfo!;
    } else {
      info = this.tagInfoFor(tagsRaw, tags);
      this.lastTagsRaw = tagsRaw;
      this.lastTagInfo = info;
    }
    this.record(this.metricInfo(metric), info, time, value, line);
  }

  /** The tag info of a tag set given as its JSON text or parsed (cached by text). */
  private tagInfoFor(tagsRaw: string | null, tags: Record<string, string> | null): TagInfo {
    const key = tagsKey(tagsRaw, tags);
    let info = this.tagCache.get(key);
    if (info === undefined) {
      info = this.tagInfo(tags ?? (tagsRaw === null ? null : (JSON.parse(tagsRaw) as Record<string, string>)));
      if (this.tagCache.size >= TAG_CACHE_LIMIT) this.tagCache.clear();
      this.tagCache.set(key, info);
    }
    return info;
  }

  private record(m: MetricInfo, info: TagInfo, time: number, value: number, line = 0): void {
    if (this.pending !== null) {
      this.pending.push({ m, info, time, value, line, source: this.current });
      if (this.pending.length >= FAR_OFF_ANCHOR) this.anchor();
      return;
    }
    if ((time < this.acceptFrom || time > this.acceptTo) && this.isFarOff(m, time, line)) return;
    this.keep(m, info, time, value);
  }

  /** Anchors the run's time at the median of the held-back points, then takes them in order. */
  private anchor(): void {
    const held = this.pending;
    if (held === null) return;
    this.pending = null;
    if (held.length === 0) return;
    const times = held.map((p) => p.time).sort((a, b) => a - b);
    const median = times[Math.floor((times.length - 1) / 2)]!;
    this.acceptFrom = median - FAR_OFF_MIN_MS;
    this.acceptTo = median + FAR_OFF_MIN_MS;
    const current = this.current;
    // Judged nearest the median first: the range kept grows outward from it, as it would in time
    // order. Kept in arrival order, the order k6 sums a trend's values in (the mean, aggregates.ts).
    const byDistance = held.map((_, i) => i).sort((a, b) => Math.abs(held[a]!.time - median) - Math.abs(held[b]!.time - median));
    const left = new Uint8Array(held.length);
    const span = { first: this.firstTime, last: this.lastTime };
    for (const i of byDistance) {
      const p = held[i]!;
      this.current = p.source;
      if ((p.time < this.acceptFrom || p.time > this.acceptTo) && this.isFarOff(p.m, p.time, p.line, median, span)) left[i] = 1;
      else {
        if (p.time < span.first) span.first = p.time;
        if (p.time > span.last) span.last = p.time;
      }
    }
    held.forEach((p, i) => {
      if (left[i] === 1) return;
      this.current = p.source;
      this.keep(p.m, p.info, p.time, p.value);
    });
    this.current = current;
  }

  /**
   * Is `time` too far from the samples kept (or the anchor, before any)? Then it is counted as a
   * malformed line and left out. Otherwise widens the range accepted without a look.
   */
  private isFarOff(m: MetricInfo, time: number, line: number, anchor = NaN, kept = { first: this.firstTime, last: this.lastTime }): boolean {
    const from = Number.isFinite(kept.first) ? kept.first : anchor;
    const to = Number.isFinite(kept.last) ? kept.last : anchor;
    const slack = Math.max(FAR_OFF_MIN_MS, to - from);
    if (time >= from - slack && time <= to + slack) {
      this.acceptFrom = Math.min(this.acceptFrom, from - slack);
      this.acceptTo = Math.max(this.acceptTo, to + slack);
      return false;
    }
    this.farOff++;
    const when = Number.isFinite(time) && Math.abs(time) < 8.64e15 ? new Date(time).toISOString() : String(time);
    const range = `${new Date(from).toISOString()} – ${new Date(to).toISOString()}`;
    this.farOffExample ??= `${m.name} at ${when}`;
    this.malformed(line, `${m.name}: time ${when} lies far outside the other samples' (${range}, more than ${fmtHours(slack)} away): left out of every figure`);
    return true;
  }

  /** The time of the run is settled: held-back points are judged and kept (or left out). */
  private settle(): void {
    if (this.pending !== null) this.anchor();
  }

  private keep(m: MetricInfo, info: TagInfo, time: number, value: number): void {
    this.pointsRead++;
    this.points++;
    const s = this.current;
    if (s) s.summary.points++;
    if (time < this.firstTime) this.firstTime = time;
    if (time > this.lastTime) this.lastTime = time;
    m.count++;
    if (m === this.overflowMetric) {
      this.store.overflowFor(OVERFLOW_METRIC).record(time, value, info.errorTagged);
      return;
    }
    const phase = this.phaseLabels ? this.timeline.at(time) + 1 : 0;
    if (m.perInput) {
      this.recordPerInput(m, info, phase, time, value);
      return;
    }
    let perPhase = info.series[m.index];
    if (perPhase === undefined) {
      perPhase = [];
      info.series[m.index] = perPhase;
    }
    let series = perPhase[phase];
    if (series === undefined) {
      const selected = phase === 0 ? info.selected : { ...info.selected, phase: this.timeline.names[phase - 1]! };
      series = this.store.get(m.name, selected);
      perPhase[phase] = series;
    }
    series.record(time, value, info.errorTagged || (m.failedRate && value !== 0));
  }

  /** k6's VU gauges go to a series per input, added up across inputs for gates and reports. */
  private recordPerInput(m: MetricInfo, info: TagInfo, phase: number, time: number, value: number): void {
    const source = this.current?.summary.source ?? '';
    const cache = (info.inputSeries ??= new Map());
    const key = `${m.index}\0${phase}\0${source}`;
    let series = cache.get(key);
    if (series === undefined) {
      const selected = phase === 0 ? info.selected : { ...info.selected, phase: this.timeline.names[phase - 1]! };
      series = this.store.get(m.name, { ...selected, [INPUT_TAG]: source });
      cache.set(key, series);
    }
    series.record(time, value, info.errorTagged);
  }

  /**
   * A batch a worker thread's Scanner read from `source` (scan.ts): its events and points in
   * stream order, with the same effect as reading those lines here.
   */
  ingestBatch(source: string, batch: ScanBatch, ring: Float64Array, keySpace = source, lineBase = 0): void {
    const s = this.current?.summary.source === source ? this.current : this.source(source);
    this.current = s;
    // Each reading thread numbers its own keys (several read blocks of one file).
    let keys = this.batchKeys.get(keySpace);
    if (keys === undefined) this.batchKeys.set(keySpace, (keys = []));
    const { count, events, at } = batch;
    const base = batch.slot * SLOT_VALUES;
    let e = 0;
    for (let k = 0; k <= count; k++) {
      for (; e < events.length && at[e] === k; e++) {
        const ev = events[e]!;
        switch (ev.kind) {
          case 'key':
            keys[ev.id] = { metric: this.metricInfo(ev.metric), info: this.tagInfoFor(ev.tagsRaw, ev.tags), watched: this.watched?.metrics.has(ev.metric) === true };
            break;
          case 'reset-keys':
            keys.length = 0;
            break;
          case 'declare':
            this.declare(ev.metric, ev.metricKind, ev.isTime, ev.thresholds, ev.line);
            break;
          case 'malformed':
            this.malformed(ev.line, ev.reason);
            break;
          case 'note':
            this.note(ev.line, ev.text);
            break;
          case 'format':
            s.summary.format = ev.format;
            break;
          case 'source':
            this.describeSource(source, ev);
            break;
        }
      }
      if (k === count) break;
      const i = base + k * POINT_VALUES;
      const key = keys[ring[i]!]!;
      // The line (of its block: lineBase before it) names the point if it is left out as far off.
      this.record(key.metric, key.info, ring[i + 1]!, ring[i + 2]!, ring[i + 3]! + lineBase);
      if (key.watched) this.watched!.onPoint(key.metric.name, ring[i + 1]!, ring[i + 2]!);
    }
    s.summary.lines += batch.lines;
  }

  private tagInfo(own: Record<string, string> | null): TagInfo {
    const derived = own !== null && this.opts.deriveTags ? this.opts.deriveTags(own) : null;
    const tags = derived ? { ...derived, ...own } : own;
    const selected: Record<string, string> = {};
    if (tags !== null) {
      for (const key of this.groupBy) {
        if (key === 'status_class') {
          const st = tags.status;
          if (st !== undefined && st !== '') selected.status_class = /^\d{3}$/.test(st) ? `${st[0]}xx` : st;
        } else if (key === 'phase' && this.phaseLabels) {
          continue;
        } else {
          const v = tags[key];
          if (v !== undefined) selected[key] = v;
        }
      }
    }
    return { selected, errorTagged: tags?.expected_response === 'false', series: [] };
  }

  /** Recording threads (record-router.ts) while they record; null when points are recorded here. */
  private router: RecordRouter | null = null;
  /** Recording threads used (for the report's thread count). */
  private recordingThreads = 0;

  /**
   * From now on, points are recorded on `threads` recording threads (record-router.ts): call before
   * the first point, and collectRecorded() before finish() or a mergeable state. For inputs read to
   * the end first: live gates (a run's abortOnFail) read the series while k6 runs.
   */
  recordOnThreads(script: URL, threads: number): void {
    this.router = new RecordRouter(this.store, script, threads, this.bucketHistogramMetrics);
    this.recordingThreads = threads;
  }

  /** The recording threads' series, back in this evaluation's store (a no-op without them). */
  async collectRecorded(): Promise<void> {
    const router = this.router;
    if (router === null) return;
    this.settle(); // held-back points are recorded too
    this.router = null;
    await router.finish();
  }

  /** Frees every histogram without making a report (on error). */
  dispose(): void {
    this.finished = true;
    this.router?.stop();
    this.router = null;
    this.store.destroy();
  }

  // ---- mergeable state (evaluator/state.ts saves and merges through these hooks) -------------

  /** The parts of this evaluation a mergeable state holds; live references, for state.ts only. */
  mergeParts(): MergeParts {
    if (this.router !== null) throw new Error('the recording threads are still recording (collectRecorded first)');
    this.settle();
    return {
      settings: {
        groupBy: [...this.groupBy].sort(),
        bucketWidthMs: bucketWidthMsOf(this.config),
        maxBuckets: this.config.maxBuckets,
        seriesCap: this.config.seriesCap,
        bucketHistograms: this.bucketHistogramMetrics,
        phaseLabels: this.phaseLabels,
      },
      overflowFilters: [...new Set(this.gates.filter((g) => !g.missedOverflow).map(gateFilterKey))].filter((k): k is string => k !== null).sort(),
      store: this.store,
      metrics: [...this.metrics.values()].map((m) => ({ name: m.name, kind: m.kind, thresholds: m.thresholds, count: m.count })),
      inputs: [...this.sources.values()].map((s) => s.summary),
      problems: this.problems,
      counts: { pointsRead: this.pointsRead, points: this.points, malformed: this.malformedCount, firstTime: this.firstTime, lastTime: this.lastTime },
      abort: this.abortInfo,
      partialInput: this.partialInput,
      phaseEvents: this.phaseEvents,
    };
  }

  /** Adds a saved state's bookkeeping (its series go into mergeParts().store via state.ts). */
  absorbParts(p: Omit<MergeParts, 'settings' | 'store' | 'phaseEvents' | 'overflowFilters'>): void {
    for (const m of p.metrics) {
      if (m.kind !== undefined) this.declare(m.name, m.kind.kind, m.kind.isTime, m.thresholds, 0);
      this.metricInfo(m.name).count += m.count;
    }
    for (const input of p.inputs) this.sources.set(input.source, { summary: { ...input }, reader: new SourceReader(this, this.opts.format, () => {}) });
    for (const problem of p.problems) if (this.problems.length < this.config.reportProblems) this.problems.push(problem);
    this.pointsRead += p.counts.pointsRead;
    this.points += p.counts.points;
    this.malformedCount += p.counts.malformed;
    this.firstTime = Math.min(this.firstTime, p.counts.firstTime);
    this.lastTime = Math.max(this.lastTime, p.counts.lastTime);
    if (p.abort && (this.abortInfo === null || p.abort.time < this.abortInfo.time)) this.abortInfo = p.abort;
    if (p.partialInput) this.partialInput = true;
  }

  // ---- gates and report --------------------------------------------------------------------

  /** The time buckets' width now (it doubles when a run outgrows maxBuckets). */
  get bucketWidthMs(): number {
    return this.store.bucketWidthMs;
  }

  private gateContext(final: boolean): GateContext {
    return {
      final,
      series: visibleSeries(this.store),
      kindOf: (m) => this.metricInfo(m).kind,
      bucketWidthMs: this.store.bucketWidthMs,
      baselineReport: this.opts.baselineReport ?? null,
      missingBaseline: this.config.missingBaseline,
      runDurationMs: this.runDurationMs(),
    };
  }

  /** The test's duration for counters' rates: k6's when given, else first to last sample of the whole input. */
  private runDurationMs(): number {
    if (this.opts.testRunDurationMs !== undefined) return this.opts.testRunDurationMs;
    return this.lastTime > this.firstTime ? this.lastTime - this.firstTime : 0;
  }

  /** Judges the gates now; `liveOnly` judges only gates marked abortOnFail (for live aborts). */
  checkGates(opts: { liveOnly?: boolean } = {}): GateResult[] {
    if (!opts.liveOnly || (this.pending?.length ?? 0) >= FAR_OFF_ANCHOR_LIVE) this.settle();
    const locustCsv = [...this.sources.values()].some((s) => s.summary.format === 'locust-csv');
    return this.gates
      .filter((g) => !opts.liveOnly || g.config.abortOnFail)
      .map((g) => {
        let result = judgeGate(g, this.gateContext(!opts.liveOnly));
        // Locust's CSV history has no request durations: the gate says why, and where the approximation is.
        if (locustCsv && result.observed === null && result.verdict !== 'pass' && sourceMetrics(g.ref).includes('http_req_duration')) {
          result = { ...result, message: `${result.message}; ${LOCUST_CSV_NO_DURATIONS}` };
        }
        // Locust writes no history row when it stops: the file's counts are a lower bound. Only a
        // `count >`/`>=` that holds on them holds on Locust's full counts; anything else is a warn.
        const lowerBoundHolds = g.threshold.aggregate.kind === 'count' && (g.threshold.operator === '>' || g.threshold.operator === '>=');
        if (locustCsv && result.verdict === 'pass' && !lowerBoundHolds) {
          result = { ...result, verdict: 'warn', message: `${result.message}; ${LOCUST_CSV_MISSING_TAIL}` };
        }
        const refused = this.refusedGates.get(g.id);
        // Never a figure k6 would not give: judged failed, with k6's reason.
        return refused === undefined
          ? result
          : { ...result, verdict: 'fail' as const, observed: null, worstWindowStart: null, message: `${g.config.metric}: refused, as k6 refuses it: ${refused}` };
      });
  }

  get trusted(): boolean {
    this.settle();
    return this.pointsRead === 0 ? this.malformedCount === 0 : this.malformedCount / this.pointsRead <= this.config.malformedTolerance;
  }

  /** The report model. Frees every histogram: the evaluation cannot be used afterwards. */
  finish(): ReportModel {
    if (this.finished) throw new Error('evaluation already finished');
    if (this.router !== null) throw new Error('the recording threads are still recording (collectRecorded first)');
    this.finished = true;
    try {
      this.refusals();
      const gates = this.checkGates();
      // Locust's CSV history is an approximation: the report says so first (every writer shows notes).
      const label = approximationLabel([...this.sources.values()].map((s) => s.summary));
      const notes = [...(label ? [label] : []), ...this.inputNotes];
      if (this.farOff > 0) {
        notes.push(
          `${this.farOff} sample(s) lay far outside the run's time range (first: ${this.farOffExample}) and were left out of every figure, counted as malformed lines (see the problems); the rest was judged without them`,
        );
      }
      const visible = visibleSeries(this.store);
      const series = visible.map((s) => this.seriesReport(s));
      series.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const first = Number.isFinite(this.firstTime) ? this.firstTime : null;
      const last = Number.isFinite(this.lastTime) ? this.lastTime : null;
      const trusted = this.trusted;
      return {
        schemaVersion: REPORT_SCHEMA_VERSION,
        tool: { name: 'chaosgate', version: CHAOSGATE_VERSION },
        createdAt: new Date().toISOString(),
        verdict: trusted ? overallVerdict(gates) : 'fail',
        partial: this.abortInfo !== null || this.partialInput,
        abort: this.abortInfo,
        inputs: [...this.sources.values()].map((s) => s.summary),
        totals: {
          pointsRead: this.pointsRead,
          points: this.points,
          malformed: this.malformedCount,
          malformedTolerance: this.config.malformedTolerance,
          trusted,
          problems: this.problems,
          perMetric: Object.fromEntries([...this.metrics.values(), this.overflowMetric].filter((m) => m.count > 0).map((m) => [m.name, m.count])),
          series: series.length,
          seriesCap: this.config.seriesCap,
          overflowPoints: series.filter((s) => s.overflow).reduce((n, s) => n + s.count, 0),
          firstTime: first,
          lastTime: last,
        },
        config: {
          groupBy: this.groupBy,
          bucketWidthMs: this.store.bucketWidthMs,
          ...bucketWidthPickedField(this.config, this.opts.bucketWidthPicked),
          maxBuckets: this.config.maxBuckets,
          seriesCap: this.config.seriesCap,
          // The main thread, plus the reading threads of the input read by the most (of all inputs
          // when they were read at once: a run's shards).
          threads: { allowed: evaluateThreads(this.config), used: 1 + this.readingThreads() + this.recordingThreads },
        },
        phases: this.phaseLabels ? this.timeline.segments(first, last) : [],
        series,
        latency: latencyGroups(visible),
        gates,
        ...notesOf([...notes, ...baselineNotes(this.gates, this.gateContext(true))]),
      };
    } finally {
      this.store.destroy();
    }
  }

  private seriesReport(s: Series): SeriesReport {
    const info = this.metricInfo(s.metric).kind ?? { kind: 'trend' as const, isTime: false };
    const t = s.summary();
    const out: SeriesReport = {
      id: s.key,
      metric: s.metric,
      kind: info.kind,
      isTime: info.isTime,
      tags: s.tags,
      overflow: s.overflow,
      count: t.count,
      errors: t.errors,
      firstTime: t.firstTime,
      lastTime: t.lastTime,
      buckets: { widthMs: this.store.bucketWidthMs, items: [] },
    };
    if (info.kind === 'trend' && t.hist && t.count > 0) {
      // k6's percentile definition; exact within the exact-value budget (aggregates.ts).
      // Values the histogram could not hold, past the budget: what it holds, bounded by min and max.
      const p = (q: number) => trendPercentile(t, q) ?? Math.min(t.max, Math.max(t.min, t.hist!.percentile(q) / HISTOGRAM_SCALE));
      out.trend = { min: t.min, max: t.max, avg: trendMean(t), sum: t.sum, p50: p(50), p90: p(90), p95: p(95), p99: p(99) };
      out.histogram = { encoding: 'hdr-compressed-base64', scale: HISTOGRAM_SCALE, significantDigits: SIGNIFICANT_DIGITS, data: t.hist.encode() };
    } else if (info.kind === 'counter') {
      const duration = this.runDurationMs();
      out.counter = { sum: t.sum, ratePerSecond: duration > 0 ? t.sum / durationSeconds(duration) : 0, min: t.min, max: t.max };
    } else if (info.kind === 'rate') {
      out.rate = { passes: t.nonzero, fails: t.count - t.nonzero, total: t.count, rate: t.count ? t.nonzero / t.count : 0 };
    } else if (info.kind === 'gauge') {
      out.gauge = { last: t.last, min: t.min, max: t.max, avg: t.sum / t.count };
    }
    const starts = [...s.buckets.keys()].sort((a, b) => a - b);
    for (const start of starts) {
      const b = s.buckets.get(start)!;
      const item: TimeBucket = { start, count: b.count, errors: b.errors, sum: b.sum, min: b.min, max: b.max };
      if (info.kind === 'trend' && b.hist) {
        // k6's p(95) on the bucket's histogram, as a windowed gate reads it (model/percentile.ts).
        const n = b.hist.count;
        const { values, encoded } = b.hist.rankValuesAndEncoding(n > 0 ? percentileRanks(95, n) : []);
        if (n > 0) item.p95 = percentileOfRanks(95, n, values, b.min, b.max, HISTOGRAM_SCALE);
        item.histogram = encoded;
      } else if (info.kind === 'rate') item.passes = b.nonzero;
      else if (info.kind === 'gauge') item.last = b.last;
      out.buckets.items.push(item);
    }
    return out;
  }
}

function fmtHours(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 48 ? `${Math.round(h / 24)} days` : `${Math.round(h * 10) / 10} h`;
}

const notesOf = (notes: string[]) => (notes.length ? { notes } : {});

/**
 * Why k6 would refuse the gate's aggregation on a metric of `kind` (its metric_type.go: count and
 * rate on a Counter, rate on a Rate, value on a Gauge, avg/min/max/med/p(N) on a Trend), or null.
 * Metrics chaosgate produces itself (isOwnMetric) and metrics of unknown kind pass here, and a
 * gauge's min and max (chaosgate's extension, docs/k6-parity.md).
 */
export function kindProblem(g: CompiledGate, kind: MetricKindInfo | undefined): string | null {
  if (kind === undefined || derivedMetric(g.ref.metric) || isOwnMetric(g.ref.metric)) return null;
  const def = aggregates[g.threshold.aggregate.kind] as AggregateDef;
  if (def.appliesTo.includes(kind.kind)) return null;
  // Beyond k6: a gauge's exact extremes (k6's GaugeSink keeps them too; a peak GPU memory gate).
  if (kind.kind === 'gauge' && (g.threshold.aggregate.kind === 'min' || g.threshold.aggregate.kind === 'max')) return null;
  const allowed = Object.values(aggregates as Record<string, AggregateDef>)
    .filter((a) => a.appliesTo.includes(kind.kind))
    .map((a) => aggregateSyntax(a));
  return `${aggregateSyntax(def)} is not an aggregation of ${g.ref.metric}, a ${kind.kind} (k6 refuses it; a ${kind.kind} has ${allowed.join(', ')})`;
}

/** What evaluator/state.ts reads from (and adds to) an evaluation. */
export interface MergeParts {
  settings: {
    groupBy: string[];
    bucketWidthMs: number;
    maxBuckets: number;
    seriesCap: number;
    bucketHistograms: string[];
    phaseLabels: boolean;
  };
  store: SeriesStore;
  /** The gate filters whose tags samples past the cap keep (gates.ts overflowTags). */
  overflowFilters: string[];
  metrics: Array<{ name: string; kind: MetricKindInfo | undefined; thresholds: string[]; count: number }>;
  inputs: InputSummary[];
  problems: ReportModel['totals']['problems'];
  counts: { pointsRead: number; points: number; malformed: number; firstTime: number; lastTime: number };
  abort: ReportModel['abort'];
  partialInput: boolean;
  phaseEvents: PhaseEvent[];
}

/** Starts a streaming evaluation. Throws (a plain Error naming the gate) on an invalid gate. */
/** The report's word on an `auto` width: how it was picked, or that nothing picked it; absent for a width set. */
function bucketWidthPickedField(config: Pick<EvaluateConfig, 'bucketWidth'>, picked: string | undefined): { bucketWidthPicked?: string } {
  const text = picked ?? (config.bucketWidth === 'auto' ? AUTO_FALLBACK_NOTE : undefined);
  return text === undefined ? {} : { bucketWidthPicked: text };
}

export function createEvaluation(config: EvaluateConfigInput = {}, gates: GateConfigInput[] = [], opts: EvaluationOptions = {}): Evaluation {
  return new Evaluation(config, gates, opts);
}

/**
 * The console line for samples past the series cap (`run` and `evaluate` print it), or null.
 * Gates count them all the same (gates.ts overflowTags).
 */
export function overflowNote(model: ReportModel): string | null {
  const t = model.totals;
  if (t.overflowPoints === 0) return null;
  const metrics = model.series.filter((s) => s.overflow).map((s) => s.metric);
  const shown = metrics.slice(0, 5).join(', ') + (metrics.length > 5 ? `, … (${metrics.length} in all)` : '');
  const names = model.totals.perMetric[OVERFLOW_METRIC];
  return (
    `OVERFLOW ${t.overflowPoints} samples fell past the cap of ${t.seriesCap} series and were folded into overflow series (${shown})` +
    `${names ? `, ${names} of them of metric names past the cap, not kept one by one` : ''}; they keep their phase and the tags gate filters name, so gates still count them, but their other tags are not shown. Raise evaluate.seriesCap or group by fewer tags.`
  );
}

/** Refuses (exit 2) an evaluation holding gates k6 would refuse, naming each (Evaluation.refusals). */
export function refuseRefusedGates(ev: Evaluation): void {
  const refused = ev.refusals();
  if (refused.length === 0) return;
  throw new UsageError(`gates k6 would refuse:${refused.map((r) => `\n  - ${r.id}: ${r.reason}`).join('')}`);
}
