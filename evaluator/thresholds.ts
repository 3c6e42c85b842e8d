// k6 threshold expressions, plus a baseline on the right-hand side. Grammar (whitespace free
// between tokens):
//
//   threshold := aggregate op rhs
//   aggregate := word | word "(" number ")"     (the words of evaluator/aggregates.ts)
//   op        := "<" | "<=" | ">" | ">=" | "==" | "===" | "!="
//   rhs       := number | "baseline" [ ("*" | "+" | "-") number ]
//   number    := ["-"] digits ["." digits] [("e"|"E") ["+"|"-"] digits]
//
// and a metric reference as k6 writes sub-metrics:
//
//   metric    := name [ "{" tag ":" value { "," tag ":" value } "}" ]   (value may contain ":")

import { aggregates, aggregateSyntax, type AggregateDef, type AggregateName } from './aggregates.js';

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

const NUMBER = '-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?';
const WORD = '[a-z_]+';
// Groups: 1 word with an argument, 2 the argument, 3 a bare word, 4 op, 5 number, 6 baseline op, 7 its operand.
const THRESHOLD = new RegExp(`^\\s*(?:(${WORD})\\(\\s*(${NUMBER})\\s*\\)|(${WORD}))\\s*(===|==|!=|<=|>=|<|>)\\s*(?:(${NUMBER})|baseline(?:\\s*([*+-])\\s*(${NUMBER}))?)\\s*$`);

/** Each aggregate by the word it is written with. */
const byWord = new Map<string, AggregateName>(Object.entries(aggregates).map(([name, a]) => [a.word, name as AggregateName]));

function notAThreshold(source: string): Error {
  const words = Object.values(aggregates).map((a: AggregateDef) => aggregateSyntax(a));
  return new Error(`threshold "${source}" is not "<aggregate> <op> <number|baseline>" (aggregate: ${words.join(', ')}; op: < <= > >= == !=)`);
}

export function parseThreshold(source: string): Threshold {
  const m = THRESHOLD.exec(source);
  const word = m?.[1] ?? m?.[3];
  const name = word === undefined ? undefined : byWord.get(word);
  const def: AggregateDef | undefined = name === undefined ? undefined : aggregates[name];
  // A known word written with an argument it does not take (or without one it needs) is no aggregate either.
  if (!m || !name || !def || (m[2] !== undefined) !== (def.argument !== undefined)) throw notAThreshold(source);
  let aggregate: Aggregate;
  if (def.argument) {
    const argument = Number(m[2]);
    const problem = def.argument.check(argument, m[2]!);
    if (problem !== null) throw new Error(`threshold "${source}": ${problem}`);
    aggregate = { kind: name, p: argument };
  } else {
    aggregate = { kind: name };
  }
  const operator = (m[4] === '===' ? '==' : m[4]) as Operator;
  const rhs: Rhs =
    m[5] !== undefined
      ? { kind: 'number', value: Number(m[5]) }
      : { kind: 'baseline', op: (m[6] as '*' | '+' | '-' | undefined) ?? null, operand: m[7] !== undefined ? Number(m[7]) : 0 };
  return { source, aggregate, operator, rhs };
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

const DRIFT_THRESHOLD = new RegExp(`^\\s*(${DRIFT_MEASURES.join('|')})\\s*(===|==|!=|<=|>=|<|>)\\s*(${NUMBER})\\s*$`);

/** `slope_per_hour<200`: a drift gate's expression (a number on the right, never `baseline`). */
export function parseDriftThreshold(source: string): DriftThreshold {
  const m = DRIFT_THRESHOLD.exec(source);
  if (!m) throw new Error(`drift threshold "${source}" is not "<measure> <op> <number>" (measure: ${DRIFT_MEASURES.join(', ')}; op: < <= > >= == !=)`);
  return { source, measure: m[1] as DriftMeasure, operator: (m[2] === '===' ? '==' : m[2]) as Operator, limit: Number(m[3]) };
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
  const m = /^([A-Za-z_][A-Za-z0-9_.-]*)(?:\{(.*)\})?$/.exec(source.trim());
  if (!m) throw new Error(`metric "${source}" is not name or name{tag:value,...}`);
  const filter: Record<string, string> = {};
  if (m[2] !== undefined) {
    for (const part of m[2].split(',')) {
      const colon = part.indexOf(':');
      if (colon <= 0) throw new Error(`metric "${source}": tag filter "${part}" is not tag:value`);
      filter[part.slice(0, colon).trim()] = part.slice(colon + 1).trim();
    }
  }
  return { source, metric: m[1]!, filter };
}
