// The Prometheus text exposition format (0.0.4) and OpenMetrics 1.0 text, parsed into samples:
// `# TYPE`/`# HELP`/`# UNIT` lines, label values with `\\`, `\"`, `\n` escapes, `+Inf`/`-Inf`/`NaN`,
// optional timestamps, OpenMetrics exemplars (`# {…} value`) and `# EOF`. Written here because the
// npm parsers found (parse-prometheus-text-format, last released 2018) predate OpenMetrics.

export type FamilyType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'untyped' | 'unknown';

export interface PromSample {
  /** The sample's own name (`http_requests_total`, `latency_bucket`). */
  name: string;
  /** Its family's name (`http_requests`, `latency`): the name minus a suffix its type adds. */
  family: string;
  type: FamilyType;
  labels: Record<string, string>;
  value: number;
  /** The exposition's own timestamp in ms, when it gave one. */
  timestampMs?: number;
}

export class PromParseError extends Error {}

const SUFFIXES: Record<string, readonly string[]> = {
  counter: ['_total', '_created'],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  summary: ['_count', '_sum', '_created'],
  info: ['_info'],
};

function parseValue(text: string, line: number): number {
  const t = text.toLowerCase();
  if (t === '+inf' || t === 'inf') return Infinity;
  if (t === '-inf') return -Infinity;
  if (t === 'nan') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) && !/^0x[0-9a-f]+$/i.test(text)) throw new PromParseError(`line ${line}: ${JSON.stringify(text)} is not a number`);
  return Number(text);
}

/** Reads `{a="x",b="y\"z"}` from `s` at `i` (the `{`); returns the labels and the index after `}`. */
function parseLabels(s: string, i: number, line: number): [Record<string, string>, number] {
  const labels: Record<string, string> = {};
  i++; // {
  for (;;) {
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (s[i] === '}') return [labels, i + 1];
    const nameMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(i));
    if (!nameMatch) throw new PromParseError(`line ${line}: a label name expected at column ${i + 1}`);
    const name = nameMatch[0];
    i += name.length;
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (s[i] !== '=') throw new PromParseError(`line ${line}: '=' expected after label ${name}`);
    i++;
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (s[i] !== '"') throw new PromParseError(`line ${line}: label ${name}'s value must be quoted`);
    i++;
    let value = '';
    for (;;) {
      const c = s[i];
      if (c === undefined) throw new PromParseError(`line ${line}: label ${name}'s value is not closed`);
      if (c === '"') break;
      if (c === '\\') {
        const e = s[i + 1];
        if (e === 'n') value += '\n';
        else if (e === '\\' || e === '"') value += e;
        else throw new PromParseError(`line ${line}: unknown escape \\${e ?? ''} in label ${name}`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    i++; // closing quote
    if (Object.hasOwn(labels, name)) throw new PromParseError(`line ${line}: label ${name} twice`);
    labels[name] = value;
    while (s[i] === ' ' || s[i] === '\t') i++;
    if (s[i] === ',') i++;
    else if (s[i] !== '}') throw new PromParseError(`line ${line}: ',' or '}' expected after label ${name}`);
  }
}

export function parsePrometheusText(text: string): PromSample[] {
  const types = new Map<string, FamilyType>();
  const samples: PromSample[] = [];
  const lines = text.split('\n');
  let ended = false;
  for (const [idx, raw] of lines.entries()) {
    const lineNo = idx + 1;
    const s = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (ended) {
      if (s.trim() !== '') throw new PromParseError(`line ${lineNo}: text after # EOF`);
      continue;
    }
    if (s.trim() === '') continue;
    if (s.startsWith('#')) {
      const m = /^#\s*(TYPE|HELP|UNIT|EOF)\b\s*(\S*)\s*(.*)$/.exec(s);
      if (!m) continue; // a plain comment
      if (m[1] === 'EOF') ended = true;
      else if (m[1] === 'TYPE') types.set(m[2]!, (m[3]!.trim().toLowerCase() || 'untyped') as FamilyType);
      continue;
    }
    const nameMatch = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(s);
    if (!nameMatch) throw new PromParseError(`line ${lineNo}: a metric name expected: ${JSON.stringify(s.slice(0, 80))}`);
    const name = nameMatch[0];
    let i = name.length;
    let labels: Record<string, string> = {};
    if (s[i] === '{') [labels, i] = parseLabels(s, i, lineNo);
    // The rest: value [timestamp] [# exemplar]. The exemplar has its own labels and value: cut it off.
    let rest = s.slice(i);
    const hash = rest.indexOf('#');
    if (hash >= 0) rest = rest.slice(0, hash);
    const fields = rest.trim().split(/[ \t]+/);
    if (fields.length < 1 || fields[0] === '' || fields.length > 2) throw new PromParseError(`line ${lineNo}: value [timestamp] expected after ${name}`);
    const value = parseValue(fields[0]!, lineNo);
    let timestampMs: number | undefined;
    if (fields[1] !== undefined) {
      const ts = Number(fields[1]);
      if (!Number.isFinite(ts)) throw new PromParseError(`line ${lineNo}: timestamp ${JSON.stringify(fields[1])} is not a number`);
      // OpenMetrics writes seconds (with a fraction), the 0.0.4 text format integer milliseconds.
      timestampMs = fields[1].includes('.') || ts < 1e11 ? ts * 1000 : ts;
    }
    let family = name;
    let type: FamilyType = types.get(name) ?? 'untyped';
    if (!types.has(name)) {
      for (const [t, suffixes] of Object.entries(SUFFIXES)) {
        const suffix = suffixes.find((x) => name.endsWith(x) && types.get(name.slice(0, -x.length)) === t);
        if (suffix) {
          family = name.slice(0, -suffix.length);
          type = t as FamilyType;
          break;
        }
      }
    }
    samples.push({ name, family, type, labels, value, ...(timestampMs !== undefined ? { timestampMs } : {}) });
  }
  return samples;
}

/** True for a sample that only ever grows (a counter, a histogram's or summary's buckets, count and sum): gated as a rate. */
export function isCumulative(s: PromSample): boolean {
  if (s.name.endsWith('_created')) return false;
  if (s.type === 'counter') return true;
  if (s.type === 'histogram' || s.type === 'summary') return /_(bucket|count|sum)$/.test(s.name);
  return false;
}
