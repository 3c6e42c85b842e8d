import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEvaluation } from './evaluation.js';
import { forEachText, readSource } from './input.js';
import { MAX_LINE_CHARS } from './readers/types.js';

const dir = mkdtempSync(join(tmpdir(), 'chaosgate-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const point = (v: number) => `{"metric":"http_req_duration","type":"Point","data":{"time":"2026-11-29T01:25:02.5+01:00","value":${v},"tags":{"status":"200"}}}`;

/** A stream of `text` pieces, the long ones produced 64 KB at a time (never held whole). */
async function* pieces(parts: (string | { repeat: string; bytes: number })[]): AsyncGenerator<Buffer> {
  for (const part of parts) {
    if (typeof part === 'string') {
      yield Buffer.from(part);
      continue;
    }
    const block = Buffer.from(part.repeat.repeat(Math.ceil(65536 / part.repeat.length))).subarray(0, 65536);
    for (let sent = 0; sent < part.bytes; sent += block.length) yield block.subarray(0, Math.min(block.length, part.bytes - sent));
  }
}

describe('line length bound', () => {
  it('drops a 50 MB line as it streams past (never a string over 1 MiB) and reports it malformed at its line', async () => {
    const ev = createEvaluation({ malformedTolerance: 0.5 });
    let longest = 0;
    await forEachText(pieces([point(1) + '\n{"metric":"x","junk":"', { repeat: 'abcdefgh', bytes: 50 << 20 }, '"}\n' + point(2) + '\n{"a":"', { repeat: 'z', bytes: 3 << 20 }]), (text, start, end, lineNo) => {
      longest = Math.max(longest, end - start);
      return ev.ingestText(text, start, end, 'big.ndjson', lineNo);
    });
    const report = ev.finish();
    expect(longest).toBeLessThanOrEqual(MAX_LINE_CHARS + 65536);
    expect(report.totals.points).toBe(2);
    expect(report.totals.malformed).toBe(2);
    expect(report.totals.problems.map((p) => `${p.source}:${p.line}`)).toEqual(['big.ndjson:2', 'big.ndjson:4']);
    expect(report.totals.problems[0]!.reason).toMatch(/^line longer than 1 MiB \(52428\d\d\d characters; k6 writes lines under 4 KB\)/);
  });

  it('reads a line just under the bound', async () => {
    const ev = createEvaluation();
    const url = 'u'.repeat(MAX_LINE_CHARS - 200);
    const line = `{"metric":"m","type":"Point","data":{"time":"2026-11-29T00:00:00Z","value":3,"tags":{"url":"${url}"}}}`;
    expect(line.length).toBeLessThan(MAX_LINE_CHARS);
    await forEachText(pieces([point(1) + '\n', line, '\n' + point(2) + '\n']), (text, start, end, lineNo) => ev.ingestText(text, start, end, 'in', lineNo));
    const report = ev.finish();
    expect(report.totals.malformed).toBe(0);
    expect(report.totals.points).toBe(3);
  });
});

describe('byte-order mark', () => {
  it('reads NDJSON and CSV files that start with a UTF-8 BOM', async () => {
    const ndjson = join(dir, 'bom.ndjson');
    writeFileSync(ndjson, '\ufeff' + [point(1), point(2)].join('\n') + '\n');
    const csv = join(dir, 'bom.csv');
    writeFileSync(csv, '\ufeffmetric_name,timestamp,metric_value,status\nhttp_req_duration,1764375902,12.5,200\n');
    for (const file of [ndjson, csv]) {
      const ev = createEvaluation();
      await readSource(ev, file);
      const report = ev.finish();
      expect(report.totals.problems).toEqual([]);
      expect(report.totals.points).toBeGreaterThan(0);
    }
  });

  it('still reports a BOM that is not at the start', async () => {
    const ev = createEvaluation({ malformedTolerance: 1 });
    await forEachText(pieces([point(1) + '\n\ufeff' + point(2) + '\n']), (text, start, end, lineNo) => ev.ingestText(text, start, end, 'in', lineNo));
    const report = ev.finish();
    expect(report.totals.points).toBe(1);
    expect(report.totals.problems.map((p) => p.line)).toEqual([2]);
  });
});
