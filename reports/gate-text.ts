// How a gate result reads in every report and on the console, built from its structured fields:
// rate gates (k6 rate metrics and the error budget, judged by `rate`) in percent, as their limits
// are written in ids and docs; a windowed gate's worst window as its offset into the run.
import { ERROR_RATE_METRIC } from '../model/error-rate.js';
import { defaultGateId } from '../model/gate-id.js';
import { builtinMetrics } from '../model/k6-metrics.js';
import type { GateResult, ReportModel } from '../model/report.js';
import { durationToMs } from '../lib/duration.js';
import { formatElapsed } from './svg-chart.js';

/** A number as the gate messages write it: integers plainly, else 6 significant digits. */
export function plainNumber(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(6).replace(/\.?0+$/, '');
}

/** A fraction as percent, up to 4 significant digits: 0.731 → "73.1 %", 0.05 → "5 %". */
export function percent(fraction: number): string {
  const p = fraction * 100;
  const text = p === 0 ? '0' : Number(p.toPrecision(4)).toString();
  return `${text} %`;
}

function baseMetric(metric: string): string {
  const brace = metric.indexOf('{');
  return (brace < 0 ? metric : metric.slice(0, brace)).trim();
}

/** Is this gate a `rate` of a rate metric (a fraction of samples), so percent is its unit? */
export function isRateGate(g: Pick<GateResult, 'metric' | 'expression'>, model: Pick<ReportModel, 'series'>): boolean {
  if (!/^\s*rate\s*[<>=!]/.test(g.expression)) return false;
  const metric = baseMetric(g.metric);
  if (metric === ERROR_RATE_METRIC) return true;
  // A counter's `rate` is per second (k6): only rate metrics are fractions.
  const kind = model.series.find((s) => s.metric === metric)?.kind ?? builtinMetrics[metric]?.kind;
  return kind === 'rate';
}

export interface GateTextContext {
  /** ms epoch the run's offsets count from (the report's first sample). */
  runStart: number | null;
  /** ms epoch of the report's last sample: a window longer than the run ends there. */
  runEnd: number | null;
  /** The width of the report's time buckets: a window is never narrower. */
  bucketWidthMs: number;
  series: ReportModel['series'];
}

export function gateTextContext(model: ReportModel): GateTextContext {
  return { runStart: model.totals.firstTime, runEnd: model.totals.lastTime, bucketWidthMs: model.config.bucketWidthMs, series: model.series };
}

/** For a gate judged live, before the report exists: offsets from `runStart`, kinds of k6's built-in metrics. */
export function liveGateTextContext(runStart: number, bucketWidthMs: number): GateTextContext {
  return { runStart, runEnd: null, bucketWidthMs, series: [] };
}

/** The observed value or limit of this gate as text ("—" for none). */
export function gateValue(g: GateResult, v: number | null, ctx: Pick<GateTextContext, 'series'>): string {
  if (v === null) return '—';
  if (g.drift) return driftValue(g.drift, v);
  return isRateGate(g, ctx) ? percent(v) : plainNumber(v);
}

/** A drift gate's measure in its unit: ms/h or points/h for a slope, % or points for a change. */
function driftValue(d: NonNullable<GateResult['drift']>, v: number): string {
  const rate = d.figure === 'rate';
  if (d.measure === 'slope_per_hour') return rate ? `${plainNumber(v * 100)} points/h` : `${plainNumber(v)}${d.figure === 'p95' ? ' ms' : ''}/h`;
  return `${v > 0 ? '+' : ''}${plainNumber(v)}${rate ? ' points' : ' %'}`;
}

/** The baseline figure a gate's limit came from, in the figure's unit (a drift gate: its p95 or rate). */
export function gateBaselineValue(g: GateResult, ctx: Pick<GateTextContext, 'series'>): string {
  if (g.baselineValue === undefined || g.baselineValue === null) return '—';
  if (g.drift) return g.drift.figure === 'rate' ? percent(g.baselineValue) : `${plainNumber(g.baselineValue)}${g.drift.figure === 'p95' ? ' ms' : ''}`;
  return gateValue(g, g.baselineValue, ctx);
}

/** "worst window 0:40–0:45" for a windowed gate with a worst window, else null. */
export function worstWindowText(g: GateResult, ctx: GateTextContext): string | null {
  if (g.worstWindowStart === null || g.window === null) return null;
  const origin = ctx.runStart ?? g.worstWindowStart;
  // A window is made of whole buckets (evaluator/gates.ts): its extent rounds up to them.
  const width = ctx.bucketWidthMs;
  const span = Math.ceil(Math.max(durationToMs(g.window) ?? 0, width) / width) * width;
  const from = g.worstWindowStart - origin;
  // A run shorter than the window is judged as one window: it ends where the samples end.
  const to = ctx.runEnd === null ? from + span : Math.min(from + span, Math.max(ctx.runEnd - origin, from));
  return `worst window ${formatElapsed(Math.max(0, from))}–${formatElapsed(to)}`;
}

/**
 * One sentence for the gate: what was checked, whether it held, observed and limit in the
 * gate's unit, the worst window's offset. A gate without figures (no samples, no baseline)
 * keeps the evaluator's message, which says why.
 */
export function gateSentence(g: GateResult, ctx: GateTextContext): string {
  // A drift gate's message says it in its units, with the first and last window's figure.
  if (g.observed === null || g.limit === null || g.drift) return g.message;
  const where = `${g.metric}${g.phase ? ` in phase ${g.phase}` : ''}`;
  // An approximation that holds is a warn, not a pass (evaluator/gates.ts approximated): it still held.
  const held = g.verdict === 'pass' || g.message.startsWith(`${where}: ${g.expression.replace(/\s+/g, '')} holds`) ? 'holds' : 'breached';
  const figures = [`observed ${gateValue(g, g.observed, ctx)}`, `limit ${gateValue(g, g.limit, ctx)}`];
  const worst = worstWindowText(g, ctx);
  if (worst) figures.push(worst);
  // What the evaluator said after its short sentence is kept: the span a short run's window covered,
  // and the caveat that k6 could judge a limit this close (HDR_PRECISION_CAVEAT) the other way.
  const base = `${where}: ${g.expression.replace(/\s+/g, '')} ${held}`;
  let said = g.message.startsWith(base) ? g.message.slice(base.length) : '';
  // A message that is already this sentence (a finished report written again) keeps only its clauses.
  if (said.startsWith(' (')) said = said.slice(said.indexOf(')') + 1);
  return `${base} (${figures.join(', ')})${said.startsWith('; ') ? said : ''}`;
}

/**
 * The console line of a gate: "FAIL errors: http_req_failed: rate<0.05 breached (observed 7.31 %, …)";
 * a gate without an id of its own is named by its sentence alone (the default id repeats it).
 */
export function gateLine(g: GateResult, ctx: GateTextContext): string {
  const named = g.id === defaultGateId(g) ? '' : `${g.id}: `;
  return `${g.verdict.toUpperCase().padEnd(4)} ${named}${gateSentence(g, ctx)}`;
}
