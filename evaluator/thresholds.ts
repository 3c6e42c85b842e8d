// k6 threshold expressions, read as k6 v1.8.1 reads them (its metrics/thresholds_parser.go), plus
// a baseline on the right-hand side:
//
//   threshold := aggregate op rhs        split at the first operator found, trying in turn
//                                        "<=" "<" ">=" ">" "===" "==" "!=" (the first that leaves
//                                        a non-empty right side); each side trimmed of spaces
//   aggregate := value | count | rate | avg | min | med | max | "p(" float ")"   (no spaces inside)
//   rhs       := float | "baseline" [ ("*" | "+" | "-") float ]                  (baseline: chaosgate's)
//   float     := what Go's strconv.ParseFloat takes (evaluator/go-float.ts): `.5`, `5.`, `+100`,
//                `1_000`, `Inf`, `0x1p-2`; out of float64's range refused
//
// and a metric reference as k6 writes sub-metrics (its metrics/metric.go and engine.go):
//
//   metric    := name [ "{" tag ":" value { "," tag ":" value } "}" ]   nothing around it; the
//                "}" last; each part split at its first ":" (a value may hold ":"), a value not
//                empty; tag and value trimmed of spaces, then of the quotes " and ' around them

import { aggregates, aggregateSyntax, type AggregateDef, type AggregateName } from './aggregates.js';
import { parseGoFloat } from './go-float.js';

/** A registered aggregate, with its argument when it takes one (p(N)'s N). */
export type Aggregate = { kind: AggregateName; p?: number };
export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';
export type Rhs = { kind: 'number'; value: number } | { kind: 'baseline'; op: '*' | '+' | '-' | null; operand: number };

export interface Threshold {
  source: string;
  aggregate: Aggregate;
  operator: Operator;
  rhs: Rhs;
}

/** In k6's order: a longer operator before the shorter one it starts with. */
const OPERATORS = ['<=', '<', '>=', '>', '===', '==', '!='] as const;

/** Each aggregate by the word it is written with. */
const byWord = new Map<string, AggregateName>(Object.entries(aggregates).map(([name, a]) => [a.word, name as AggregateName]));

function notAThreshold(source: string, why: string): Error {
  const words = Object.values(aggregates).map((a: AggregateDef) => aggregateSyntax(a));
  return new Error(`threshold "${source}" is not "<aggregate> <op> <number|baseline>": ${why} (aggregate: ${words.join(', ')}; op: < <= > >= == != ===)`);
}

/** k6's scan: the first operator (in OPERATORS' order) with something after it; sides trimmed. */
export function scanThreshold(source: string): { left: string; op: (typeof OPERATORS)[number]; right: string } | null {
  for (const op of OPERATORS) {
    const at = source.indexOf(op);
    if (at < 0) continue;
    const right = source.slice(at + op.length);
    if (right !== '') return { left: source.slice(0, at).trim(), op, right: right.trim() };
  }
  return null;
}

function number(text: string, source: string, side: string): number {
  const r = parseGoFloat(text);
  if (r.ok) return r.value;
  throw notAThreshold(source, r.reason === 'range' ? `${side} "${text}" is out of float64's range` : `${side} "${text}" is not a number`);
}

export function parseThreshold(source: string): Threshold {
  const scanned = scanThreshold(source);
  if (scanned === null) throw notAThreshold(source, 'no operator');
  const { left, op, right } = scanned;
  let aggregate: Aggregate;
  const name = byWord.get(left);
  const percentile = aggregates.percentile as AggregateDef;
  if (name !== undefined && (aggregates[name] as AggregateDef).argument === undefined) {
    aggregate = { kind: name };
  } else if (left.startsWith(`${percentile.word}(`) && left.endsWith(')') && left.length > percentile.word.length + 1) {
    const raw = left.slice(percentile.word.length + 1, -1);
    const p = number(raw, source, 'percentile');
    const problem = percentile.argument!.check(p, raw);
    if (problem !== null) throw new Error(`threshold "${source}": ${problem}`);
    aggregate = { kind: 'percentile', p };
  } else {
    throw notAThreshold(source, `unknown aggregation "${left}"`);
  }
  const baseline = /^baseline(?:\s*([*+-])\s*(\S.*))?$/.exec(right);
  const rhs: Rhs = baseline
    ? { kind: 'baseline', op: (baseline[1] as '*' | '+' | '-' | undefined) ?? null, operand: baseline[2] !== undefined ? number(baseline[2], source, 'baseline operand') : 0 }
    : { kind: 'number', value: number(right, source, 'right-hand side') };
  return { source, aggregate, operator: op === '===' ? '==' : op, rhs };
}

export function compare(observed: number, operator: Operator, limit: number): boolean {
  switch (operator) {
    case '<':
      return observed < limit;
    case '<=':
      return observed <= limit;
    case '>':
      return observed > limit;
    case '>=':
      return observed >= limit;
    case '==':
      return observed === limit;
    case '!=':
      return observed !== limit;
  }
}

export function resolveRhs(rhs: Rhs, baseline: number | null): number | null {
  if (rhs.kind === 'number') return rhs.value;
  if (baseline === null) return null;
  if (rhs.op === '*') return baseline * rhs.operand;
  if (rhs.op === '+') return baseline + rhs.operand;
  if (rhs.op === '-') return baseline - rhs.operand;
  return baseline;
}

/**
 * A drift gate's measure (metric `drift(<metric>)`): `slope_per_hour` is the least-squares slope of
 * the metric's per-window figure (p95 for a trend, the rate for a rate) over the run, per hour;
 * `change_pct` is the whole run's figure against the baseline report's, in percent (for a rate, the
 * difference in percentage points: a relative change of a rate near 0 says nothing).
 */
export const DRIFT_MEASURES = ['slope_per_hour', 'change_pct'] as const;
export type DriftMeasure = (typeof DRIFT_MEASURES)[number];

export interface DriftThreshold {
  source: string;
  measure: DriftMeasure;
  operator: Operator;
  limit: number;
}

/** `slope_per_hour<200`: a drift gate's expression (a number on the right, never `baseline`), scanned as k6 scans a threshold. */
export function parseDriftThreshold(source: string): DriftThreshold {
  const scanned = scanThreshold(source);
  const measure = scanned?.left as DriftMeasure | undefined;
  if (!scanned || !measure || !DRIFT_MEASURES.includes(measure)) {
    throw new Error(`drift threshold "${source}" is not "<measure> <op> <number>" (measure: ${DRIFT_MEASURES.join(', ')}; op: < <= > >= == !=)`);
  }
  const limit = parseGoFloat(scanned.right);
  if (!limit.ok) throw new Error(`drift threshold "${source}": "${scanned.right}" is not a number`);
  return { source, measure, operator: (scanned.op === '===' ? '==' : scanned.op) as Operator, limit: limit.value };
}

/** `drift(<metric ref>)`: the inner metric reference, or null for a plain metric. */
export function driftInner(source: string): string | null {
  const m = /^\s*drift\((.*)\)\s*$/.exec(source);
  return m ? m[1]! : null;
}

export interface MetricRef {
  source: string;
  metric: string;
  filter: Record<string, string>;
}

export function parseMetricRef(source: string): MetricRef {
  const brace = source.indexOf('{');
  const name = brace < 0 ? source : source.slice(0, brace);
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) throw new Error(`metric "${source}" is not name or name{tag:value,...} (a name of letters, digits and _, nothing around it)`);
  const filter: Record<string, string> = {};
  if (brace >= 0) {
    if (!source.endsWith('}')) throw new Error(`metric "${source}": a sub-metric ends with its "}"`);
    const inner = source.slice(brace + 1, -1);
    if (inner.trim() === '') throw new Error(`metric "${source}": the sub-metric's tag filter is empty`);
    for (const part of inner.split(',')) {
      const colon = part.indexOf(':');
      if (colon < 0 || colon === part.length - 1) throw new Error(`metric "${source}": tag filter "${part}" is not tag:value (k6 refuses an empty value)`);
      const unquote = (t: string) => t.trim().replace(/^["']+|["']+$/g, '');
      filter[unquote(part.slice(0, colon))] = unquote(part.slice(colon + 1));
    }
  }
  return { source, metric: name, filter };
}
