// k6 NDJSON (`--out json=…`). Point lines take a fast path that reads k6's fixed field order in
// place, without JSON.parse and without slicing the line: k6 v2's
// `{"type":"Point","data":{"time":…,"value":…,"tags":{…}},"metric":"…"}` and k6 v1's
// `{"metric":"…","type":"Point","data":{…}}`. Consecutive lines mostly repeat the tags (one request
// writes ~9 metrics) and the metric names, so the same string objects are reused and their hashes
// stay cached. Any line that deviates (metadata, other order, odd zone or number) is read with
// JSON.parse instead: the fast path changes speed, never results.
import { metricKinds } from '../metrics.js';
import type { LineReader, ReaderFormat, SampleSink } from './types.js';
import { valueProblem } from './types.js';
import { parseRfc3339 } from './time.js';

const V1_HEAD = '{"metric":"';
const V1_MID = '","type":"Point","data":{"time":"';
const V2_HEAD = '{"type":"Point","data":{"time":"';
const VALUE = '","value":';
const TAGS = ',"tags":';
const V2_TAIL = '},"metric":"';
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * text[start, end) as a plain decimal `digits[.digits]` of at most 15 significant digits, else NaN
 * (then the caller uses Number). Exact: the digits form an integer below 2^53 and 10^k is exact, so
 * one IEEE division rounds correctly, the same double JSON.parse gives (Clinger's fast path).
 */
function decimal(text: string, start: number, end: number): number {
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = -1;
  let i = start;
  if (text.charCodeAt(i) === 48 && end - start > 1 && text.charCodeAt(i + 1) !== 46) return Number.NaN; // leading zero
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (fractionDigits >= 0 || i === start || i === end - 1) return Number.NaN;
      fractionDigits = 0;
      continue;
    }
    const d = c - 48;
    if (!(d >= 0 && d <= 9)) return Number.NaN;
    mantissa = mantissa * 10 + d;
    if (mantissa !== 0) digits++;
    if (fractionDigits >= 0) fractionDigits++;
  }
  if (i === start || digits > 15) return Number.NaN;
  return fractionDigits > 0 ? mantissa / POW10[fractionDigits]! : mantissa;
}

function isStringRecord(v: unknown): v is Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const x of Object.values(v)) if (typeof x !== 'string') return false;
  return true;
}

/** Reads one line the slow, strict way (JSON.parse), with a reason for anything malformed. */
function slowLine(line: string, lineNo: number, sink: SampleSink): void {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch (err) {
    sink.malformed(lineNo, `not JSON (${(err as Error).message.replace(/\s+/g, ' ').slice(0, 80)})`);
    return;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    sink.malformed(lineNo, 'not a JSON object');
    return;
  }
  const o = obj as { type?: unknown; metric?: unknown; data?: unknown };
  const data = o.data as Record<string, unknown> | null | undefined;
  if (typeof o.metric !== 'string' || o.metric === '') return sink.malformed(lineNo, 'no "metric" name');
  if (typeof data !== 'object' || data === null) return sink.malformed(lineNo, 'no "data" object');
  if (o.type === 'Metric') {
    const kind = data.type;
    if (typeof kind !== 'string' || !metricKinds.has(kind)) {
      return sink.malformed(lineNo, `unknown metric type ${JSON.stringify(kind)} for ${o.metric}`);
    }
    const thresholds = Array.isArray(data.thresholds) ? data.thresholds.filter((t): t is string => typeof t === 'string') : [];
    sink.declare(o.metric, kind, data.contains === 'time', thresholds, lineNo);
    return;
  }
  if (o.type !== 'Point') return sink.malformed(lineNo, `unknown line type ${JSON.stringify(o.type)}`);
  const time = typeof data.time === 'string' ? parseRfc3339(data.time) : Number.NaN;
  if (Number.isNaN(time)) return sink.malformed(lineNo, `time ${JSON.stringify(data.time)} is not an RFC 3339 timestamp`);
  if (typeof data.value !== 'number') return sink.malformed(lineNo, `value ${JSON.stringify(data.value)} is not a number`);
  const problem = valueProblem(data.value);
  if (problem) return sink.malformed(lineNo, problem);
  const tags = data.tags ?? null;
  if (tags !== null && !isStringRecord(tags)) return sink.malformed(lineNo, 'tags is not an object of strings');
  sink.point(o.metric, time, data.value, null, tags, lineNo);
}

class NdjsonReader implements LineReader {
  private prevTags = '';
  private prevSecond = '';
  private prevSecondMs = 0;
  private readonly metricNames = new Map<string, string>();
  /** Tag texts already checked to be a flat object of strings (JSON.parse once per distinct text). */
  private readonly goodTags = new Set<string>();

  constructor(private readonly sink: SampleSink) {}

  read(line: string, lineNo: number): void {
    if (line.length === 0) return;
    if (this.fast(line, 0, line.length, lineNo) >= 0) return;
    slowLine(line.endsWith('\r') ? line.slice(0, -1) : line, lineNo, this.sink);
  }

  readText(text: string, start: number, end: number, firstLineNo: number): number {
    let lineNo = firstLineNo;
    let pos = start;
    while (pos < end) {
      const newline = this.fast(text, pos, end, lineNo);
      if (newline >= 0) {
        pos = newline + 1;
        lineNo++;
        continue;
      }
      let nl = text.indexOf('\n', pos);
      if (nl < 0 || nl > end) nl = end;
      let lineEnd = nl;
      if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
      if (lineEnd > pos) slowLine(text.slice(pos, lineEnd), lineNo, this.sink);
      lineNo++;
      pos = nl + 1;
    }
    return lineNo - firstLineNo;
  }

  /** The metric name text[start, end), interned: the same string object (and cached hash) each time. */
  private metricName(text: string, start: number, end: number): string | null {
    const name = text.substring(start, end);
    const known = this.metricNames.get(name);
    if (known !== undefined) return known;
    if (name === '' || name.includes('"') || name.includes('\\') || name.includes('\n')) return null;
    if (this.metricNames.size < 10_000) this.metricNames.set(name, name);
    return name;
  }

  /**
   * Reads the line at `start` as a k6 Point line without looking for its end first (the shape says
   * where it ends). Returns the index of its newline (or `limit`), or -1 when the line is not in
   * k6's exact shape (the caller then reads it strictly).
   */
  private fast(text: string, start: number, limit: number, lineNo: number): number {
    let metric: string | null = null;
    let i: number;
    // A substring compared with === is a memcmp; startsWith(long, pos) compares char by char.
    if (text.substring(start, start + V2_HEAD.length) === V2_HEAD) {
      i = start + V2_HEAD.length;
    } else if (text.startsWith(V1_HEAD, start)) {
      const q = text.indexOf('"', start + V1_HEAD.length);
      if (q < 0 || !text.startsWith(V1_MID, q)) return -1;
      metric = this.metricName(text, start + V1_HEAD.length, q);
      if (metric === null) return -1;
      i = q + V1_MID.length;
    } else {
      return -1;
    }
    // Time: the whole second is parsed once per second of the run, the fraction here.
    let base: number;
    if (this.prevSecond !== '' && text.substring(i, i + 19) === this.prevSecond) {
      base = this.prevSecondMs;
    } else {
      if (text.charCodeAt(i + 19) !== 46 && text.charCodeAt(i + 19) !== 90) return -1;
      const second = text.slice(i, i + 19);
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(second)) return -1;
      base = Date.parse(second + 'Z');
      if (Number.isNaN(base)) return -1;
      this.prevSecond = second;
      this.prevSecondMs = base;
    }
    i += 19;
    let fraction = 0;
    if (text.charCodeAt(i) === 46) {
      i++;
      let scale = 100;
      const f0 = i;
      for (;;) {
        const d = text.charCodeAt(i) - 48;
        if (!(d >= 0 && d <= 9)) break;
        fraction += d * scale;
        scale /= 10;
        i++;
      }
      if (i === f0) return -1;
    }
    // Only UTC ("Z") here; other zones take the strict path.
    if (text.charCodeAt(i) !== 90 || !text.startsWith(VALUE, i + 1)) return -1;
    const time = base + fraction;
    i += 1 + VALUE.length;
    const valueEnd = text.indexOf(',', i);
    if (valueEnd < 0 || !text.startsWith(TAGS, valueEnd)) return -1;
    let value = decimal(text, i, valueEnd);
    if (Number.isNaN(value)) {
      const valueText = text.slice(i, valueEnd);
      if (!JSON_NUMBER.test(valueText)) return -1;
      value = +valueText;
    }
    i = valueEnd + TAGS.length;
    // Tags: usually the previous line's (one request writes ~9 metrics); else up to the fixed
    // tail, checked once per distinct text.
    let tagsEnd: number;
    let tags: string | null;
    let newline = -1;
    const prev = this.prevTags;
    if (prev !== '' && text.substring(i, i + prev.length) === prev && text.startsWith(metric === null ? V2_TAIL : '}}', i + prev.length)) {
      tags = prev;
      tagsEnd = i + prev.length;
    } else {
      newline = text.indexOf('\n', i);
      if (newline < 0 || newline > limit) newline = limit;
      const end = text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
      tagsEnd = metric === null ? text.lastIndexOf(V2_TAIL, end) : end - 2;
      if (tagsEnd < i) return -1;
      if (metric !== null && !text.startsWith('}}', tagsEnd)) return -1;
      if (metric === null && (text.charCodeAt(end - 1) !== 125 || text.charCodeAt(end - 2) !== 34)) return -1;
      const raw = text.slice(i, tagsEnd);
      if (raw === 'null') {
        tags = null;
      } else {
        if (!this.goodTags.has(raw)) {
          let parsed: unknown;
          try {
            parsed = JSON.parse(raw);
          } catch {
            return -1;
          }
          if (!isStringRecord(parsed)) return -1;
          if (this.goodTags.size > 10_000) this.goodTags.clear();
          this.goodTags.add(raw);
        }
        tags = raw;
        this.prevTags = raw;
      }
    }
    let lineEnd: number;
    if (metric === null) {
      const metricStart = tagsEnd + V2_TAIL.length;
      const q = text.indexOf('"', metricStart);
      if (q < 0 || text.charCodeAt(q + 1) !== 125) return -1;
      metric = this.metricName(text, metricStart, q);
      if (metric === null) return -1;
      lineEnd = q + 2;
    } else {
      lineEnd = tagsEnd + 2;
    }
    // The line must end right here: a newline, CR LF, or the end of the text.
    if (lineEnd !== limit) {
      const c = text.charCodeAt(lineEnd);
      if (c === 13 && (lineEnd + 1 === limit || text.charCodeAt(lineEnd + 1) === 10)) lineEnd++;
      else if (c !== 10) return -1;
    }
    if (newline >= 0 && newline !== lineEnd) return -1;
    const problem = valueProblem(value);
    if (problem) this.sink.malformed(lineNo, problem);
    else this.sink.point(metric, time, value, tags, null, lineNo);
    return lineEnd;
  }
}

export const ndjsonFormat: ReaderFormat = {
  detect: (first) => first.startsWith('{'),
  create: (sink: SampleSink) => new NdjsonReader(sink),
};
