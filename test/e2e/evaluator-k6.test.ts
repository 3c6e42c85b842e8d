// The evaluator against a real k6 run (no HTTP: custom metrics with known shapes): its NDJSON,
// gzip NDJSON and CSV give the same report, and its figures agree with k6's own --summary-export.
// Percentiles are k6's own definition (exact within the exact-value budget; test/e2e/k6-oracle.test.ts
// holds them to the bit); the bound here, 0.1 % of the value + the gap between the two samples
// around the rank, is the looser one a histogram past the budget keeps.
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../evaluator/evaluate.js';
import type { ReportModel, SeriesReport } from '../../model/report.js';
import { k6Env, requireTool } from '../../lib/tools.js';

const SCRIPT = `
import { Trend, Rate, Counter, Gauge } from 'k6/metrics';
const latency = new Trend('cg_latency', true);
const size = new Trend('cg_size');
const failed = new Rate('cg_failed');
const bytes = new Counter('cg_bytes');
const depth = new Gauge('cg_depth');
export const options = {
  scenarios: { gen: { executor: 'shared-iterations', vus: 2, iterations: 6000, maxDuration: '60s' } },
  thresholds: { cg_latency: ['p(95)<100000'] },
};
export default function () {
  const u = Math.random();
  // A long tail: most around 20 ms, some seconds.
  latency.add(u < 0.9 ? 5 + Math.random() * 30 : 200 + Math.random() * 3000, { kind: __ITER % 3 === 0 ? 'a' : 'b' });
  latency.add(1 + Math.random() * 10, { kind: 'a' });
  size.add(Math.floor(Math.random() * 100000));
  failed.add(Math.random() < 0.07);
  bytes.add(Math.floor(Math.random() * 1000));
  depth.add(__ITER);
}
`;

let dir: string;
let ndjson: string;
let csv: string;
let gz: string;
let summary: { metrics: Record<string, Record<string, number>> };
let samples: Map<string, number[]>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-eval-k6-'));
  const script = join(dir, 'gen.js');
  await writeFile(script, SCRIPT);
  ndjson = join(dir, 'out.json');
  csv = join(dir, 'out.csv');
  gz = join(dir, 'out.json.gz');
  const summaryFile = join(dir, 'summary.json');
  await promisify(execFile)(requireTool('k6'), ['run', '--quiet', '--out', `json=${ndjson}`, '--out', `csv=${csv}`, '--summary-export', summaryFile, script], {
    env: k6Env({ K6_CSV_TIME_FORMAT: 'unix_milli' }),
    timeout: 90_000,
  });
  await pipeline(createReadStream(ndjson), createGzip(), createWriteStream(gz));
  summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  // The exact samples, read the plain way, to know the order statistics around each rank.
  samples = new Map();
  for (const line of readFileSync(ndjson, 'utf8').split('\n')) {
    if (!line.includes('"Point"')) continue;
    const o = JSON.parse(line) as { metric: string; data: { value: number } };
    const list = samples.get(o.metric) ?? [];
    list.push(o.data.value);
    samples.set(o.metric, list);
  }
  for (const list of samples.values()) list.sort((a, b) => a - b);
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = {
  evaluate: {
    groupBy: [],
    // CSV declares no kinds; NDJSON's Metric lines do.
    metricTypes: {
      cg_latency: { kind: 'trend' as const, isTime: true },
      cg_size: { kind: 'trend' as const },
      cg_failed: { kind: 'rate' as const },
      cg_bytes: { kind: 'counter' as const },
      cg_depth: { kind: 'gauge' as const },
    },
  },
  gates: [
    { metric: 'cg_latency', expression: 'p(95)<100000' },
    { metric: 'cg_latency{kind:a}', expression: 'max<20' },
  ],
};

function one(report: ReportModel, metric: string): SeriesReport {
  const s = report.series.filter((x) => x.metric === metric);
  expect(s, metric).toHaveLength(1);
  return s[0]!;
}

describe('evaluator on real k6 output', () => {
  it('agrees with k6 --summary-export (exact counts, extremes, rates; percentiles as stated)', async () => {
    const report = await evaluate([ndjson], { config: { ...config, gates: [config.gates[0]!] } });
    const k6Latency = summary.metrics.cg_latency!;
    const lat = one(report, 'cg_latency').trend!;
    const sorted = samples.get('cg_latency')!;
    expect(one(report, 'cg_latency').count).toBe(sorted.length);
    expect(lat.min).toBe(k6Latency.min);
    expect(lat.max).toBe(k6Latency.max);
    expect(lat.avg).toBeCloseTo(k6Latency.avg!, 9);
    for (const [ours, theirs, p] of [
      [lat.p90, k6Latency['p(90)']!, 90],
      [lat.p95, k6Latency['p(95)']!, 95],
      [lat.p50, k6Latency.med!, 50],
    ] as const) {
      const rank = (p / 100) * (sorted.length - 1);
      const gap = sorted[Math.ceil(rank)]! - sorted[Math.floor(rank)]!;
      expect(Math.abs(ours - theirs), `p(${p}): ours ${ours}, k6 ${theirs}`).toBeLessThanOrEqual(theirs * 0.001 + gap + 1e-9);
    }
    const failed = one(report, 'cg_failed').rate!;
    expect(failed.passes).toBe(summary.metrics.cg_failed!.passes);
    expect(failed.fails).toBe(summary.metrics.cg_failed!.fails);
    expect(one(report, 'cg_bytes').counter!.sum).toBe(summary.metrics.cg_bytes!.count);
    expect(one(report, 'cg_depth').gauge!.max).toBe(summary.metrics.cg_depth!.max);
    expect(report.totals.points).toBe([...samples.values()].reduce((n, l) => n + l.length, 0));
    expect(report.totals.malformed).toBe(0);
    expect(report.gates.map((g) => g.verdict)).toEqual(['pass']);
  });

  it('gzip NDJSON and CSV (unix_milli) give the same figures as plain NDJSON', async () => {
    const plain = await evaluate([ndjson], { config });
    const zipped = await evaluate([gz], { config });
    const fromCsv = await evaluate([csv], { config });
    expect(zipped.inputs[0]!.gzip).toBe(true);
    // The sub-metric filter adds `kind` to the series, so that gate sees only kind=a.
    expect(plain.gates.map((g) => g.verdict)).toEqual(['pass', 'fail']);
    expect(plain.gates[1]!.observed).toBeGreaterThan(200);
    expect(fromCsv.inputs[0]!.format).toBe('csv');
    const pick = (r: ReportModel) => r.series.map((s) => [s.id, s.count, s.trend?.p95, s.trend?.max, s.rate?.passes, s.counter?.sum, s.gauge?.max]);
    expect(pick(zipped)).toEqual(pick(plain));
    // k6's CSV writes values with 6 decimals: counts and rates are exact, trends within rounding.
    const csvSeries = new Map(fromCsv.series.map((s) => [s.id, s]));
    for (const s of plain.series) {
      const c = csvSeries.get(s.id)!;
      expect(c.count, s.id).toBe(s.count);
      if (s.trend) expect(Math.abs(c.trend!.p95 - s.trend.p95)).toBeLessThanOrEqual(s.trend.p95 * 0.001 + 1e-6);
      if (s.rate) expect(c.rate).toEqual(s.rate);
    }
  });
});
