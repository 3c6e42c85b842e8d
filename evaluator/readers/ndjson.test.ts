import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NdjsonReader, ndjsonFormat, readLineStrictly } from './ndjson.js';
import type { SampleSink } from './types.js';

function readAll(lines: string[]): { values: number[]; malformed: string[] } {
  const values: number[] = [];
  const malformed: string[] = [];
  const sink: SampleSink = { point: (_m, _t, v) => void values.push(v), declare: () => {}, malformed: (l, r) => void malformed.push(`${l}: ${r}`) };
  const reader = ndjsonFormat.create(sink);
  const text = lines.join('\n') + '\n';
  reader.readText!(text, 0, text.length, 1);
  return { values, malformed };
}

describe('NDJSON fast path', () => {
  it('gives exactly the doubles JSON.parse gives, for every number shape', () => {
    const texts = [
      '0',
      '1',
      '0.5',
      '12.345678',
      '51.876381501969945',
      '123456.789012345',
      '1234567.890123456',
      '999999999999',
      '0.1',
      '0.30000000000000004',
      '99.99900000000001',
      '1e3',
      '2.5E-3',
      '100',
      '0.000001',
      '7.0',
    ];
    // 16 and 17 significant digits on both sides of 2^53 (9007199254740992) as an integer of digits.
    const nearExactLimit = ['900719.9254740991', '900719.9254740992', '900719.9254740993', '90071992.54740991', '90071992.54740993', '9.007199254740993', '0.9007199254740993'];
    const scripted = Array.from({ length: 2000 }, (_, k) => String(Math.abs(Math.sin(k + 0.5)) * 100)); // 16–17 digits, as Math.random() * 100 prints
    const rand = Array.from({ length: 2000 }, (_, k) => String(Math.round(Math.sin(k) * Math.sin(k) * 1e9) / 10 ** (k % 12)));
    const all = [...texts, ...nearExactLimit, ...scripted, ...rand];
    const lines = all.map((v) => `{"type":"Point","data":{"time":"2026-01-01T00:00:00.123456789Z","value":${v},"tags":{"a":"b"}},"metric":"m"}`);
    const { values, malformed } = readAll(lines);
    expect(malformed).toEqual([]);
    expect(values).toEqual(all.map((v) => JSON.parse(v) as number));
  });

  it('sends numbers JSON would reject to the strict path, which reports them', () => {
    const bad = ['01', '.5', '5.', '+1', '1..2', 'Infinity', '0x10', '-'];
    const lines = bad.map((v) => `{"type":"Point","data":{"time":"2026-01-01T00:00:00Z","value":${v},"tags":null},"metric":"m"}`);
    const { values, malformed } = readAll(lines);
    expect(values).toEqual([]);
    expect(malformed).toHaveLength(bad.length);
    expect(malformed[0]).toMatch(/^1: not JSON/);
  });
});

describe('NDJSON line ends', () => {
  it('reads CRLF, rejects half lines and glued lines, and reads a last line without newline', () => {
    const good = (v: number) => `{"type":"Point","data":{"time":"2026-01-01T00:00:00.5Z","value":${v},"tags":{"a":"b"}},"metric":"m"}`;
    const values: number[] = [];
    const malformed: string[] = [];
    const sink: SampleSink = { point: (_m, _t, v) => void values.push(v), declare: () => {}, malformed: (l, r) => void malformed.push(`${l}: ${r}`) };
    const reader = ndjsonFormat.create(sink);
    const half = good(2).slice(0, 60);
    const text = `${good(1)}\r\n${half}\n${good(3)}${good(4)}\n${good(5)}`;
    const lines = reader.readText!(text, 0, text.length, 1);
    expect(lines).toBe(4);
    expect(values).toEqual([1, 5]);
    expect(malformed.map((m) => m.slice(0, 12))).toEqual(['2: not JSON ', '3: not JSON ']);
  });
});

/** Times as k6 writes them: any zone, 0–9 fraction digits (Go trims trailing zeros). */
function k6Times(rnd: () => number, count: number): string[] {
  const zones = ['Z', '+01:00', '+02:00', '-05:30', '-03:30', '+05:30', '+00:00', '-00:00', '+14:00', '-12:00'];
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    const digits = n % 10;
    const fraction = digits === 0 ? '' : '.' + String(Math.floor(rnd() * 10 ** digits)).padStart(digits, '0');
    const second = `2026-11-29T0${n % 10}:${String(n % 60).padStart(2, '0')}:${String((n * 7) % 60).padStart(2, '0')}`;
    out.push(second + fraction + zones[n % zones.length]!);
  }
  return out;
}

/** Real k6 v1.8.1 output (TZ=Europe/Berlin, America/St_Johns, Asia/Kolkata; metadata set by a script). */
const fixtureDir = join(import.meta.dirname, 'fixtures');
const realK6Lines = readdirSync(fixtureDir).flatMap((f) =>
  readFileSync(join(fixtureDir, f), 'utf8')
    .split('\n')
    .filter((l) => l !== ''),
);

describe('NDJSON fast path against the strict reader', () => {
  // Every line is read twice: by the fast path over the whole text (which reuses what it saw on
  // earlier lines) and by JSON.parse line by line. Lines are k6-shaped in both field orders, in
  // request groups like k6 writes them, and a fifth of them are mutated one character at a time.
  function random(seed: number): () => number {
    let s = seed >>> 0;
    return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  }

  function k6Lines(count: number, seed: number): string[] {
    const rnd = random(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const metrics = ['http_reqs', 'http_req_duration', 'http_req_blocked', 'http_req_waiting', 'http_req_failed', 'iterations', 'vus'];
    const tagSets = [
      '{"group":"::ocr","method":"POST","status":"200"}',
      '{"status":"200","method":"POST","group":"::ocr"}',
      '{"b":"}","a":"{"}',
      '{"a":"\\u00e9\\/\\n"}',
      '{"name":"http://127.0.0.1:8000/a?x=\\"q\\"","status":"503"}',
      'null',
      '{}',
      '{ "a" : "b" }',
      '{"a":"caf\\u00e9"}',
      '{"a":"b","a":"c"}',
    ];
    const values = [
      '1',
      '0',
      '12.345678',
      '4.8184712266075636',
      '56.61976801365426',
      '0.00012345678901234567',
      '1234567890123456.5',
      '0.5',
      '1e3',
      '2.5E-3',
      '-1',
      '01',
      '.5',
      '5.',
      '1.2.3',
      '1234567890123456789',
      '1e400',
      '999999999999',
      '1000000000001',
      'NaN',
      '"7"',
      '-0',
    ];
    const times = [
      ...k6Times(rnd, 12),
      '2026-13-01T00:00:00Z',
      '2026-01-01T00:00:00.Z',
      '2026-01-01T00:00:00.5+1:00',
      '2026-01-01T00:00:00.5+01:0',
      '2026-01-01T00:00:00.5+24:00',
      '2026-01-01T00:00:00.5z',
    ];
    const metadata = ['', '', '', ',"metadata":{"trace_id":"abc0"}', ',"metadata":{}', ',"metadata":{"a":"1","b":"x\\"y"}', ',"metadata":{"n":1}', ',"metadata":null'];
    const lines: string[] = [];
    while (lines.length < count) {
      const v2 = rnd() < 0.5;
      const time = pick(times);
      const tags = pick(tagSets);
      const first = Math.floor(rnd() * metrics.length);
      for (let k = 0; k < 1 + Math.floor(rnd() * 9); k++) {
        const metric = rnd() < 0.9 ? metrics[(first + k) % metrics.length]! : pick(metrics);
        const value = rnd() < 0.7 ? String(Math.round(rnd() * 1e6) / 10 ** Math.floor(rnd() * 7)) : pick(values);
        const meta = pick(metadata);
        lines.push(
          v2
            ? `{"type":"Point","data":{"time":"${time}","value":${value},"tags":${tags}${meta}},"metric":"${metric}"}`
            : `{"metric":"${metric}","type":"Point","data":{"time":"${time}","value":${value},"tags":${tags}${meta}}}`,
        );
      }
    }
    // Runs of real k6 output between the generated groups.
    for (let r = 0; r < 20; r++) {
      const from = Math.floor(rnd() * realK6Lines.length);
      lines.splice(Math.floor(rnd() * lines.length), 0, ...realK6Lines.slice(from, from + 30));
    }
    const noise = ['"', '}', '{', ',', '\\', '0', '.', 'x', ' ', '\r', ':', '+', '-', 'Z'];
    return lines.map((line) => {
      if (rnd() >= 0.2) return line;
      const at = Math.floor(rnd() * line.length);
      const op = rnd();
      if (op < 0.3) return line.slice(0, at) + line.slice(at + 1);
      if (op < 0.6) return line.slice(0, at) + pick(noise) + line.slice(at);
      if (op < 0.8) return line.slice(0, at) + pick(noise) + line.slice(at + 1);
      if (op < 0.9) return line.slice(0, at);
      return line.replace('"data":{', '"metadata":{"k":"v"},"data":{');
    });
  }

  function record(out: string[]): SampleSink {
    return {
      point: (m, t, v, raw, tags) => void out.push(`P ${m} ${t} ${v} ${JSON.stringify(raw === null ? tags : JSON.parse(raw))}`),
      declare: () => {},
      malformed: (l, r) => void out.push(`M ${l} ${r}`),
    };
  }

  it('gives the same samples and problems on 40 000 k6 lines and mutations of them', () => {
    for (const seed of [1, 2, 3, 4]) {
      const lines = k6Lines(10_000, seed);
      const text = lines.join('\n') + '\n';
      const fast: string[] = [];
      const reader = new NdjsonReader(record(fast));
      reader.readText(text, 0, text.length, 1);
      const strict: string[] = [];
      const sink = record(strict);
      lines.forEach((line, i) => {
        const l = line.endsWith('\r') ? line.slice(0, -1) : line;
        if (l !== '') readLineStrictly(l, i + 1, sink);
      });
      expect(fast.length).toBeGreaterThan(9_000);
      expect(fast.filter((c) => c.startsWith('P ')).length).toBeGreaterThan(4_000);
      // Both paths were taken: most clean lines fast, every mutated line strictly.
      expect(reader.strictLines).toBeGreaterThan(2_000);
      expect(reader.strictLines).toBeLessThan(8_000);
      expect(fast).toEqual(strict);
    }
  });
});

describe('NDJSON fast path coverage', () => {
  /** Reads `lines` with the fast path; returns the points and how many lines went to JSON.parse. */
  function fastRead(lines: string[]): { points: [string, number, number][]; strict: number } {
    const points: [string, number, number][] = [];
    const reader = new NdjsonReader({ point: (m, t, v) => void points.push([m, t, v]), declare: () => {}, malformed: () => {} });
    const text = lines.join('\n');
    expect(reader.readText(text, 0, text.length, 1)).toBe(lines.length);
    return { points, strict: reader.strictLines };
  }

  it('reads clean k6 lines of every shape without JSON.parse: both field orders, every zone and fraction length, metadata or not, tags in any order', () => {
    const rnd = (() => {
      let s = 7;
      return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    })();
    const times = k6Times(rnd, 40);
    const tagOrders = [
      '{"name":"n1","status":"200","group":""}',
      '{"group":"","status":"200","name":"n1"}',
      '{"status":"200","name":"n1","group":""}',
      '{"url":"http://127.0.0.1/?a=1\\u0026b=2"}',
      '{}',
      'null',
    ];
    const metadata = ['', ',"metadata":{"trace_id":"4bf92f3577b34da6"}', ',"metadata":{}'];
    const lines: string[] = [];
    const shapes = new Set<string>();
    for (const time of times) {
      for (const tags of tagOrders) {
        for (const meta of metadata) {
          for (const m of ['http_reqs', 'http_req_duration', 'http_req_failed']) {
            lines.push(`{"type":"Point","data":{"time":"${time}","value":1.5,"tags":${tags}${meta}},"metric":"${m}"}`);
            lines.push(`{"metric":"${m}","type":"Point","data":{"time":"${time}","value":2,"tags":${tags}${meta}}}`);
          }
          shapes.add(`${time.slice(19)}|${meta === '' ? '' : 'meta'}`);
        }
      }
    }
    expect(shapes.size).toBeGreaterThan(60);
    const { points, strict } = fastRead(lines);
    expect(points).toHaveLength(lines.length);
    expect(strict).toBe(0);
  });

  it("reads every line of real k6 output (Berlin, St John's, Kolkata, metadata) without JSON.parse", () => {
    const points = realK6Lines.filter((l) => l.includes('"type":"Point"'));
    expect(points.length).toBeGreaterThan(80);
    expect(points.some((l) => /\+01:00"/.test(l)) && points.some((l) => /-03:30"/.test(l)) && points.some((l) => l.includes('"metadata"'))).toBe(true);
    const { points: read, strict } = fastRead(points);
    expect(read).toHaveLength(points.length);
    expect(strict).toBe(0);
  });

  it('keeps a +01:00 line on the fast path, at the same instant as its UTC twin', () => {
    const berlin = '{"metric":"http_req_duration","type":"Point","data":{"time":"2026-11-29T01:25:02.606241967+01:00","value":36.15,"tags":{"group":"","status":"200"}}}';
    const utc = '{"metric":"http_req_duration","type":"Point","data":{"time":"2026-11-29T00:25:02.606241967Z","value":36.15,"tags":{"group":"","status":"200"}}}';
    const stJohns = '{"type":"Point","data":{"time":"2026-11-28T20:55:02.606241967-03:30","value":36.15,"tags":{"group":"","status":"200"}},"metric":"http_req_duration"}';
    const { points, strict } = fastRead([berlin, utc, stJohns, berlin]);
    expect(strict).toBe(0);
    expect(points.map((p) => p[1])).toEqual(Array(4).fill(Date.UTC(2026, 10, 29, 0, 25, 2) + 606.241967));
  });
});
