import { describe, expect, it } from 'vitest';
import { ndjsonFormat } from './ndjson.js';
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
    const texts = ['0', '1', '0.5', '12.345678', '51.876381501969945', '123456.789012345', '1234567.890123456', '999999999999', '0.1', '0.30000000000000004', '99.99900000000001', '1e3', '2.5E-3', '100', '0.000001', '7.0'];
    const rand = Array.from({ length: 2000 }, (_, k) => String(Math.round(Math.sin(k) * Math.sin(k) * 1e9) / 10 ** (k % 12)));
    const all = [...texts, ...rand];
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
