// k6 NDJSON (`--out json=…`). Point lines take a fast path that reads k6's fixed field order
// without JSON.parse (both k6 v1's `{"metric":…,"type":"Point","data":{…}}` and k6 v2's
// `{"type":"Point","data":{…},"metric":…}`); any line that deviates from it in the slightest
// (escapes, metadata, other order) is read with JSON.parse instead, so the fast path changes speed,
// never results.
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

/** End index (exclusive) of a flat {"k":"v",…} object of plain strings at `i`, or -1. */
function flatStringObjectEnd(line: string, i: number): number {
  if (line.charCodeAt(i) !== 123 /* { */) return -1;
  i++;
  if (line.charCodeAt(i) === 125 /* } */) return i + 1;
  for (;;) {
    if (line.charCodeAt(i) !== 34) return -1;
    const keyEnd = line.indexOf('"', i + 1);
    if (keyEnd < 0 || line.charCodeAt(keyEnd + 1) !== 58 /* : */ || line.charCodeAt(keyEnd + 2) !== 34) return -1;
    const valEnd = line.indexOf('"', keyEnd + 3);
    if (valEnd < 0) return -1;
    i = valEnd + 1;
    const c = line.charCodeAt(i);
    if (c === 125) return i + 1;
    if (c !== 44 /* , */) return -1;
    i++;
  }
}

/** Reads a Point line the fast way; false when the line is not in k6's exact shape. */
function fastPoint(line: string, lineNo: number, sink: SampleSink): boolean {
  let metric: string | null = null;
  let i: number;
  if (line.startsWith(V1_HEAD)) {
    const end = line.indexOf('"', V1_HEAD.length);
    if (end < 0 || !line.startsWith(V1_MID, end)) return false;
    metric = line.slice(V1_HEAD.length, end);
    i = end + V1_MID.length;
  } else if (line.startsWith(V2_HEAD)) {
    i = V2_HEAD.length;
  } else {
    return false;
  }
  const timeEnd = line.indexOf('"', i);
  if (timeEnd < 0 || !line.startsWith(VALUE, timeEnd)) return false;
  const time = parseRfc3339(line.slice(i, timeEnd));
  if (Number.isNaN(time)) return false;
  i = timeEnd + VALUE.length;
  const valueEnd = line.indexOf(TAGS, i);
  if (valueEnd < 0) return false;
  const valueText = line.slice(i, valueEnd);
  if (!JSON_NUMBER.test(valueText)) return false;
  const value = Number(valueText);
  i = valueEnd + TAGS.length;
  let tagsRaw: string | null = null;
  if (line.startsWith('null', i)) {
    i += 4;
  } else {
    const end = flatStringObjectEnd(line, i);
    if (end < 0) return false;
    tagsRaw = line.slice(i, end);
    if (tagsRaw.includes('\\')) return false;
    i = end;
  }
  if (metric !== null) {
    if (i !== line.length - 2 || line.charCodeAt(i) !== 125 || line.charCodeAt(i + 1) !== 125) return false;
  } else {
    if (!line.startsWith(V2_TAIL, i) || !line.endsWith('"}')) return false;
    metric = line.slice(i + V2_TAIL.length, line.length - 2);
    if (metric.includes('"') || metric.includes('\\')) return false;
  }
  if (metric.includes('\\') || metric === '') return false;
  const problem = valueProblem(value);
  if (problem) sink.malformed(lineNo, problem);
  else sink.point(metric, time, value, tagsRaw, null, lineNo);
  return true;
}

function isStringRecord(v: unknown): v is Record<string, string> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  for (const x of Object.values(v)) if (typeof x !== 'string') return false;
  return true;
}

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

export const ndjsonFormat: ReaderFormat = {
  detect: (first) => first.startsWith('{'),
  create(sink: SampleSink): LineReader {
    return {
      read(line, lineNo) {
        if (line.length === 0) return;
        if (!fastPoint(line, lineNo, sink)) slowLine(line, lineNo, sink);
      },
    };
  },
};
