// The Locust stats-history reader on rows shaped as Locust 2.47 writes them (the e2e test
// test/e2e/locust-csv.test.ts reads files real Locust wrote): per-second differences of the
// cumulative totals, the consistency checks that make a wrong file a malformed line, not counts.
import { describe, expect, it } from 'vitest';
import { locustCsvFormat } from './locust-csv.js';
import type { SampleSink } from './types.js';

const HEADER =
  'Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,Total Min Response Time,Total Max Response Time,Total Average Content Size';
const P = (v: string) => Array(11).fill(v).join(',');
const row = (ts: number, type: string, name: string, pct: string, requests: number | string, failures: number) =>
  `${ts},2,${type},${name},0.000000,0.000000,${pct},${requests},${failures},3,3.5,1.2,40.1,2.0`;

function read(lines: string[]) {
  const points: string[] = [];
  const problems: string[] = [];
  const notes: string[] = [];
  const sink: SampleSink = {
    point: (metric, time, value, _raw, tags) => points.push(`${metric} ${time / 1000} ${value} ${JSON.stringify(tags)}`),
    declare() {},
    malformed: (line, reason) => problems.push(`${line}: ${reason}`),
    note: (line, text) => notes.push(`${line}: ${text}`),
  };
  const reader = locustCsvFormat.create(sink);
  [HEADER, ...lines].forEach((l, i) => reader.read(l, i + 1));
  const count = (metric: string, value?: number) => points.filter((p) => p.startsWith(`${metric} `) && (value === undefined || p.split(' ')[2] === String(value))).length;
  return { points, problems, notes, count };
}

describe("Locust's stats history reader", () => {
  it('--csv-full-history: requests and failures per second and name from the totals; rolling percentiles as locust_csv_p<N> metrics; Aggregated only checked', () => {
    const r = read([
      row(100, '', 'Aggregated', P('N/A'), 0, 0),
      row(101, 'GET', '"/a,b"', P('0'), 3, 1),
      row(101, '', 'Aggregated', P('0'), 3, 1),
      row(102, 'GET', '"/a,b"', '5,6,7,8,9,10,11,12,13,14,15', 5, 1),
      row(102, '', 'Aggregated', P('9'), 5, 1),
    ]);
    expect(r.problems).toEqual([]);
    expect(r.notes).toEqual([]);
    const tags = JSON.stringify({ method: 'GET', name: '/a,b' });
    expect(r.points.filter((p) => p.startsWith('http_reqs'))).toEqual([`http_reqs 101 3 ${tags}`, `http_reqs 102 2 ${tags}`]);
    expect(r.count('http_req_failed', 1)).toBe(1);
    expect(r.count('http_req_failed', 0)).toBe(4);
    // The first second's zeros are "no window yet", not 0 ms: left out.
    const percentiles = r.points.filter((p) => p.startsWith('locust_csv_p'));
    expect(percentiles.map((p) => p.split(' ')[0])).toEqual([
      'locust_csv_p50',
      'locust_csv_p66',
      'locust_csv_p75',
      'locust_csv_p80',
      'locust_csv_p90',
      'locust_csv_p95',
      'locust_csv_p98',
      'locust_csv_p99',
      'locust_csv_p99_9',
      'locust_csv_p99_99',
      'locust_csv_p100',
    ]);
    expect(r.points).toContain(`locust_csv_p95 102 10 ${tags}`);
    expect(r.points).toContain(`locust_csv_p99_9 102 13 ${tags}`);
  });

  it("without --csv-full-history: counts from the 'Aggregated' rows, untagged, no percentiles (they are since the start), one note", () => {
    const r = read([row(100, '', 'Aggregated', P('N/A'), 0, 0), row(101, '', 'Aggregated', P('4'), 4, 0), row(102, '', 'Aggregated', P('900'), 10, 2)]);
    expect(r.problems).toEqual([]);
    expect(r.points.filter((p) => p.startsWith('http_reqs'))).toEqual(['http_reqs 101 4 null', 'http_reqs 102 6 null']);
    expect(r.count('http_req_failed', 1)).toBe(2);
    expect(r.points.filter((p) => p.startsWith('locust_csv_p'))).toEqual([]);
    expect(r.notes).toHaveLength(1);
    expect(r.notes[0]).toMatch(/^3: Locust's history without --csv-full-history/);
  });

  it('refuses what cannot be joined into counts, naming the line: fallen totals, names not adding up, a bad cell, a wrong width', () => {
    expect(read([row(101, 'GET', '/a', P('1'), 5, 0), row(102, 'GET', '/a', P('1'), 3, 0)]).problems).toEqual([
      '3: totals of GET /a fell (5 → 3 requests): Locust reset its stats (--reset-stats?), so the counts before and after cannot be joined',
    ]);
    expect(read([row(101, 'GET', '/a', P('1'), 5, 0), row(101, '', 'Aggregated', P('1'), 6, 0)]).problems).toEqual([
      "3: Aggregated totals (6 requests, 0 failures) differ from the sum of the names' rows (5, 0)",
    ]);
    expect(read([row(101, '', 'Aggregated', P('1'), 6, 0), row(102, 'GET', '/a', P('1'), 6, 0)]).problems).toEqual([
      "3: a per-name row after 'Aggregated' rows had counted 6 requests: not one Locust history file",
    ]);
    expect(read([row(101, 'GET', '/a', P('1'), 'x', 0)]).problems).toEqual(['2: Total Request Count "x" / Total Failure Count "0" are not counts']);
    expect(read([row(101, 'GET', '/a', P('1'), 2, 3)]).problems).toEqual(['2: Total Failure Count 3 exceeds Total Request Count 2']);
    expect(read([row(101, 'GET', '/a', P('1'), 5, 0), row(102, 'GET', '/a', P('1'), 6, 2)]).problems).toEqual([
      '3: GET /a: 2 failures but 1 requests since its previous row (Locust counts a failure as a request too)',
    ]);
    expect(read([row(101, '', 'Aggregated', P('1'), 5, 0), row(102, '', 'Aggregated', P('1'), 4, 0)]).problems).toEqual([
      '3: totals of Aggregated fell (5 → 4 requests): Locust reset its stats (--reset-stats?), so the counts before and after cannot be joined',
    ]);
    expect(read([row(101, 'GET', '/a', P('1.5'), 2, 0)]).problems).toEqual(['2: 50% "1.5" is not Locust\'s whole milliseconds']);
    expect(read(['101,2,GET,/a,1']).problems).toEqual(["2: expected 24 CSV fields (the header's), found 5"]);
    // A malformed row emits nothing; the next good row's difference still holds its requests.
    const r = read([row(101, 'GET', '/a', P('1'), 2, 0), row(102, 'GET', '/a', P('x'), 4, 0), row(103, 'GET', '/a', P('1'), 7, 0)]);
    expect(r.points.filter((p) => p.startsWith('http_reqs'))).toEqual([
      `http_reqs 101 2 ${JSON.stringify({ method: 'GET', name: '/a' })}`,
      `http_reqs 103 5 ${JSON.stringify({ method: 'GET', name: '/a' })}`,
    ]);
  });

  it("detects only the history header; a header without Locust's count columns is malformed", () => {
    expect(locustCsvFormat.detect(HEADER)).toBe(true);
    expect(locustCsvFormat.detect('metric_name,timestamp,metric_value')).toBe(false);
    const problems: string[] = [];
    const reader = locustCsvFormat.create({ point() {}, declare() {}, malformed: (l, r) => problems.push(`${l}: ${r}`) });
    reader.read('Timestamp,User Count,Type,Name,Requests/s', 1);
    expect(problems).toEqual(["1: not Locust's stats history header (missing Total Request Count, Total Failure Count)"]);
  });
});
