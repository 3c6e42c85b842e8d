// k6 as the oracle (issue 18): real k6 runs a script against a local HTTP server with thresholds
// of every aggregation on built-in and custom Trend/Rate/Counter/Gauge metrics (time and non-time,
// values below 0.1 ms, negative values, a counter firing in a burst, one firing once) and on
// sub-metrics (name, status, scenario, group, expected_response, check; quoted values, values with
// spaces and colons); k6 writes its values and verdicts with handleSummary. chaosgate judges the
// same thresholds on k6's NDJSON, its gzip and its CSV: every verdict equals k6's, every value
// equals k6's to the bit (NDJSON; CSV: k6 writes values with 6 decimals, so to 1e-6). Then
// thresholds placed exactly on k6's values (`<=v` passes, `<v` fails, `==v` passes) are judged
// on the NDJSON. k6 runs with TZ=Europe/Berlin; the CSV is judged with TZ=Europe/Berlin too.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../evaluator/evaluate.js';
import type { GateConfigInput } from '../../evaluator/config.js';
import type { ReportModel } from '../../model/report.js';
import { k6Env, requireTool } from '../../lib/tools.js';
import { startLoopbackHttp, type LoopbackHttp } from '../support/servers.js';

/** Metric (or sub-metric) → thresholds k6 judges; limits chosen to give both verdicts. */
const THRESHOLDS: Record<string, string[]> = {
  http_req_duration: ['p(95)<200', 'p(99.9)<300', 'avg<100', 'med<2', 'min<1', 'max<25'],
  'http_req_duration{name:slow}': ['p(90)<30', 'med<25', 'p(99.9)>=20'],
  'http_req_duration{status:200}': ['max<100'],
  'http_req_duration{scenario:api}': ['p(99)<150'],
  'http_req_duration{group:::checkout}': ['avg<10'],
  'http_req_duration{expected_response:true}': ['p(95)<25'],
  'http_req_duration{name:"GET /a b:c"}': ['p(95)<5'],
  "http_reqs{name:'GET /a b:c'}": ['count==40', 'rate>1'],
  http_req_blocked: ['med<0.1', 'p(99)<1', 'p(10)<0.01'],
  http_reqs: ['count>100', 'rate>10'],
  http_req_failed: ['rate<0.5', 'rate<0.3'],
  'checks{check:status is 200}': ['rate==1'],
  checks: ['rate>0.9'],
  cg_tiny: ['p(95)<0.0005', 'med<0.0003', 'avg<0.0004', 'min>0', 'max<0.0005', 'p(99.9)<0.001', 'p(10)>0.0001'],
  cg_work: ['p(95)<45', 'avg<25', 'p(99.9)<49'],
  cg_skew: ['min<-6', 'max<2', 'med<0', 'p(10)<-5', 'avg>-2'],
  cg_ok: ['rate>0.7', 'rate>0.8'],
  cg_burst: ['count==18', 'rate>5', 'rate<15'],
  cg_once: ['count==1', 'rate<1'],
  cg_level: ['value<-20', 'value>-20'],
  iterations: ['count==45', 'rate>1'],
  vus: ['value>=0'],
  data_received: ['count>0', 'rate>1000000'],
  'iteration_duration{scenario:side}': ['p(95)<200', 'min>=100'],
};

const SCRIPT = `
import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Trend, Rate, Counter, Gauge } from 'k6/metrics';
const tiny = new Trend('cg_tiny');
const work = new Trend('cg_work', true);
const skew = new Trend('cg_skew');
const ok = new Rate('cg_ok');
const burst = new Counter('cg_burst');
const once = new Counter('cg_once');
const level = new Gauge('cg_level');
const BASE = __ENV.BASE;
let n = 0;
export const options = {
  scenarios: {
    api: { executor: 'shared-iterations', vus: 2, iterations: 40, maxDuration: '30s' },
    side: { executor: 'per-vu-iterations', vus: 1, iterations: 5, startTime: '1s', exec: 'side' },
  },
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(10)', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)', 'count'],
  thresholds: ${JSON.stringify(THRESHOLDS)},
};
export default function () {
  n++;
  group('checkout', () => {
    const r = http.get(BASE + '/fast', { tags: { name: 'GET /a b:c' } });
    check(r, { 'status is 200': (x) => x.status === 200 });
  });
  http.get(BASE + '/slow', { tags: { name: 'slow' } });
  http.get(BASE + '/missing', { tags: { name: 'list, sorted' } });
  tiny.add(0.00001 * (1 + ((n * 7919 + __VU * 31) % 37)));
  work.add(Math.random() * 50);
  skew.add((n % 9) - 6.5);
  ok.add(n % 4 !== 0);
  if (n <= 3) burst.add(3);
  level.add(-n * 1.5);
  sleep(0.02);
}
export function side() {
  if (__ITER === 0) once.add(1);
  sleep(0.1);
}
export function handleSummary(data) {
  return { [__ENV.SUMMARY]: JSON.stringify(data) };
}
`;

interface K6Metric {
  type: 'trend' | 'counter' | 'rate' | 'gauge';
  contains: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}
interface K6Summary {
  state: { testRunDurationMs: number };
  metrics: Record<string, K6Metric>;
}

/** The aggregate words of an expression's left side and their names in k6's summary values. */
function aggregateOf(expression: string): string {
  return /^(p\([^)]*\)|[a-z]+)/.exec(expression)![1]!;
}

const CUSTOM_TYPES = {
  cg_tiny: { kind: 'trend' as const },
  cg_work: { kind: 'trend' as const, isTime: true },
  cg_skew: { kind: 'trend' as const },
  cg_ok: { kind: 'rate' as const },
  cg_burst: { kind: 'counter' as const },
  cg_once: { kind: 'counter' as const },
  cg_level: { kind: 'gauge' as const },
};

let dir: string;
let server: LoopbackHttp;
let summary: K6Summary;
let ndjson: string;
let gz: string;
let csv: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-k6-oracle-'));
  server = await startLoopbackHttp((req, res) => {
    if (req.url === '/fast') return res.end('ok');
    if (req.url === '/slow') return void setTimeout(() => res.end('slow'), 20);
    res.statusCode = 404;
    res.end('no');
  });
  const script = join(dir, 'oracle.js');
  await writeFile(script, SCRIPT);
  ndjson = join(dir, 'out.ndjson');
  csv = join(dir, 'out.csv');
  gz = join(dir, 'out.ndjson.gz');
  const summaryFile = join(dir, 'summary.json');
  // Thresholds fail on purpose: k6 exits 99 then, which is no error here.
  await promisify(execFile)(requireTool('k6'), ['run', '--quiet', '--out', `json=${ndjson}`, '--out', `csv=${csv}`, script], {
    env: k6Env({ BASE: server.url, SUMMARY: summaryFile, TZ: 'Europe/Berlin' }),
    timeout: 60_000,
  }).catch((err: { code?: number }) => {
    if (err.code !== 99) throw err;
  });
  summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as K6Summary;
  await writeFile(gz, gzipSync(readFileSync(ndjson)));
}, 90_000);

afterAll(async () => {
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const k6Gates = (): GateConfigInput[] => Object.entries(THRESHOLDS).flatMap(([metric, list]) => list.map((expression) => ({ id: `${metric}: ${expression}`, metric, expression })));

/** Thresholds exactly on k6's value of each aggregate of each metric: <=v passes, <v fails, ==v passes, >=v passes. */
function placedGates(): Array<GateConfigInput & { want: 'pass' | 'fail' }> {
  const out: Array<GateConfigInput & { want: 'pass' | 'fail' }> = [];
  const byType: Record<K6Metric['type'], string[]> = {
    trend: ['avg', 'min', 'med', 'max', 'p(10)', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)'],
    counter: ['count', 'rate'],
    rate: ['rate'],
    gauge: ['value'],
  };
  for (const metric of Object.keys(THRESHOLDS)) {
    const m = summary.metrics[metric]!;
    for (const agg of byType[m.type]) {
      const v = m.values[agg]!;
      for (const [op, want] of [
        ['<=', 'pass'],
        ['<', 'fail'],
        ['==', 'pass'],
        ['>=', 'pass'],
      ] as const) {
        out.push({ id: `placed ${metric}: ${agg}${op}${v}`, metric, expression: `${agg}${op}${v}`, want });
      }
    }
  }
  return out;
}

async function judge(input: string, gates: GateConfigInput[]): Promise<ReportModel> {
  return evaluate([input], {
    config: { evaluate: { metricTypes: CUSTOM_TYPES }, gates: gates.map(({ id, metric, expression }) => ({ id, metric, expression })) },
    testRunDurationMs: summary.state.testRunDurationMs,
  });
}

describe('k6 as the oracle', () => {
  it('k6 ran what the test needs: every threshold metric has values, both verdicts occur', () => {
    for (const metric of Object.keys(THRESHOLDS)) expect(summary.metrics[metric], metric).toBeDefined();
    const oks = Object.values(summary.metrics).flatMap((m) => Object.values(m.thresholds ?? {}).map((t) => t.ok));
    expect(oks.filter((o) => o).length).toBeGreaterThan(10);
    expect(oks.filter((o) => !o).length).toBeGreaterThan(5);
    // The burst counter fired in the first iterations only: its span is far shorter than the test.
    expect(summary.metrics.cg_once!.values.count).toBe(1);
    expect(summary.metrics.cg_tiny!.values.med).toBeLessThan(0.0004);
  });

  for (const [label, input, exact] of [
    ['NDJSON', () => ndjson, true],
    ['gzip NDJSON', () => gz, true],
    ['CSV (TZ=Europe/Berlin)', () => csv, false],
  ] as const) {
    it(`${label}: every verdict is k6's, every value k6's ${exact ? 'to the bit' : 'to the 6 decimals k6 writes'}`, async () => {
      const tz = process.env.TZ;
      if (!exact) process.env.TZ = 'Europe/Berlin';
      let report: ReportModel;
      try {
        report = await judge(input(), k6Gates());
      } finally {
        if (tz === undefined) delete process.env.TZ;
        else process.env.TZ = tz;
      }
      const mismatches: string[] = [];
      for (const g of report.gates) {
        const k6 = summary.metrics[g.metric]!;
        const k6Ok = k6.thresholds![g.expression]!.ok;
        const k6Value = k6.values[aggregateOf(g.expression)]!;
        if ((g.verdict === 'pass') !== k6Ok) mismatches.push(`${g.id}: chaosgate ${g.verdict}, k6 ${k6Ok ? 'pass' : 'fail'} (${g.message})`);
        const close = exact ? g.observed === k6Value : g.observed !== null && Math.abs(g.observed - k6Value) <= 1e-6 + Math.abs(k6Value) * 1e-9;
        if (!close) mismatches.push(`${g.id}: chaosgate ${g.observed}, k6 ${k6Value}`);
      }
      expect(mismatches).toEqual([]);
      expect(report.gates).toHaveLength(k6Gates().length);
    });
  }

  it("thresholds placed exactly on each of k6's values: <=v passes, <v fails, ==v passes (NDJSON)", async () => {
    const gates = placedGates();
    const report = await judge(ndjson, gates);
    const wrong = report.gates.filter((g, i) => g.verdict !== gates[i]!.want).map((g) => `${g.id}: ${g.verdict} (${g.message})`);
    expect(wrong).toEqual([]);
    expect(gates.length).toBeGreaterThan(150);
  });
});
