// k6 NDJSON (`--out json=…`). Point lines take a fast path that reads k6's field order in place,
// without JSON.parse and without slicing the line: k6 v2's
// `{"type":"Point","data":{"time":…,"value":…,"tags":{…}},"metric":"…"}` and k6 v1's
// `{"metric":"…","type":"Point","data":{…}}`, times in any UTC offset (k6 writes the machine's
// local zone: `…Z`, `…+01:00`) with 0–9 fraction digits, tags in any order, and the optional
// `"metadata":{…}` after the tags. One request writes ~9 lines that differ only in the value and
// the metric name, so the fast path compares whole runs of a line with the previous line's (one
// memcmp each): the head with the time, the tags, and the metric name it predicts from the order
// k6 wrote them in before. Whatever does not match is read field by field, and any line that
// deviates from k6's shape (whitespace, nested metadata, odd numbers) is read with JSON.parse
// instead: the fast path changes speed, never results (readers/ndjson.test.ts compares both on
// mutated lines of every shape).
import { metricKinds } from '../../model/k6-metrics.js';
import type { LineReader, ReaderFormat, SampleSink } from './types.js';
import { valueProblem } from './types.js';
import { parseRfc3339 } from './time.js';

const V1_HEAD = '{"metric":"';
const V1_MID = '","type":"Point","data":{"time":"';
const V2_HEAD = '{"type":"Point","data":{"time":"';
const VALUE = '","value":';
const TAGS = ',"tags":';
const METADATA = ',"metadata":';
const V2_TAIL = ',"metric":"';
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const MAX_METRIC_NAMES = 10_000;
const MAX_GOOD_TAGS = 10_000;

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/** Where the last decimal() stopped (a module variable: no object per number). */
let decimalEnd = 0;
/** Whether the last decimal() read a well-formed decimal it only declined for its length. */
let decimalLong = false;

/** 2^53: every integer below it is a double, exactly. */
const EXACT_INTEGERS = 2 ** 53;

/**
 * The plain decimal `digits[.digits]` whose digits form an integer below 2^53 (any 15 significant
 * digits, most 16: `Math.random() * 100` prints 16 or 17) at text[start…], ending at the
 * first other character (its index in decimalEnd), else NaN (then the caller uses Number).
 * Exact: the integer is exact (the running value only grows, so computed below 2^53 means every
 * step was exact) and 10^k is exact, so one IEEE division rounds correctly, the same double
 * JSON.parse gives (Clinger's fast path).
 */
function decimal(text: string, start: number): number {
  let mantissa = 0;
  let fractionDigits = -1;
  let i = start;
  for (; ; i++) {
    const c = text.charCodeAt(i);
    const d = c - 48;
    if (d >= 0 && d <= 9) {
      mantissa = mantissa * 10 + d;
      if (fractionDigits >= 0) fractionDigits++;
    } else if (c === 46 && fractionDigits < 0) {
      fractionDigits = 0;
    } else {
      break;
    }
  }
  decimalEnd = i;
  decimalLong = false;
  const n = i - start;
  if (n === 0 || fractionDigits === 0) return Number.NaN; // nothing, "5."
  const first = text.charCodeAt(start);
  if (first === 46) return Number.NaN; // ".5"
  if (first === 48 && n > 1 && text.charCodeAt(start + 1) !== 46) return Number.NaN; // leading zero
  if (mantissa >= EXACT_INTEGERS) {
    decimalLong = true; // e.g. 17 digits of a float64 a script computed: JS's own parse below
    return Number.NaN;
  }
  return fractionDigits > 0 ? mantissa / POW10[fractionDigits]! : mantissa;
}

/** The index of the time's last digit in a run that ends `<time><zone>","value":` (zone `Z` or `±hh:mm`). */
function lastTimeDigit(run: string): number {
  const zone = run.length - VALUE.length - 1;
  return run.charCodeAt(zone) === 90 ? zone - 1 : zone - 6;
}

function isStringRecord(v: unknown): v is Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const x of Object.values(v)) if (typeof x !== 'string') return false;
  return true;
}

/**
 * The index after the JSON object of string values that starts at text[i] (`{}` or
 * `{"k":"v",…}` with JSON escapes, no whitespace: how k6 writes tags and metadata), else -1.
 * Accepts exactly the texts JSON.parse reads as a flat object of strings, minus whitespace.
 */
export function flatObjectEnd(text: string, i: number, limit: number): number {
  if (text.charCodeAt(i) !== 123) return -1; // {
  i++;
  if (text.charCodeAt(i) === 125) return i + 1; // {}
  for (;;) {
    i = stringEnd(text, i, limit);
    if (i < 0 || text.charCodeAt(i) !== 58) return -1; // :
    i = stringEnd(text, i + 1, limit);
    if (i < 0) return -1;
    const c = text.charCodeAt(i);
    if (c === 125) return i + 1;
    if (c !== 44) return -1; // ,
    i++;
  }
}

/** The index after the JSON string that starts at text[i], else -1. */
function stringEnd(text: string, i: number, limit: number): number {
  if (text.charCodeAt(i) !== 34) return -1;
  for (i++; i < limit; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) return i + 1;
    if (c < 32) return -1;
    if (c === 92) {
      const e = text.charCodeAt(++i);
      if (e === 117) {
        for (let h = 1; h <= 4; h++) {
          const x = text.charCodeAt(i + h);
          if (!((x >= 48 && x <= 57) || (x >= 65 && x <= 70) || (x >= 97 && x <= 102))) return -1;
        }
        i += 4;
      } else if (e !== 34 && e !== 92 && e !== 47 && e !== 98 && e !== 102 && e !== 110 && e !== 114 && e !== 116) {
        return -1;
      }
    }
  }
  return -1;
}

/** A metric name as the fast path meets it, with the runs of text that surround it in a line. */
interface MetricSlot {
  name: string;
  /** How a k6 v1 line starts: `{"metric":"<name>","type":"Point","data":{"time":"`. */
  v1Head: string;
  /** How a k6 v2 line ends: `<name>"}`. */
  v2Tail: string;
  /** The metric of the line after the last line of this one (k6 writes a request's metrics in order). */
  next: MetricSlot | null;
  /** In the slot table: only kept slots are linked as a prediction (else a chain of every name past the cap stayed reachable). */
  kept: boolean;
}

/** Reads one line the slow, strict way (JSON.parse), with a reason for anything malformed. */
export function readLineStrictly(line: string, lineNo: number, sink: SampleSink): void {
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
    // k6 writes a threshold with abortOnFail as an object { threshold, abortOnFail, delayAbortEval }.
    const thresholds = Array.isArray(data.thresholds) ? data.thresholds.map(thresholdSource).filter((t): t is string => t !== null) : [];
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

export class NdjsonReader implements LineReader {
  /** Lines the fast path handed to JSON.parse (tests check the fast path is taken). */
  strictLines = 0;
  /** The previous time's whole second and zone, and that second in ms since the epoch. */
  private prevSecond = '';
  private prevZone = '';
  private prevSecondMs = 0;
  /** Set by readTime: the time it read. */
  private timeRead = 0;
  /** v2: the previous line from its start through `"value":` (the time is in it), and that time. */
  private v2Head = '';
  private v2HeadTime = 0;
  /** v1: the previous line's `<time>","value":`, and that time. */
  private v1Time = '';
  private v1TimeValue = 0;
  /**
   * Where in v2Head / v1Time the time's last digit stands. k6 writes nanoseconds, so lines of
   * different instants (a script adding its own samples, VUs interleaved) mostly differ there: one
   * char tells, before the whole run is compared.
   */
  private v2HeadProbe = 0;
  private v1TimeProbe = 0;
  /** The previous line from `,"tags":` through the tags' end (v2: through `"metric":"`), and the tags. */
  private tagsPart = '';
  private tagsPartTags: string | null = null;
  private lastSlot: MetricSlot | null = null;
  private readonly slots = new Map<string, MetricSlot>();
  /** Tag texts already checked to be a flat object of strings (JSON.parse once per distinct text). */
  private readonly goodTags = new Set<string>();

  constructor(private readonly sink: SampleSink) {}

  read(line: string, lineNo: number): void {
    if (line.length === 0) return;
    if (this.fast(line, 0, line.length, lineNo) >= 0) return;
    this.strictLines++;
    readLineStrictly(line.endsWith('\r') ? line.slice(0, -1) : line, lineNo, this.sink);
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
      if (lineEnd > pos) {
        this.strictLines++;
        readLineStrictly(text.slice(pos, lineEnd), lineNo, this.sink);
      }
      lineNo++;
      pos = nl + 1;
    }
    return lineNo - firstLineNo;
  }

  /** The slot of metric name text[start, end), or null when the name needs the strict path. */
  private slot(text: string, start: number, end: number): MetricSlot | null {
    const name = text.substring(start, end);
    const known = this.slots.get(name);
    if (known !== undefined) return known;
    // JSON strings hold no raw quote, backslash escape (left to JSON.parse) or control character.
    if (name === '' || /["\\\u0000-\u001f]/.test(name)) return null;
    const kept = this.slots.size < MAX_METRIC_NAMES;
    const slot: MetricSlot = { name, v1Head: V1_HEAD + name + V1_MID, v2Tail: name + '"}', next: null, kept };
    if (kept) this.slots.set(name, slot);
    return slot;
  }

  /**
   * Reads `<RFC 3339 time>","value":` at text[i…] into timeRead; returns the index after it, or -1.
   * The zone is `Z` or any `±hh:mm` (k6 writes the machine's local zone). The whole second with its
   * zone is parsed once per second of the run (Date.parse, as the strict path), the fraction here.
   */
  private readTime(text: string, i: number): number {
    const sameSecond = this.prevSecond !== '' && text.substring(i, i + 19) === this.prevSecond;
    const secondStart = i;
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
    const z = text.charCodeAt(i);
    const zoneLength = z === 90 ? 1 : z === 43 || z === 45 ? 6 : 0; // Z, +, -
    if (zoneLength === 0) return -1;
    const zoneEnd = i + zoneLength;
    if (text.substring(zoneEnd, zoneEnd + VALUE.length) !== VALUE) return -1;
    let base: number;
    if (sameSecond && (zoneLength === 1 ? this.prevZone === 'Z' : text.substring(i, zoneEnd) === this.prevZone)) {
      base = this.prevSecondMs;
    } else {
      const second = text.slice(secondStart, secondStart + 19);
      const zone = text.slice(i, zoneEnd);
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(second)) return -1;
      if (zoneLength === 6 && !/^[+-]\d\d:\d\d$/.test(zone)) return -1;
      base = Date.parse(second + zone);
      if (Number.isNaN(base)) return -1;
      this.prevSecond = second;
      this.prevZone = zone;
      this.prevSecondMs = base;
    }
    this.timeRead = base + fraction;
    return zoneEnd + VALUE.length;
  }

  /**
   * Reads the line at `start` as a k6 Point line without looking for its end first (the shape says
   * where it ends). Returns the index of its newline (or `limit`), or -1 when the line is not in
   * k6's exact shape (the caller then reads it strictly).
   */
  private fast(text: string, start: number, limit: number, lineNo: number): number {
    // A substring compared with === is a memcmp; startsWith(long, pos) compares char by char.
    const v2 = text.charCodeAt(start + 2) === 116; // {"type…
    let slot: MetricSlot | null = null;
    let time: number;
    let i: number;
    if (v2) {
      const head = this.v2Head;
      const probe = this.v2HeadProbe;
      if (head !== '' && text.charCodeAt(start + probe) === head.charCodeAt(probe) && text.substring(start, start + head.length) === head) {
        time = this.v2HeadTime;
        i = start + head.length;
      } else {
        if (text.substring(start, start + V2_HEAD.length) !== V2_HEAD) return -1;
        i = this.readTime(text, start + V2_HEAD.length);
        if (i < 0) return -1;
        time = this.timeRead;
        this.v2Head = text.slice(start, i);
        this.v2HeadTime = time;
        this.v2HeadProbe = lastTimeDigit(this.v2Head);
      }
    } else {
      const predicted = this.lastSlot?.next;
      if (predicted && text.substring(start, start + predicted.v1Head.length) === predicted.v1Head) {
        slot = predicted;
        i = start + predicted.v1Head.length;
      } else {
        if (text.substring(start, start + V1_HEAD.length) !== V1_HEAD) return -1;
        const q = text.indexOf('"', start + V1_HEAD.length);
        if (q < 0 || text.substring(q, q + V1_MID.length) !== V1_MID) return -1;
        slot = this.slot(text, start + V1_HEAD.length, q);
        if (slot === null) return -1;
        i = q + V1_MID.length;
      }
      const timePart = this.v1Time;
      const probe = this.v1TimeProbe;
      if (timePart !== '' && text.charCodeAt(i + probe) === timePart.charCodeAt(probe) && text.substring(i, i + timePart.length) === timePart) {
        time = this.v1TimeValue;
        i += timePart.length;
      } else {
        const after = this.readTime(text, i);
        if (after < 0) return -1;
        time = this.timeRead;
        this.v1Time = text.slice(i, after);
        this.v1TimeValue = time;
        this.v1TimeProbe = lastTimeDigit(this.v1Time);
        i = after;
      }
    }
    // The value, up to the comma before the tags.
    let value = decimal(text, i);
    let valueEnd = decimalEnd;
    if (decimalLong && text.charCodeAt(valueEnd) === 44) {
      value = +text.slice(i, valueEnd); // well-formed (checked above): the double JSON.parse gives
    } else if (Number.isNaN(value) || text.charCodeAt(valueEnd) !== 44) {
      valueEnd = text.indexOf(',', i);
      if (valueEnd < 0 || valueEnd > limit) return -1;
      const valueText = text.slice(i, valueEnd);
      if (!JSON_NUMBER.test(valueText)) return -1;
      value = +valueText;
    }
    // Tags (and metadata): usually the previous line's; else read here, each distinct tag text
    // checked once (a text in goodTags ends at its first "}": the first "}" of a valid flat object
    // closes it).
    let tags: string | null;
    let k: number;
    const tagsPart = this.tagsPart;
    if (tagsPart !== '' && text.substring(valueEnd, valueEnd + tagsPart.length) === tagsPart && (text.charCodeAt(valueEnd + tagsPart.length - 1) === 34) === v2) {
      tags = this.tagsPartTags;
      k = valueEnd + tagsPart.length;
    } else {
      if (text.substring(valueEnd, valueEnd + TAGS.length) !== TAGS) return -1;
      const tagsStart = valueEnd + TAGS.length;
      let tagsEnd: number;
      if (text.charCodeAt(tagsStart) === 110) {
        if (text.substring(tagsStart, tagsStart + 4) !== 'null') return -1;
        tags = null;
        tagsEnd = tagsStart + 4;
      } else {
        const close = text.indexOf('}', tagsStart);
        if (close < 0 || close >= limit) return -1;
        tags = text.slice(tagsStart, close + 1);
        if (this.goodTags.has(tags)) {
          tagsEnd = close + 1;
        } else {
          tagsEnd = flatObjectEnd(text, tagsStart, limit);
          if (tagsEnd < 0) return -1;
          if (tagsEnd !== close + 1) tags = text.slice(tagsStart, tagsEnd);
          if (this.goodTags.size >= MAX_GOOD_TAGS) this.goodTags.clear();
          this.goodTags.add(tags);
        }
      }
      k = tagsEnd;
      // k6 adds `"metadata":{…}` (strings only) after the tags when a script sets any.
      if (text.charCodeAt(k) === 44) {
        if (text.substring(k, k + METADATA.length) !== METADATA) return -1;
        k = flatObjectEnd(text, k + METADATA.length, limit);
        if (k < 0) return -1;
      }
      if (text.charCodeAt(k) !== 125) return -1; // the end of "data"
      k++;
      if (v2) {
        if (text.substring(k, k + V2_TAIL.length) !== V2_TAIL) return -1;
        k += V2_TAIL.length;
      } else {
        if (text.charCodeAt(k) !== 125) return -1; // the end of the line's object
        k++;
      }
      this.tagsPart = text.slice(valueEnd, k);
      this.tagsPartTags = tags;
    }
    // v2: the metric name last, predicted from the previous line's.
    let lineEnd = k;
    if (v2) {
      const predicted = this.lastSlot?.next;
      if (predicted && text.substring(k, k + predicted.v2Tail.length) === predicted.v2Tail) {
        slot = predicted;
        lineEnd = k + predicted.v2Tail.length;
      } else {
        const q = text.indexOf('"', k);
        if (q < 0 || text.charCodeAt(q + 1) !== 125) return -1;
        slot = this.slot(text, k, q);
        if (slot === null) return -1;
        lineEnd = q + 2;
      }
    }
    // The line must end right here: a newline, CR LF, or the end of the text.
    if (lineEnd !== limit) {
      const c = text.charCodeAt(lineEnd);
      if (c === 13 && (lineEnd + 1 === limit || text.charCodeAt(lineEnd + 1) === 10)) lineEnd++;
      else if (c !== 10) return -1;
    }
    const last = this.lastSlot;
    if (last !== null && last.next !== slot && slot!.kept) last.next = slot;
    this.lastSlot = slot;
    if (Number.isFinite(value)) this.sink.point(slot!.name, time, value, tags, null, lineNo);
    else this.sink.malformed(lineNo, valueProblem(value)!);
    return lineEnd;
  }
}

export const ndjsonFormat: ReaderFormat = {
  label: 'k6 NDJSON',
  doc: "k6's `--out json=FILE` (`.gz` too): one JSON object a line; detected by a first line starting `{`",
  detect: (first) => first.startsWith('{'),
  create: (sink: SampleSink) => new NdjsonReader(sink),
};

/** A declared threshold's expression: a string, or the `threshold` of k6's object form. */
function thresholdSource(t: unknown): string | null {
  if (typeof t === 'string') return t;
  if (typeof t === 'object' && t !== null && typeof (t as { threshold?: unknown }).threshold === 'string') return (t as { threshold: string }).threshold;
  return null;
}
