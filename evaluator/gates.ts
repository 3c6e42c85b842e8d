// Judges gates against the series: k6 aggregates on a metric or tag-filtered sub-metric, plus
// (beyond k6) a phase filter, a sliding window that must hold everywhere, and a baseline taken from
// another phase or a previous report. The aggregates are evaluator/aggregates.ts's; metrics no
// sample carries (the error budget `chaosgate_error_rate`) are evaluator/derived-metrics.ts's.
import { defaultGateId, type GateConfig } from './config.js';

export { defaultGateId };
import { UsageError } from '../lib/errors.js';
import { validatedMs } from '../lib/duration.js';
import { aggregates, type AggregateDef } from './aggregates.js';
import { derivedMetric } from './derived-metrics.js';
import { Histogram } from '../model/histogram.js';
import type { MetricKindInfo } from '../model/k6-metrics.js';
import type { GateResult, ReportModel, SeriesReport, Verdict } from '../model/report.js';
import { Bag, type Series } from './series.js';
import { compare, parseMetricRef, parseThreshold, resolveRhs, type MetricRef, type Threshold } from './thresholds.js';

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
}

export function compileGate(config: GateConfig, index: number): CompiledGate {
  const ref = parseMetricRef(config.metric);
  const threshold = parseThreshold(config.expression);
  const id = config.id ?? defaultGateId(config);
  if (threshold.rhs.kind === 'baseline' && !config.baseline) {
    throw new Error(`gates[${index}] (${id}): expression uses "baseline" but no baseline is set`);
  }
  return { id, config, ref, threshold, windowMs: config.window ? validatedMs(config.window) : null };
}

export interface GateContext {
  series: readonly Series[];
  kindOf(metric: string): MetricKindInfo | undefined;
  bucketWidthMs: number;
  baselineReport: ReportModel | null;
  /**
   * The final verdict (not a live check while k6 still runs): a windowed gate whose samples span
   * less than one window cannot be shown to hold. Live, the run is young and the caller waits.
   */
  final?: boolean;
}

function phaseMatches(tag: string | undefined, phase: string | undefined): boolean {
  if (phase === undefined) return true;
  if (tag === undefined) return false;
  if (phase.endsWith('*')) return tag.startsWith(phase.slice(0, -1));
  return tag === phase;
}

/** Does a series of `metric` count towards the gate on `ref` (in `phase`)? */
function tagsMatch(tags: Record<string, string>, metric: string, ref: MetricRef, phase: string | undefined): boolean {
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
function sourceMetrics(ref: MetricRef): string[] {
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

function select(ctx: GateContext, ref: MetricRef, phase: string | undefined): Selection {
  const perMetric = new Map<string, Series[]>();
  for (const m of sourceMetrics(ref)) perMetric.set(m, []);
  for (const s of ctx.series) {
    const list = perMetric.get(s.metric);
    if (list && tagsMatch(s.tags, s.metric, ref, phase)) list.push(s);
  }
  return { perMetric };
}

/** The aggregate of a bag, or null when there is nothing to aggregate. */
function aggregateOf(t: Threshold, bags: Map<string, Bag>, ref: MetricRef, kind: MetricKindInfo | undefined, durationMs: number): number | null {
  const derived = derivedMetric(ref.metric);
  if (derived) return derived.compute(bags);
  const bag = bags.get(ref.metric)!;
  const aggregate: AggregateDef = aggregates[t.aggregate.kind];
  if (bag.count === 0 && !aggregate.definedWithoutSamples) return null;
  return aggregate.compute(bag, { kind, durationMs, argument: t.aggregate.p });
}

function mergeBags(lists: Map<string, Bag[]>): Map<string, Bag> {
  const out = new Map<string, Bag>();
  for (const [metric, bags] of lists) {
    const merged = new Bag();
    for (const b of bags) merged.absorb(b);
    out.set(metric, merged);
  }
  return out;
}

function destroyAll(bags: Map<string, Bag>): void {
  for (const b of bags.values()) b.destroy();
}

/** A report series as a Bag, for baselines from a previous run. */
function bagFromReport(s: SeriesReport): Bag {
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
  b.hist = s.histogram ? Histogram.decode(s.histogram.data) : null;
  return b;
}

function baselineValue(gate: CompiledGate, ctx: GateContext): { value: number | null; source: string } {
  const spec = gate.config.baseline!;
  const kind = ctx.kindOf(gate.ref.metric);
  if (spec.startsWith('phase:')) {
    const phase = spec.slice('phase:'.length);
    const sel = select(ctx, gate.ref, phase);
    const bags = mergeBags(new Map([...sel.perMetric].map(([m, list]) => [m, list.map((s) => s.summary())])));
    const duration = spanOf(bags);
    const value = aggregateOf(gate.threshold, bags, gate.ref, kind, duration);
    destroyAll(bags);
    return { value, source: spec };
  }
  const report = ctx.baselineReport;
  if (!report) return { value: null, source: 'report (none given)' };
  const lists = new Map<string, Bag[]>(sourceMetrics(gate.ref).map((m) => [m, []]));
  for (const s of report.series) {
    const list = lists.get(s.metric);
    if (list && tagsMatch(s.tags, s.metric, gate.ref, gate.config.phase)) list.push(bagFromReport(s));
  }
  const bags = mergeBags(lists);
  for (const list of lists.values()) for (const b of list) b.destroy();
  const value = aggregateOf(gate.threshold, bags, gate.ref, kind, spanOf(bags));
  destroyAll(bags);
  return { value, source: `report ${report.createdAt}` };
}

function spanOf(bags: Map<string, Bag>): number {
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

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, '');
}

/** Is `a` a worse observation than `b` for this operator? (Further on the breaching side.) */
function worse(op: Threshold['operator'], a: number, b: number): boolean {
  return op === '>' || op === '>=' ? a < b : a > b;
}

export function judgeGate(gate: CompiledGate, ctx: GateContext): GateResult {
  const started = performance.now();
  const cfg = gate.config;
  const kind = ctx.kindOf(gate.ref.metric);
  let limit: number | null = null;
  let baselineSource: string | null = null;
  if (gate.threshold.rhs.kind === 'baseline') {
    const b = baselineValue(gate, ctx);
    baselineSource = b.source;
    limit = resolveRhs(gate.threshold.rhs, b.value);
  } else {
    limit = gate.threshold.rhs.value;
  }
  const sel = select(ctx, gate.ref, cfg.phase);
  let observed: number | null = null;
  let worstStart: number | null = null;
  let holds = true;
  let windows = 0;
  /** The samples' span (whole buckets) when shorter than the gate's window, else null. */
  let shortSpanMs: number | null = null;
  if (gate.windowMs === null) {
    const bags = mergeBags(new Map([...sel.perMetric].map(([m, list]) => [m, list.map((s) => s.summary())])));
    observed = aggregateOf(gate.threshold, bags, gate.ref, kind, spanOf(bags));
    destroyAll(bags);
    if (observed !== null && limit !== null) holds = compare(observed, gate.threshold.operator, limit);
  } else {
    const width = ctx.bucketWidthMs;
    const span = Math.max(gate.windowMs, width);
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
      const value = aggregateOf(gate.threshold, bags, gate.ref, kind, span);
      destroyAll(bags);
      if (value === null) continue;
      windows++;
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
  } else if (limit === null) {
    verdict = cfg.severity;
    message = `${where}: no baseline value (${baselineSource}), so the gate cannot be shown to hold`;
  } else if (observed === null) {
    verdict = cfg.severity;
    message = `${where}: no samples, so the gate cannot be shown to hold`;
  } else if (holds && shortSpanMs !== null && ctx.final) {
    // "5xx > 2 % over 5 minutes" says nothing about an 80 s run: a window that never fitted is not
    // shown to hold (as a gate without samples), whatever the shorter span looked like.
    verdict = cfg.severity;
    figureless = true;
    message = `${where}: the samples span only ${fmtSpan(shortSpanMs)}, shorter than one ${cfg.window} window, so the gate cannot be shown to hold (observed ${fmt(observed)} over that span, limit ${rhsText}); run at least ${cfg.window} or shorten the window`;
  } else if (holds) {
    verdict = 'pass';
    message = `${where}: ${gate.threshold.source.replace(/\s+/g, '')} holds (observed ${fmt(observed)}${gate.windowMs !== null ? ` in the worst of ${windows} windows of ${cfg.window}` : ''}, limit ${rhsText})`;
  } else {
    verdict = cfg.severity;
    const short = shortSpanMs !== null ? `, over the ${fmtSpan(shortSpanMs)} the samples span, shorter than one ${cfg.window} window` : '';
    message = `${where}: ${gate.threshold.source.replace(/\s+/g, '')} breached (observed ${fmt(observed)}${worstStart !== null ? ` in the window from ${new Date(worstStart).toISOString()}` : ''}${short}, limit ${rhsText})`;
  }
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
    observed: overflowed.length > 0 || figureless ? null : observed,
    limit,
    worstWindowStart: overflowed.length > 0 || figureless ? null : worstStart,
    verdict,
    message,
    durationMs: performance.now() - started,
  };
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
