// k6 threshold expressions, plus a baseline on the right-hand side. Grammar (whitespace free
// between tokens):
//
//   threshold := aggregate op rhs
//   aggregate := "avg" | "min" | "max" | "med" | "count" | "rate" | "value" | "p(" number ")"
//   op        := "<" | "<=" | ">" | ">=" | "==" | "===" | "!="
//   rhs       := number | "baseline" [ ("*" | "+" | "-") number ]
//   number    := ["-"] digits ["." digits] [("e"|"E") ["+"|"-"] digits]
//
// and a metric reference as k6 writes sub-metrics:
//
//   metric    := name [ "{" tag ":" value { "," tag ":" value } "}" ]   (value may contain ":")

export type Aggregate =
  | { kind: 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' | 'value' }
  | { kind: 'percentile'; p: number };
export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';
export type Rhs = { kind: 'number'; value: number } | { kind: 'baseline'; op: '*' | '+' | '-' | null; operand: number };

export interface Threshold {
  source: string;
  aggregate: Aggregate;
  operator: Operator;
  rhs: Rhs;
}

const NUMBER = '-?\\d+(?:\\.\\d+)?(?:[eE][+-]?\\d+)?';
const THRESHOLD = new RegExp(
  `^\\s*(avg|min|max|med|count|rate|value|p\\(\\s*(${NUMBER})\\s*\\))\\s*(===|==|!=|<=|>=|<|>)\\s*(?:(${NUMBER})|baseline(?:\\s*([*+-])\\s*(${NUMBER}))?)\\s*$`,
);

export function parseThreshold(source: string): Threshold {
  const m = THRESHOLD.exec(source);
  if (!m) {
    throw new Error(
      `threshold "${source}" is not "<aggregate> <op> <number|baseline>" (aggregate: avg, min, max, med, count, rate, value, p(N); op: < <= > >= == !=)`,
    );
  }
  let aggregate: Aggregate;
  if (m[2] !== undefined) {
    const p = Number(m[2]);
    if (!(p >= 0 && p <= 100)) throw new Error(`threshold "${source}": percentile ${m[2]} is not within 0..100`);
    aggregate = { kind: 'percentile', p };
  } else {
    aggregate = { kind: m[1] as 'avg' };
  }
  const operator = (m[3] === '===' ? '==' : m[3]) as Operator;
  const rhs: Rhs =
    m[4] !== undefined
      ? { kind: 'number', value: Number(m[4]) }
      : { kind: 'baseline', op: (m[5] as '*' | '+' | '-' | undefined) ?? null, operand: m[6] !== undefined ? Number(m[6]) : 0 };
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
