// Every seed gate of the example config, made to pass and made to fail against the reference
// target in two short real runs (k6, redis-server, target, worker process, fault proxy).
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportSchema, type ReportModel } from '../../model/report.js';
import { analysisSchema, type Analysis } from '../../model/analysis.js';
import { ExitCode } from '../../lib/exit-codes.js';
import { runProfile, type RunResult } from '../../run/orchestrate.js';
import { collectingPrinter, configFile, exampleConfig } from './run-support.js';

const GiB = 1024 ** 3;
let dir: string;
let good: RunResult;
let bad: RunResult;
const example = exampleConfig();
const failLevel = example.gates.filter((g) => (g.severity ?? 'fail') === 'fail').map((g) => g.id);
const warnLevel = example.gates.filter((g) => g.severity === 'warn').map((g) => g.id);

// The healthy run judges latency with the test's own tolerances. On a loaded 2-core machine the
// seed limits (recovery p95 within 10 % of the baseline, health API p95 < 50 ms) measure the
// machine: a loaded run saw the recovery p95 at 1.6 x the baseline, the health API at 126 ms and
// readiness at 320 ms with nothing wrong. Each tolerance stays below what a fault that outlives
// its window or hits the wrong path adds (+300 ms on a path; the OCR fault's own window shows
// p95 x 3.5), so such a run still fails. The broken run below keeps the seed limits: they must fail.
const HEALTHY_P95_FACTOR = 2.5;
const healthyLatency: Record<string, string> = {
  'recovery-p95': `p(95)<=baseline*${HEALTHY_P95_FACTOR}`,
  'gpu-health-latency': 'p(95)<250',
  // Readiness only has to answer well before the 3 s client timeout.
  'readiness-db-p95': 'p(95)<=1000',
};

function gate(report: ReportModel, id: string) {
  const g = report.gates.find((x) => x.id === id);
  if (!g) throw new Error(`no gate ${id} in the report`);
  return g;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-run-gates-'));
  // The consumer-lag warn gate at 1000 cannot fire in a 30 s run; at 10 it shows the worker stop.
  // The seeds' 5-minute alert windows cannot be shown to hold by a 30 s run (such a gate fails,
  // saying so): here they are 10 s windows.
  const gates = example.gates.map((g) => (g.id === 'rollout-consumer-lag' ? { ...g, expression: 'max<=10' } : g)).map((g) => (g.window === '5m' ? { ...g, window: '10s' } : g));
  const { config } = await configFile(dir, {
    ...example,
    chaos: { journal: join(dir, 'journal.json') },
    gates: gates.map((g) => (g.id in healthyLatency ? { ...g, expression: healthyLatency[g.id] } : g)),
    run: { ...example.run, recovery: { ...(example.run.recovery as object), p95Factor: HEALTHY_P95_FACTOR } },
    load: { chaosSmoke: { duration: '30s', spikeAt: '30s', rate: 4, checksRate: 3 } },
    profiles: {
      'gates-pass': {
        scenario: 'chaos-smoke',
        drain: true,
        plan: [
          { id: 'ocr-latency', kind: 'http-latency', target: 'stack', at: '8s', duration: '6s', match: { path: '/api/v1/ocr/' }, params: { fixedMs: 300 } },
          { id: 'worker-stop', kind: 'process-pause', target: '{workerPidFile}', at: '18s', duration: '5s' },
        ],
      },
    },
  });
  good = await runProfile({ config, profile: 'gates-pass', outDir: join(dir, 'good'), progress: collectingPrinter() });

  // No abort gate here: this run must go on to the end to break every other gate.
  const failing = await configFile(dir, {
    ...example,
    chaos: { journal: join(dir, 'journal.json') },
    gates: gates.filter((g) => g.id !== 'abort-meltdown'),
    // One GPU slot at 600 ms a job cannot keep up with 4 OCR jobs/s: waits grow until requests time
    // out; one job takes the GPU to 87.5 %; every embedding fails and is retried, slowly.
    target: { gpuSlots: 1, ocrProcessingMs: 600, gpuIdleBytes: 2 * GiB, gpuBytesPerJob: 12 * GiB, embeddingFailureRate: 1, maxRetries: 50, embeddingMs: 200 },
    run: { ...example.run, drain: { queue: 'ingestion', timeout: '2s' } },
    load: { chaosSmoke: { duration: '24s', spikeAt: '24s', rate: 4, checksRate: 3 }, httpTimeout: '3s' },
    profiles: {
      'gates-fail': {
        scenario: 'chaos-smoke',
        drain: true,
        plan: [
          // 503s on every health endpoint and on readiness.
          { id: 'health-down', kind: 'http-abort', target: 'stack', at: '5s', duration: '6s', match: { pathRegex: '^/(health|readiness|api/v1/health)' }, params: { status: 503 } },
          // In the recovery after it: a slow OCR health API and a slow readiness (DB) ping.
          { id: 'api-health-slow', kind: 'http-latency', target: 'stack', at: '12s', duration: '3s', match: { path: '/api/v1/health' }, params: { fixedMs: 120 } },
          { id: 'db-slow', kind: 'http-latency', target: 'stack', at: '12s', duration: '4s', match: { path: '/readiness' }, params: { fixedMs: 700 } },
          // A fault that never ends: "did not recover".
          { id: 'ocr-errors', kind: 'http-abort', target: 'stack', at: '17s', probability: 0.5, match: { path: '/api/v1/ocr/' }, params: { status: 500 } },
        ],
      },
    },
  });
  bad = await runProfile({ config: failing.config, profile: 'gates-fail', outDir: join(dir, 'bad'), progress: collectingPrinter() });
}, 240_000);

afterAll(async () => {
  if (dir && !process.env.CHAOSGATE_KEEP_TEST_DIRS) await rm(dir, { recursive: true, force: true });
});

describe('chaosgate run: the seeds gates hold on a healthy stack', () => {
  it('passes every fail-level gate, warns on the consumer lag, exits 0', () => {
    for (const id of failLevel) expect(gate(good.report, id).verdict, gate(good.report, id).message).toBe('pass');
    expect(gate(good.report, 'rollout-consumer-lag').verdict).toBe('warn');
    expect(good.report.verdict).toBe('warn');
    expect(good.exitCode).toBe(ExitCode.pass);
    expect(good.report.partial).toBe(false);
  });

  it('writes every report, the k6 summary, the gzip NDJSON and the chaos events', async () => {
    for (const f of ['junit.xml', 'report.json', 'summary.md', 'report.html', 'k6-summary.json', 'k6.ndjson.gz', 'chaos-events.jsonl']) {
      expect((await stat(join(good.outDir, f))).size, f).toBeGreaterThan(0);
    }
    const json = JSON.parse(await readFile(join(good.outDir, 'report.json'), 'utf8'));
    expect(reportSchema.safeParse(json).success).toBe(true);
    expect(analysisSchema.safeParse(json.analysis).success).toBe(true);
    // Exact accounting: every NDJSON point line in the gzip copy was counted.
    const points = gunzipSync(await readFile(join(good.outDir, 'k6.ndjson.gz')))
      .toString('utf8')
      .split('\n')
      .filter((l) => l.includes('"type":"Point"')).length;
    expect(json.inputs.find((i: { source: string }) => i.source === 'k6').points).toBe(points);
    const md = await readFile(join(good.outDir, 'summary.md'), 'utf8');
    expect(md).toMatch(/\| fault:ocr-latency \| \d+ s \| \d+ s \| \d+ \|/);
    expect(md).toMatch(/\| ocr-latency \| \d+ s \| \d+ s \| \d+ \| recovered after \d+\.\d s \|/);
    expect(md).toMatch(/Ingestion drain \(ingestion\): drained/);
    const html = await readFile(join(good.outDir, 'report.html'), 'utf8');
    expect(html).toContain('fault:ocr-latency');
    expect(html).toContain('fault:worker-stop');
    const events = (await readFile(join(good.outDir, 'chaos-events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => `${e.faultId}:${e.action}`)).toEqual(['ocr-latency:on', 'ocr-latency:off', 'worker-stop:on', 'worker-stop:off']);
  });

  it('shows the OCR latency window, its degradation and a time to recover', () => {
    const a = good.report.analysis as Analysis;
    const row = (p: string) => a.phases.find((x) => x.phase === p)!;
    expect(row('fault:ocr-latency').p95VsBaseline).toBeGreaterThan(1.5);
    // The phase table reads as the timeline: one row per span, in time order, none overlapping.
    const names = a.phases.map((p) => p.name);
    expect(names.slice(0, 4)).toEqual(['baseline', 'fault:ocr-latency', 'recovery:ocr-latency', 'fault:worker-stop']);
    expect(names.slice(4)).toEqual(names.length > 4 ? ['recovery:worker-stop'] : []);
    for (let i = 1; i < a.phases.length; i++) expect(a.phases[i]!.start).toBeGreaterThanOrEqual(a.phases[i - 1]!.end);
    expect(a.phases.find((p) => p.name === 'recovery:ocr-latency')!.requests).toBeGreaterThan(0);
    const ocr = a.recovery.find((r) => r.faultId === 'ocr-latency')!;
    expect(ocr.status).toBe('recovered');
    expect(ocr.timeToRecoverMs).toBeGreaterThanOrEqual(0);
    expect(ocr.timeToRecoverMs).toBeLessThan(10_000);
    expect(a.faults.find((f) => f.id === 'ocr-latency')!.injections).toBeGreaterThan(10);
  });

  it('sees the queue rise while the worker is stopped and drain after it resumes', () => {
    const a = good.report.analysis as Analysis;
    const stopped = a.phases.find((x) => x.phase === 'fault:worker-stop')!;
    const baseline = a.phases.find((x) => x.phase === 'baseline')!;
    expect(stopped.queueDepthMax!).toBeGreaterThan((baseline.queueDepthMax ?? 0) + 5);
    expect(a.recovery.find((r) => r.faultId === 'worker-stop')!.status).toBe('recovered');
    expect(a.drain).toMatchObject({ drained: true, depthAtEnd: 0, retriesLeft: 0 });
    expect(a.drain!.retrievalResults!).toBeGreaterThan(0);
  });
});

describe('chaosgate run: the seeds gates fail on a broken stack', () => {
  it('fails every fail-level gate and exits 99', () => {
    const passed = failLevel.filter((id) => id !== 'abort-meltdown' && gate(bad.report, id).verdict !== 'fail');
    expect(passed, passed.map((id) => gate(bad.report, id).message).join('\n')).toEqual([]);
    expect(bad.report.verdict).toBe('fail');
    expect(bad.exitCode).toBe(ExitCode.gateFailed);
    expect(bad.report.partial).toBe(false);
  });

  it('fires the warn-level gates too', () => {
    for (const id of warnLevel) expect(gate(bad.report, id).verdict, gate(bad.report, id).message).toBe('warn');
  });

  it('says "did not recover" for a fault that never ends', () => {
    const a = bad.report.analysis as Analysis;
    const r = a.recovery.find((x) => x.faultId === 'ocr-errors')!;
    expect(r.faultEnd).not.toBeNull(); // switched off by the rollback at the end, not by the plan
    expect(r.status).toBe('did-not-recover');
  });
});
