// The plugin's output is k6 NDJSON: a file the real plugin wrote (Locust 2.47.0, a 200, a 404 and a
// refused connection per journey; load/locust/fixtures/) is read by the evaluator's fast path, point
// for point as JSON.parse reads it, with the tags the run and the gates rely on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NdjsonReader, readLineStrictly } from '../evaluator/readers/ndjson.js';
import type { SampleSink } from '../evaluator/readers/types.js';

const text = readFileSync(join(import.meta.dirname, 'locust', 'fixtures', 'plugin-locust-2.47.0.ndjson'), 'utf8');
const lines = text.split('\n').filter((l) => l !== '');

interface Read {
  points: Array<[string, number, number, Record<string, string> | null]>;
  declared: string[];
  malformed: string[];
}

function collector(): { sink: SampleSink; read: Read } {
  const read: Read = { points: [], declared: [], malformed: [] };
  const sink: SampleSink = {
    point: (m, t, v, raw, tags) => void read.points.push([m, t, v, tags ?? (raw === null ? null : (JSON.parse(raw) as Record<string, string>))]),
    declare: (m, kind, isTime) => void read.declared.push(`${m}:${kind}${isTime ? ':time' : ''}`),
    malformed: (l, r) => void read.malformed.push(`${l}: ${r}`),
  };
  return { sink, read };
}

describe("the Locust plugin's NDJSON", () => {
  it('is read by the fast path exactly as JSON.parse reads it, every Point line without the strict path', () => {
    const fast = collector();
    const reader = new NdjsonReader(fast.sink);
    reader.readText(text, 0, text.length, 1);
    const strict = collector();
    lines.forEach((l, i) => readLineStrictly(l, i + 1, strict.sink));
    expect(fast.read.malformed).toEqual([]);
    expect(fast.read).toEqual(strict.read);
    expect(reader.strictLines).toBe(fast.read.declared.length);
    expect(fast.read.declared).toEqual(['http_reqs:counter', 'http_req_duration:trend:time', 'http_req_failed:rate', 'locust_user_errors:counter']);
  });

  it('has three samples per request with the tags of k6 (method, name, status, url, expected_response) and the failure', () => {
    const { sink, read } = collector();
    new NdjsonReader(sink).readText(text, 0, text.length, 1);
    const reqs = read.points.filter(([m]) => m === 'http_reqs');
    expect(reqs.length).toBeGreaterThanOrEqual(3);
    expect(read.points.filter(([m]) => m === 'http_req_duration')).toHaveLength(reqs.length);
    expect(read.points.filter(([m]) => m === 'http_req_failed')).toHaveLength(reqs.length);
    const byName = (name: string) => read.points.find(([m, , , t]) => m === 'http_req_failed' && t?.name === name)!;
    expect(byName('/')[2]).toBe(0);
    expect(byName('/')[3]).toMatchObject({ method: 'GET', status: '200', expected_response: 'true' });
    expect(byName('/')[3]!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(byName('/missing')[2]).toBe(1);
    expect(byName('/missing')[3]).toMatchObject({ status: '404', expected_response: 'false', error: expect.stringContaining('404') as string });
    expect(byName('/missing')[3]!.url).toMatch(/\/missing\?id=7$/);
    // No response at all: status 0, as k6 writes it.
    expect(byName('refused')[3]).toMatchObject({ status: '0', expected_response: 'false', error: expect.stringContaining('Connection refused') as string });
    // The zero that makes `locust_user_errors: count==0` judgeable.
    expect(read.points.filter(([m]) => m === 'locust_user_errors').map(([, , v]) => v)).toEqual([0]);
    // Times: UTC, microseconds, in order of the requests' ends.
    expect(lines[4]).toMatch(/"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z"/);
  });
});
