// Judges gates against the series: k6 aggregates on a metric or tag-filtered sub-metric, plus
// (beyond k6) a phase filter, a sliding window that must hold everywhere, and a baseline taken from
// another phase or a previous report. The aggregates are evaluator/aggregates.ts's; metrics no
// sample carries (the error budget `chaosgate_error_rate`) are evaluator/derived-metrics.ts's.
import type { GateConfig } from './config.js';
import { UsageError } from '../lib/errors.js';
import { validatedMs } from '../lib/duration.js';
import { aggregates, type AggregateDef } from './aggregates.js';
import { derivedMetric } from './derived-metrics.js';
import { Histogram } from '../model/histogram.js';
import type { MetricKindInfo } from '../model/k6-metrics.js';
import type { GateResult, ReportModel, SeriesReport, Verdict } from '../model/report.js';
import { Bag, type Series } from './series.js';
import { compare, driftInner, parseDriftThreshold, parseMetricRef, parseThreshold, resolveRhs, type DriftThreshold, type MetricRef, type Threshold } from './thresholds.js';
import { judgeDriftGate } from './drift-gates.js';
import { baselineList, median, type BaselineReports } from './baseline.js';

export interface CompiledGate {
  id: string;
  config: GateConfig;
  ref: MetricRef;
  threshold: Threshold;
  windowMs: number | null;
  /** A drift gate (metric `drift(<metric>)`): its measure and limit; `threshold` then names the per-window figure. */
  drift: DriftThreshold | null;
}

/** A drift gate's windows when it names none. */
export const DEFAULT_DRIFT_WINDOW = '1m';

/** The id of a gate the user gave none: its metric, expression, phase and window. */
export function defaultGateId(g: Pick<GateConfig, 'metric' | 'expression' | 'phase' | 'window'>): string {
  return `${g.metric}: ${g.expression}${g.phase ? ` [${g.phase}]` : ''}${g.window ? ` per ${g.window}` : ''}`;
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
  return { id, config, ref, threshold, windowMs: config.window ? validatedMs(config.window) : null, drift: null };
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
  return { id, config, ref, threshold, windowMs: validatedMs(config.window ?? DEFAULT_DRIFT_WINDOW), drift };
}

export interface GateContext {
  series: readonly Series[];
  kindOf(metric: string): MetricKindInfo | undefined;
  bucketWidthMs: number;
  /** The previous report, or several (each gate takes the median of their figures). */
  baselineReport: BaselineReports | null;
  /** A gate against the previous report when there is none (or only a partial one): warn (skipped, the default) or its severity. */
  missingBaseline?: 'warn' | 'fail';
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

/** The aggregate of a bag, or null when there is nothing to aggregate. */
export function aggregateOf(t: Threshold, bags: Map<string, Bag>, ref: MetricRef, kind: MetricKindInfo | undefined, durationMs: number): number | null {
  const derived = derivedMetric(ref.metric);
  if (derived) return derived.compute(bags);
  const bag = bags.get(ref.metric)!;
  const aggregate: AggregateDef = aggregates[t.aggregate.kind];
  if (bag.count === 0 && !aggregate.definedWithoutSamples) return null;
  return aggregate.compute(bag, { kind, durationMs, argument: t.aggregate.p });
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
  b.hist = s.histogram ? Histogram.decode(s.histogram.data) : null;
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
    const value = aggregateOf(gate.threshold, bags, gate.ref, kind, duration);
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
    const v = aggregateOf(gate.threshold, bags, gate.ref, kind, spanOf(bags));
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

export function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, '');
}

/** Is `a` a worse observation than `b` for this operator? (Further on the breaching side.) */
function worse(op: Threshold['operator'], a: number, b: number): boolean {
  return op === '>' || op === '>=' ? a < b : a > b;
}

export function judgeGate(gate: CompiledGate, ctx: GateContext): GateResult {
  if (gate.drift) return judgeDriftGate(gate, gate.drift, ctx);
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
  let worstStart: number | null = null;
  let holds = true;
  let windows = 0;
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
  const where = `${cfg.metric}${cfg.phase ? ` in phase ${cfg.phase}` : ''}`;
  const rhsText = limit === null ? 'no baseline' : fmt(limit);
  // Samples of this metric past the series cap went to its overflow series, which a tag filter
  // never matches and an unfiltered aggregate mixes in: the figure cannot be trusted either way.
  const overflowed = sourceMetrics(gate.ref).filter((m) => ctx.series.some((s) => s.overflow && s.metric === m && s.buckets.size > 0));
  if (overflowed.length > 0) {
    verdict = 'fail';
    // Not a figure to compare or show as one: the message keeps it, as text.
    message = `${where}: series of ${overflowed.join(', ')} overflowed the cap of series, so its figure is not trustworthy (observed ${observed === null ? 'nothing' : fmt(observed)}, limit ${rhsText}); raise evaluate.seriesCap or group by fewer tags`;
  } else if (missingBaseline !== null) {
    ({ verdict, message, skipped } = missingBaselineResult(cfg.severity, missingBaseline, ctx));
    message = `${where}: ${message}`;
  } else if (limit === null) {
    verdict = cfg.severity;
    message = `${where}: no baseline value (${baselineSource}), so the gate cannot be shown to hold`;
  } else if (observed === null) {
    verdict = cfg.severity;
    message = `${where}: no samples, so the gate cannot be shown to hold`;
  } else if (holds) {
    verdict = 'pass';
    message = `${where}: ${gate.threshold.source.replace(/\s+/g, '')} holds (observed ${fmt(observed)}${gate.windowMs !== null ? ` in the worst of ${windows} windows of ${cfg.window}` : ''}, limit ${rhsText})`;
  } else {
    verdict = cfg.severity;
    message = `${where}: ${gate.threshold.source.replace(/\s+/g, '')} breached (observed ${fmt(observed)}${worstStart !== null ? ` in the window from ${new Date(worstStart).toISOString()}` : ''}, limit ${rhsText})`;
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
    observed: overflowed.length > 0 ? null : observed,
    limit,
    worstWindowStart: overflowed.length > 0 ? null : worstStart,
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
