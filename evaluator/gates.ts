// Judges gates against the series: k6 aggregates on a metric or tag-filtered sub-metric, plus
// (beyond k6) a phase filter, a sliding window that must hold everywhere, and a baseline taken from
// another phase or a previous report. The aggregates are evaluator/aggregates.ts's; metrics no
// sample carries (the error budget `chaosgate_error_rate`) are evaluator/derived-metrics.ts's.
import type { GateConfig } from './config.js';
import { UsageError } from '../lib/errors.js';
import { validatedMs } from '../lib/duration.js';
import { aggregates, fromHistogram, type AggregateDef } from './aggregates.js';
import { derivedMetric } from './derived-metrics.js';
import { defaultGateId } from '../model/gate-id.js';
import { Histogram } from '../model/histogram.js';
import { isLocustCsvMetric, type MetricKindInfo } from '../model/k6-metrics.js';
import { HDR_PRECISION_CAVEAT, type GateResult, type ReportModel, type SeriesReport, type Verdict } from '../model/report.js';
import { Bag, HISTOGRAM_SCALE, type Series } from './series.js';
import { compare, driftInner, parseDriftThreshold, parseMetricRef, parseThreshold, resolveRhs, type DriftThreshold, type MetricRef, type Threshold } from './thresholds.js';
import { judgeDriftGate } from './drift-gates.js';
import { baselineList, median, type BaselineReports } from './baseline.js';

export interface CompiledGate {
  id: string;
  config: GateConfig;
  ref: MetricRef;
  threshold: Threshold;
  windowMs: number | null;
  /**
   * Samples of its metric went past the series cap before this gate was known (a threshold k6
   * declared late, a shard's state made without it): the overflow kept no tags for its filter, so
   * its figure may miss them.
   */
  missedOverflow?: boolean;
  /** A drift gate (metric `drift(<metric>)`): its measure and limit; `threshold` then names the per-window figure. */
  drift: DriftThreshold | null;
}

/** A drift gate's windows when it names none. */
export const DEFAULT_DRIFT_WINDOW = '1m';

export { defaultGateId } from '../model/gate-id.js';

/** A gate's result fields that come from its config (and the baseline it was compared with). */
export function gateFields(gate: CompiledGate, baselineSource: string | null) {
  const cfg = gate.config;
  return {
    id: gate.id,
    group: cfg.group,
    metric: cfg.metric,
    expression: cfg.expression,
    severity: cfg.severity,
    window: cfg.window ?? null,
    phase: cfg.phase ?? null,
    baseline: baselineSource,
    abortOnFail: cfg.abortOnFail,
  };
}

/** The window a gate is judged in (a drift gate has one by default), in ms; null for none. */
export function gateWindowMs(config: { metric: string; window?: string | number }): number | null {
  if (typeof config.window === 'number') return config.window;
  if (config.window) return validatedMs(config.window);
  return driftInner(config.metric) !== null ? validatedMs(DEFAULT_DRIFT_WINDOW) : null;
}

export function compileGate(config: GateConfig, index: number): CompiledGate {
  const inner = driftInner(config.metric);
  if (inner !== null) return compileDriftGate(config, index, inner);
  const ref = parseMetricRef(config.metric);
  if (/^\s*(slope_per_hour|change_pct)\b/.test(config.expression)) {
    throw new Error(`gates[${index}] (${config.id ?? defaultGateId(config)}): ${config.expression.trim()} is a drift measure: write the metric as drift(${config.metric})`);
  }
  const threshold = parseThreshold(config.expression);
  const id = config.id ?? defaultGateId(config);
  if (threshold.rhs.kind === 'baseline' && !config.baseline) {
    throw new Error(`gates[${index}] (${id}): expression uses "baseline" but no baseline is set`);
  }
  return { id, config, ref, threshold, windowMs: gateWindowMs(config), drift: null };
}

function compileDriftGate(config: GateConfig, index: number, inner: string): CompiledGate {
  const id = config.id ?? defaultGateId(config);
  let drift: DriftThreshold;
  try {
    drift = parseDriftThreshold(config.expression);
  } catch (err) {
    throw new Error(`gates[${index}] (${id}): ${(err as Error).message}`);
  }
  // Judged live, a drift gate would see too few windows early on and stop a healthy run.
  if (config.abortOnFail) throw new Error(`gates[${index}] (${id}): a drift gate is judged on the whole run, so it cannot abortOnFail`);
  if (config.baseline !== undefined && config.baseline !== 'report')
    throw new Error(`gates[${index}] (${id}): a drift gate compares with the baseline report only (baseline: "report" or none)`);
  const ref = parseMetricRef(inner);
  // The per-window figure, as a percentile so that the buckets keep a histogram for a trend (a rate ignores it).
  const threshold: Threshold = { source: config.expression, aggregate: { kind: 'percentile', p: 95 }, operator: drift.operator, rhs: { kind: 'number', value: drift.limit } };
  return { id, config, ref, threshold, windowMs: gateWindowMs(config), drift };
}

export interface GateContext {
  series: readonly Series[];
  kindOf(metric: string): MetricKindInfo | undefined;
  bucketWidthMs: number;
  /** The previous report, or several (each gate takes the median of their figures). */
  baselineReport: BaselineReports | null;
  /** A gate against the previous report when there is none (or only a partial one): warn (skipped, the default) or its severity. */
  missingBaseline?: 'warn' | 'fail';
  /**
   * The test's duration, which k6 divides a counter's sum by for its `rate` (k6's own when given,
   * else the whole input's first-to-last sample span: see docs/k6-parity.md); 0 when unknown.
   */
  runDurationMs: number;
  /**
   * The final verdict (not a live check while k6 still runs): a windowed gate whose samples span
   * less than one window cannot be shown to hold. Live, the run is young and the caller waits.
   */
  final?: boolean;
}

/** The previous reports a gate may compare with (partial ones left out), or why there are none. */
export function usableBaseline(given: BaselineReports | null): { reports: ReportModel[]; source: string; left: ReportModel[] } | { reports: null; why: string } {
  const all = baselineList(given);
  if (all.length === 0) return { reports: null, why: 'no previous report was given (the first night, an expired artifact, or none set)' };
  const reports = all.filter((r) => !r.partial);
  const left = all.filter((r) => r.partial);
  if (reports.length === 0) {
    const r = left[0]!;
    const why =
      all.length === 1
        ? `the previous report of ${r.createdAt} is partial (${r.abort?.reason ?? 'its run did not finish'}), so it is no baseline`
        : `all ${all.length} previous reports are partial, so none is a baseline`;
    return { reports: null, why };
  }
  const source = reports.length === 1 ? `report ${reports[0]!.createdAt}` : `median of ${reports.length} reports (${reports.map((r) => r.createdAt).join(', ')})`;
  return { reports, source, left };
}

/** A figure per baseline report, combined: their median (one report: its figure). */
export function baselineFigure(reports: readonly ReportModel[], figure: (r: ReportModel) => number | null): number | null {
  return median(reports.map(figure).filter((v): v is number => v !== null));
}

/** The verdict and message of a gate that needs the previous report and has none. */
export function missingBaselineResult(severity: Verdict, why: string, ctx: GateContext): { verdict: Verdict; message: string; skipped: boolean } {
  if ((ctx.missingBaseline ?? 'warn') === 'warn') return { verdict: 'warn', message: `skipped: ${why}; not judged (evaluate.missingBaseline: warn)`, skipped: true };
  return { verdict: severity, message: `${why}, so the gate cannot be shown to hold (evaluate.missingBaseline: fail)`, skipped: false };
}

function phaseMatches(tag: string | undefined, phase: string | undefined): boolean {
  if (phase === undefined) return true;
  if (tag === undefined) return false;
  if (phase.endsWith('*')) return tag.startsWith(phase.slice(0, -1));
  return tag === phase;
}

/** Does a series of `metric` count towards the gate on `ref` (in `phase`)? */
export function tagsMatch(tags: Record<string, string>, metric: string, ref: MetricRef, phase: string | undefined): boolean {
  const derived = derivedMetric(ref.metric);
  if (derived) {
    if (!derived.matches(metric, tags, ref.filter)) return false;
  } else {
    if (metric !== ref.metric) return false;
    for (const [k, v] of Object.entries(ref.filter)) if (tags[k] !== v) return false;
  }
  return phaseMatches(tags.phase, phase);
}

/** The metrics a gate reads: its own, or those a derived metric is computed from. */
export function sourceMetrics(ref: MetricRef): string[] {
  return [...(derivedMetric(ref.metric)?.sources ?? [ref.metric])];
}

/** The metrics a gate reads (for keeping them apart from the overflow). */
export function gateMetrics(gate: CompiledGate): string[] {
  return sourceMetrics(gate.ref);
}

/** A gate's tag filter as one text (`metric{k=v,...}`), for telling which filters an overflow kept tags for. */
export function gateFilterKey(gate: CompiledGate): string | null {
  const keys = Object.keys(gate.ref.filter).sort();
  return keys.length ? `${gate.ref.metric}{${keys.map((k) => `${k}=${gate.ref.filter[k]}`).join(',')}}` : null;
}

/**
 * The tags a sample of `metric` with (selected) `tags` keeps when it goes past the series cap: its
 * phase, and the tag pairs of every gate filter it matches. A gate's filter then matches the overflow
 * series exactly when it matches the sample (the pairs kept are the sample's own), so overflowing
 * changes no gate's figure — an unfiltered gate counted the overflow all along.
 */
export function overflowTags(gates: readonly CompiledGate[], metric: string, tags: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  if (tags.phase !== undefined) out.phase = tags.phase;
  for (const g of gates) {
    const keys = Object.keys(g.ref.filter);
    if (keys.length === 0 || !sourceMetrics(g.ref).includes(metric) || !tagsMatch(tags, metric, g.ref, undefined)) continue;
    for (const k of keys) if (tags[k] !== undefined) out[k] = tags[k];
  }
  return out;
}

interface Selection {
  perMetric: Map<string, Series[]>;
}

export function select(ctx: GateContext, ref: MetricRef, phase: string | undefined): Selection {
  const perMetric = new Map<string, Series[]>();
  for (const m of sourceMetrics(ref)) perMetric.set(m, []);
  for (const s of ctx.series) {
    const list = perMetric.get(s.metric);
    if (list && tagsMatch(s.tags, s.metric, ref, phase)) list.push(s);
  }
  return { perMetric };
}

/** The first and last bucket start over a selection's series (Infinity / -Infinity when it has none). */
export function bucketStartRange(sel: Selection): { minStart: number; maxStart: number } {
  let minStart = Infinity;
  let maxStart = -Infinity;
  for (const list of sel.perMetric.values()) {
    for (const s of list) {
      for (const start of s.buckets.keys()) {
        if (start < minStart) minStart = start;
        if (start > maxStart) maxStart = start;
      }
    }
  }
  return { minStart, maxStart };
}

/** A window as it is judged: whole buckets, at least one (a 10 s window in 3 s buckets: 12 s). */
export function wholeBucketsMs(windowMs: number, width: number): number {
  return Math.ceil(Math.max(windowMs, width) / width) * width;
}

/** HDR's error band around a value read from a histogram of `digits` digits: 0.1 % (3) or 1 % (2), and one recorded unit. */
const hdrBand = (digits: number, v: number) => 10 ** -digits * Math.abs(v) + 1 / HISTOGRAM_SCALE;

interface Observation {
  value: number | null;
  /** Read from an HDR histogram of this many digits (past the exact-value budget, or time buckets'); 0: exact. */
  approximate: number;
  /** Why there is no value although there are samples; null: none, or no samples. */
  why: string | null;
}

/** The aggregate of a bag, or null when there is nothing to aggregate. */
export function aggregateOf(t: Threshold, bags: Map<string, Bag>, ref: MetricRef, kind: MetricKindInfo | undefined, durationMs: number): Observation {
  const derived = derivedMetric(ref.metric);
  if (derived) return { value: derived.compute(bags), approximate: 0, why: null };
  const bag = bags.get(ref.metric)!;
  const aggregate: AggregateDef = aggregates[t.aggregate.kind];
  if (bag.count === 0 && !aggregate.definedWithoutSamples) return { value: null, approximate: 0, why: null };
  const value = aggregate.compute(bag, { kind, durationMs, argument: t.aggregate.p });
  let why: string | null = null;
  if (value === null && aggregate.histogram) why = 'values the histogram cannot hold (negative, or above ~9e9) past the exact-value budget';
  if (value === null && t.aggregate.kind === 'rate' && kind?.kind === 'counter') why = "the test's duration is not known (0)";
  return { value, approximate: aggregate.histogram === true && fromHistogram(bag) ? (bag.hist?.digits ?? 3) : 0, why };
}

export function mergeBags(lists: Map<string, Bag[]>): Map<string, Bag> {
  const out = new Map<string, Bag>();
  for (const [metric, bags] of lists) {
    const merged = new Bag();
    for (const b of bags) merged.absorb(b);
    out.set(metric, merged);
  }
  return out;
}

export function destroyAll(bags: Map<string, Bag>): void {
  for (const b of bags.values()) b.destroy();
}

/** A report series as a Bag, for baselines from a previous run. */
export function bagFromReport(s: SeriesReport): Bag {
  const b = new Bag();
  b.count = s.count;
  b.errors = s.errors;
  b.sum = s.trend?.sum ?? s.counter?.sum ?? s.rate?.passes ?? 0;
  b.min = s.trend?.min ?? s.counter?.min ?? s.gauge?.min ?? (s.rate ? 0 : Infinity);
  b.max = s.trend?.max ?? s.counter?.max ?? s.gauge?.max ?? (s.rate ? 1 : -Infinity);
  b.nonzero = s.rate?.passes ?? 0;
  b.last = s.gauge?.last ?? 0;
  b.lastTime = s.lastTime;
  b.firstTime = s.firstTime;
  // A report of an older chaosgate recorded at another scale: its percentiles are not comparable.
  b.hist = s.histogram && s.histogram.scale === HISTOGRAM_SCALE ? Histogram.decode(s.histogram.data, s.histogram.significantDigits) : null;
  b.histIncomplete = s.histogram !== undefined && s.histogram.scale !== HISTOGRAM_SCALE;
  b.inexact = true;
  return b;
}

function baselineValue(gate: CompiledGate, ctx: GateContext): { value: number | null; source: string; missing?: string } {
  const spec = gate.config.baseline!;
  const kind = ctx.kindOf(gate.ref.metric);
  if (spec.startsWith('phase:')) {
    const phase = spec.slice('phase:'.length);
    const sel = select(ctx, gate.ref, phase);
    const bags = mergeBags(new Map([...sel.perMetric].map(([m, list]) => [m, list.map((s) => s.summary())])));
    const duration = spanOf(bags);
    const value = aggregateOf(gate.threshold, bags, gate.ref, kind, duration).value;
    destroyAll(bags);
    return { value, source: spec };
  }
  const usable = usableBaseline(ctx.baselineReport);
  if (!usable.reports) return { value: null, source: 'report (none)', missing: usable.why };
  const value = baselineFigure(usable.reports, (report) => {
    const lists = new Map<string, Bag[]>(sourceMetrics(gate.ref).map((m) => [m, []]));
    for (const s of report.series) {
      const list = lists.get(s.metric);
      if (list && tagsMatch(s.tags, s.metric, gate.ref, gate.config.phase)) list.push(bagFromReport(s));
    }
    const bags = mergeBags(lists);
    for (const list of lists.values()) for (const b of list) b.destroy();
    const v = aggregateOf(gate.threshold, bags, gate.ref, kind, spanOf(bags)).value;
    destroyAll(bags);
    return v;
  });
  return { value, source: usable.source };
}

export function spanOf(bags: Map<string, Bag>): number {
  let first = Infinity;
  let last = -Infinity;
  for (const b of bags.values()) {
    if (b.firstTime < first) first = b.firstTime;
    if (b.lastTime > last) last = b.lastTime;
  }
  return last > first ? last - first : 0;
}

function fmtSpan(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${fmt(ms / 1000)} s`;
}

export function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, '');
}

/** Is `a` a worse observation than `b` for this operator? (Further on the breaching side.) */
function worse(op: Threshold['operator'], a: number, b: number): boolean {
  return op === '>' || op === '>=' ? a < b : a > b;
}

/**
 * A gate on Locust's rolling percentiles (read from its CSV history, not samples) is an
 * approximation: one that holds could fail on the requests' exact figure, so it is a warn, never
 * a pass; one that is breached keeps its verdict.
 */
function approximated(gate: CompiledGate, result: GateResult): GateResult {
  if (result.verdict !== 'pass' || !sourceMetrics(gate.ref).some(isLocustCsvMetric)) return result;
  return {
    ...result,
    verdict: 'warn',
    message: `${result.message}; an approximation (Locust's rolling percentiles from its CSV history, not samples of requests), so a warn, never a pass`,
  };
}

export function judgeGate(gate: CompiledGate, ctx: GateContext): GateResult {
  return approximated(gate, gate.drift ? judgeDriftGate(gate, gate.drift, ctx) : judgeSampleGate(gate, ctx));
}

function judgeSampleGate(gate: CompiledGate, ctx: GateContext): GateResult {
  const started = performance.now();
  const cfg = gate.config;
  const kind = ctx.kindOf(gate.ref.metric);
  let limit: number | null = null;
  let baselineSource: string | null = null;
  let baselineFigure: number | null = null;
  let missingBaseline: string | null = null;
  let skipped = false;
  if (gate.threshold.rhs.kind === 'baseline') {
    const b = baselineValue(gate, ctx);
    baselineSource = b.source;
    baselineFigure = b.value;
    missingBaseline = b.missing ?? null;
    limit = resolveRhs(gate.threshold.rhs, b.value);
  } else {
    limit = gate.threshold.rhs.value;
  }
  const sel = select(ctx, gate.ref, cfg.phase);
  let observed: number | null = null;
  let approximate = 0;
  let why: string | null = null;
  let worstStart: number | null = null;
  let holds = true;
  /** The samples' span (whole buckets) when shorter than the gate's window, else null. */
  let shortSpanMs: number | null = null;
  if (gate.windowMs === null) {
    const bags = mergeBags(new Map([...sel.perMetric].map(([m, list]) => [m, list.map((s) => s.summary())])));
    // A counter's rate is over the test's duration, as k6 divides; within a phase, over the
    // phase's samples (k6 has no phases).
    const obs = aggregateOf(gate.threshold, bags, gate.ref, kind, cfg.phase ? spanOf(bags) : ctx.runDurationMs);
    destroyAll(bags);
    observed = obs.value;
    approximate = obs.approximate;
    why = obs.why;
    if (observed !== null && limit !== null) holds = compare(observed, gate.threshold.operator, limit);
  } else {
    const width = ctx.bucketWidthMs;
    const span = Math.max(gate.windowMs, width);
    const { minStart, maxStart } = bucketStartRange(sel);
    // Only whole windows count: a window that runs past the last bucket (the end of the run, or
    // now in a live check) holds too few samples to judge. A run shorter than one window is
    // judged as one window.
    // No bucket at all (the filter or phase matched nothing): no window, "no samples" below.
    // Windows and their buckets are counted, not stepped to a bound: a step below the precision
    // of a far-off time would never reach it (the bucket count is bounded by the store).
    const windowCount = minStart === Infinity ? 0 : Math.floor((Math.max(minStart, maxStart + width - span) - minStart) / width) + 1;
    if (minStart !== Infinity && maxStart + width - minStart < gate.windowMs) shortSpanMs = maxStart + width - minStart;
    const bucketsPerWindow = Math.ceil(span / width);
    for (let w = 0; w < windowCount; w++) {
      const ws = minStart + w * width;
      const lists = new Map<string, Bag[]>();
      for (const [m, list] of sel.perMetric) {
        const bags: Bag[] = [];
        for (const s of list) {
          for (let k = 0; k < bucketsPerWindow; k++) {
            const b = s.buckets.get(ws + k * width);
            if (b) bags.push(b);
          }
        }
        lists.set(m, bags);
      }
      const bags = mergeBags(lists);
      const obs = aggregateOf(gate.threshold, bags, gate.ref, kind, span);
      destroyAll(bags);
      const value = obs.value;
      if (value === null) continue;
      if (obs.approximate > 0) approximate = approximate === 0 ? obs.approximate : Math.min(approximate, obs.approximate);
      const ok = limit === null ? true : compare(value, gate.threshold.operator, limit);
      if (observed === null || worse(gate.threshold.operator, value, observed)) {
        observed = value;
        worstStart = ws;
      }
      if (!ok) holds = false;
    }
  }
  let verdict: Verdict;
  let message: string;
  /** The figure is no verdict's basis (the message keeps it, as text): every writer shows the message. */
  let figureless = false;
  const where = `${cfg.metric}${cfg.phase ? ` in phase ${cfg.phase}` : ''}`;
  const rhsText = limit === null ? 'no baseline' : fmt(limit);
  // Samples past the series cap keep the tags of the gate filters they match (overflowTags), so a
  // gate counts them exactly; only a gate that came after its metric overflowed may miss some.
  const overflowed = gate.missedOverflow ? sourceMetrics(gate.ref).filter((m) => ctx.series.some((s) => s.overflow && s.metric === m && s.buckets.size > 0)) : [];
  if (overflowed.length > 0) {
    verdict = 'fail';
    // Not a figure to compare or show as one: the message keeps it, as text.
    message = `${where}: series of ${overflowed.join(', ')} overflowed the cap of series before this gate was known (a threshold declared late, or a state made without this gate), so its figure is not trustworthy (observed ${observed === null ? 'nothing' : fmt(observed)}, limit ${rhsText}); raise evaluate.seriesCap or group by fewer tags`;
  } else if (missingBaseline !== null) {
    ({ verdict, message, skipped } = missingBaselineResult(cfg.severity, missingBaseline, ctx));
    message = `${where}: ${message}`;
  } else if (limit === null) {
    verdict = cfg.severity;
    message = `${where}: no baseline value (${baselineSource}), so the gate cannot be shown to hold`;
  } else if (observed === null) {
    verdict = cfg.severity;
    message = why !== null ? `${where}: no figure (${why}), so the gate cannot be shown to hold` : `${where}: no samples, so the gate cannot be shown to hold`;
  } else if (holds && shortSpanMs !== null && ctx.final) {
    // "5xx > 2 % over 5 minutes" says nothing about an 80 s run: a window that never fitted is not
    // shown to hold (as a gate without samples), whatever the shorter span looked like.
    verdict = cfg.severity;
    figureless = true;
    message = `${where}: the samples span only ${fmtSpan(shortSpanMs)}, shorter than one ${cfg.window} window, so the gate cannot be shown to hold (observed ${fmt(observed)} over that span, limit ${rhsText}); run at least ${cfg.window} or shorten the window`;
  } else if (holds) {
    verdict = 'pass';
    // The sentence with the figures is built once, from the result's fields, when the report is
    // finished (reports/gate-text.ts gateSentence); the message keeps words only where no figure can.
    message = `${where}: ${gate.threshold.source.replace(/\s+/g, '')} holds`;
  } else {
    verdict = cfg.severity;
    // Said after the sentence's figures: the window's figure came from a shorter span than one window.
    const short = shortSpanMs !== null ? `; over the ${fmtSpan(shortSpanMs)} the samples span, shorter than one ${cfg.window} window` : '';
    message = `${where}: ${gate.threshold.source.replace(/\s+/g, '')} breached${short}`;
  }
  // A window that is not whole buckets is judged over the next whole number of them: said, not hidden.
  if (gate.windowMs !== null && !figureless && overflowed.length === 0 && ctx.bucketWidthMs > 0 && gate.windowMs % ctx.bucketWidthMs !== 0) {
    message += `; judged over windows of ${fmtSpan(wholeBucketsMs(gate.windowMs, ctx.bucketWidthMs))}: the ${cfg.window ?? DEFAULT_DRIFT_WINDOW} window in whole ${fmtSpan(ctx.bucketWidthMs)} buckets (set evaluate.bucketWidth to a divisor of the window for exact windows)`;
  }
  // A figure read from the HDR histogram is within 0.1 % of k6's: a limit inside that band could
  // be judged the other way by k6, which the message says rather than flip silently.
  if (observed !== null && limit !== null && approximate > 0 && overflowed.length === 0 && Math.abs(limit - observed) <= hdrBand(approximate, observed)) {
    message += `${HDR_PRECISION_CAVEAT} of the observed value (${approximate === 3 ? '0.1' : '1'} %: the figure comes from the histogram${gate.windowMs === null ? ', past the exact-value budget' : 's of the time buckets'}), so k6 may judge it the other way`;
  }
  return {
    ...gateFields(gate, baselineSource),
    observed: overflowed.length > 0 || figureless ? null : observed,
    // JSON holds no Infinity or NaN (`<Inf`, `<NaN` are k6 thresholds): the message keeps them.
    limit: limit !== null && Number.isFinite(limit) ? limit : null,
    worstWindowStart: overflowed.length > 0 || figureless ? null : worstStart,
    verdict,
    message,
    durationMs: performance.now() - started,
    ...(skipped ? { skipped: true as const } : {}),
    ...(gate.threshold.rhs.kind === 'baseline' ? { baselineValue: baselineFigure } : {}),
  };
}

/** Does the gate read the previous report (a `baseline: "report"` gate, a drift gate's change_pct)? */
export function readsBaselineReport(gate: CompiledGate): boolean {
  return gate.drift ? gate.drift.measure === 'change_pct' : gate.config.baseline === 'report';
}

/** What the report says about its baseline report: missing or partial (gates skipped), or itself a fail. */
export function baselineNotes(gates: readonly CompiledGate[], ctx: Pick<GateContext, 'baselineReport' | 'missingBaseline'>): string[] {
  const reading = gates.filter(readsBaselineReport);
  if (reading.length === 0) return [];
  const usable = usableBaseline(ctx.baselineReport);
  if (!usable.reports) {
    const what = (ctx.missingBaseline ?? 'warn') === 'warn' ? 'skipped (warn)' : 'not shown to hold (evaluate.missingBaseline: fail)';
    return [`no baseline: ${usable.why}; ${reading.length} gate(s) against the previous report ${what}: ${reading.map((g) => g.id).join('; ')}`];
  }
  const notes: string[] = [];
  if (usable.left.length) notes.push(`${usable.left.length} partial previous report(s) left out of the baseline: ${usable.left.map((r) => r.createdAt).join(', ')}`);
  for (const r of usable.reports) if (r.verdict === 'fail') notes.push(`the baseline report of ${r.createdAt} had the verdict fail: its figures are compared with as they are`);
  if (usable.reports.length > 1) notes.push(`baseline: the ${usable.source}`);
  return notes;
}

export function overallVerdict(results: GateResult[]): Verdict {
  if (results.some((r) => r.verdict === 'fail')) return 'fail';
  if (results.some((r) => r.verdict === 'warn')) return 'warn';
  return 'pass';
}

/**
 * A gate run with nothing to judge passes whatever happened (a missing config in CI shows green):
 * refused, exit 2, unless the user says so. `gates` counts every gate that will be judged: the
 * config's plus k6 thresholds that will be judged beside them. `where` names the fix.
 */
export function refuseNoGates(gates: number, opts: { allowNoGates: boolean; where: string }): void {
  if (gates > 0 || opts.allowNoGates) return;
  throw new UsageError(`no gates to judge: ${opts.where}. A run with no gates would pass whatever happened; add gates, or pass --allow-no-gates to accept that`);
}
