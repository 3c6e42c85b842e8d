import { describe, expect, it } from 'vitest';
import { createEvaluation } from './evaluation.js';
import { liveHistograms } from '../model/histogram.js';
import type { ReportModel } from '../model/report.js';
import { Scanner, createRing } from './scan.js';

// The worker-thread path (a Scanner's batches applied by the main thread's Evaluation) must give
// exactly the report of reading the same text directly, whatever the text holds.
const T0 = Date.UTC(2026, 0, 1, 12);
const iso = (ms: number) => new Date(ms).toISOString();

function ndjsonText(): string {
  const lines = ['', JSON.stringify({ type: 'Metric', data: { name: 'gpu_util', type: 'gauge', contains: 'default', thresholds: ['value<95'] }, metric: 'gpu_util' })];
  for (let i = 0; i < 20_000; i++) {
    const tags = JSON.stringify({ name: `GET /item/${i % 97}`, status: i % 11 ? '200' : '503', expected_response: i % 11 ? 'true' : 'false' });
    const time = iso(T0 + i * 7);
    lines.push(`{"type":"Point","data":{"time":"${time}","value":${((i * 7919) % 5000) / 7},"tags":${tags}},"metric":"http_req_duration"}`);
    lines.push(`{"metric":"http_req_failed","type":"Point","data":{"time":"${time}","value":${i % 11 ? 0 : 1},"tags":${tags}}}`);
    if (i % 1000 === 0) lines.push(`{"type":"Point","data":{"time":"${time}","value":1e${400 + i},"tags":null},"metric":"gpu_util"}`); // beyond float64: malformed
    if (i % 1500 === 0) lines.push('{"type":"Point","data":{"time":"2026-01-01T12:00:00Z","value":1,"tags":{'); // half a line
    if (i % 50 === 0) lines.push(`{"type":"Point","data":{"time":"${time}","value":${i % 100},"tags":null},"metric":"gpu_util"}`);
  }
  return lines.join('\n'); // no newline after the last line
}

function csvText(): string {
  const lines = ['metric_name,timestamp,metric_value,name,status,extra_tags,metadata'];
  for (let i = 0; i < 5_000; i++) lines.push(`http_req_duration,${Math.floor(T0 / 1000) + Math.floor(i / 100)},${(i % 300) + 0.5},GET /${i % 9},${i % 7 ? 200 : 500},,`);
  lines.push('http_req_duration,not-a-time,1,GET /,200,,');
  return lines.join('\n') + '\n';
}

const config = { bucketWidth: '1s', malformedTolerance: 0.01, declaredThresholds: true };
const gates = [
  { metric: 'http_req_duration', expression: 'p(95)<700' },
  { metric: 'http_req_duration', expression: 'p(99)<710', window: '5s' },
];

function direct(text: string, pieces: number[]): ReportModel {
  const ev = createEvaluation(config, gates);
  let lineNo = 1;
  for (const [start, end] of pieces.slice(0, -1).map((p, i) => [p, pieces[i + 1]!])) lineNo += ev.ingestText(text, start!, end!, 'in', lineNo);
  return ev.finish();
}

function viaScanner(text: string, pieces: number[], maxKeys: number): ReportModel {
  const ev = createEvaluation(config, gates);
  const ring = createRing(2);
  const scanner = new Scanner(ring, (batch) => ev.ingestBatch('in', batch, ring), undefined, maxKeys);
  let lineNo = 1;
  for (const [start, end] of pieces.slice(0, -1).map((p, i) => [p, pieces[i + 1]!])) lineNo += scanner.ingestText(text, start!, end!, 'in', lineNo);
  scanner.flush();
  return ev.finish();
}

/** Cut points on line starts, a few hundred lines apart (as chunks of a stream). */
function pieces(text: string): number[] {
  const cuts = [0];
  for (let at = 0, n = 0; (at = text.indexOf('\n', at) + 1) > 0; n++) if (n % 313 === 0) cuts.push(at);
  cuts.push(text.length);
  return [...new Set(cuts)];
}

/** All but when it was made and how long each gate took to judge. */
const same = (r: ReportModel) => ({ ...r, createdAt: '', gates: r.gates.map((g) => ({ ...g, durationMs: 0 })) });

describe('scanner batches', () => {
  it('give exactly the direct report: NDJSON with declarations, malformed lines, and key ids started again', () => {
    const text = ndjsonText();
    const want = direct(text, pieces(text));
    expect(want.totals.malformed).toBeGreaterThan(30);
    expect(want.gates.length).toBe(3); // the declared gpu_util threshold too
    expect(same(viaScanner(text, pieces(text), 50_000))).toEqual(same(want));
    // 100 keys at most: the scanner starts its ids again dozens of times.
    expect(same(viaScanner(text, pieces(text), 100))).toEqual(same(want));
    expect(liveHistograms()).toBe(0);
  });

  it('give exactly the direct report for k6 CSV', () => {
    const text = csvText();
    const want = direct(text, pieces(text));
    expect(want.inputs[0]!.format).toBe('csv');
    expect(want.totals.points).toBe(5_000);
    expect(same(viaScanner(text, pieces(text), 5))).toEqual(same(want));
  });
});
