// The HTML report from a real evaluation: generated k6-shaped NDJSON read by the evaluator, chaos
// events for one fault window, probe gauges, the run's phase analysis; rendered in headless
// Chromium, which must draw the charts (paths with many points, shaded fault windows).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvaluation } from '../../evaluator/evaluation.js';
import { readSource } from '../../evaluator/input.js';
import { reportSchema, type ReportModel } from '../../model/report.js';
import { analyse } from '../../analysis/compute.js';
import { renderHtml } from '../../reports/html.js';
import { reportWriters } from '../../reports/index.js';

const CHROMIUM = '/usr/bin/chromium';
const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);
const RUN_S = 120;
const FAULT_ON = T0 + 40_000;
const FAULT_OFF = T0 + 70_000;
const HOSTILE = '<img src=x onerror="alert(1)">';

let dir: string;

/** A deterministic pseudo-random sequence, so every run renders the same figures. */
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

function point(metric: string, time: number, value: number, tags: Record<string, string>): string {
  return JSON.stringify({ metric, type: 'Point', data: { time: new Date(time).toISOString(), value, tags } });
}

/** ~10 requests/s to two endpoints for RUN_S seconds; OCR slows down and fails 20 % during the fault. */
function k6Ndjson(): string {
  const rand = rng(7);
  const lines = [JSON.stringify({ metric: 'http_req_duration', type: 'Metric', data: { type: 'trend', contains: 'time', thresholds: [], submetrics: null } })];
  for (let t = T0; t < T0 + RUN_S * 1000; t += 100) {
    const ocr = rand() < 0.5;
    const inFault = ocr && t >= FAULT_ON && t < FAULT_OFF;
    const failed = inFault && rand() < 0.2;
    const duration = ocr ? (inFault ? 250 + rand() * 150 : 40 + rand() * 20) : 8 + rand() * 6;
    const tags = {
      name: ocr ? 'POST /api/v1/ocr/process' : HOSTILE,
      method: ocr ? 'POST' : 'GET',
      status: failed ? '503' : '200',
      expected_response: failed ? 'false' : 'true',
      scenario: 'chaos_smoke',
    };
    lines.push(point('http_reqs', t, 1, tags), point('http_req_duration', t, duration, tags), point('http_req_failed', t, failed ? 1 : 0, tags));
  }
  return lines.join('\n') + '\n';
}

async function evaluateRun(opts: { abortAt?: number; analysis?: boolean } = {}): Promise<ReportModel> {
  const ev = createEvaluation(
    { bucketWidth: '2s' },
    [
      { id: 'ocr-p95', group: 'chaos smoke', metric: 'http_req_duration{name:POST /api/v1/ocr/process}', expression: 'p(95)<200' },
      { id: 'error-rate', group: 'chaos smoke', metric: 'http_req_failed', expression: 'rate<0.05' },
      { id: 'lag-warn', group: 'rollout', metric: 'queue_depth', expression: 'max<1000', severity: 'warn' },
    ],
    { phaseLabels: true },
  );
  ev.addPhaseEvent({ time: FAULT_ON, faultId: 'ocr-latency', action: 'on' });
  ev.addPhaseEvent({ time: FAULT_OFF, faultId: 'ocr-latency', action: 'off' });
  const file = join(dir, 'k6.ndjson');
  await writeFile(file, k6Ndjson());
  await readSource(ev, file);
  // Probe and GPU gauges, as the run feeds them: the queue backs up during the fault.
  for (let t = T0; t < T0 + RUN_S * 1000; t += 1000) {
    const backlog = t >= FAULT_ON && t < FAULT_OFF + 10_000 ? Math.min(400, (t - FAULT_ON) / 100) : 3;
    ev.ingestSample({ metric: 'queue_depth', type: 'gauge', time: t, value: Math.round(backlog), tags: { probe: 'ingestion', queue: 'ingestion', kind: 'celery-redis' } });
    ev.ingestSample({ metric: 'gpu_memory_used_percent', type: 'gauge', time: t, value: t >= FAULT_ON && t < FAULT_OFF ? 78 : 42, tags: {} });
  }
  if (opts.abortAt) ev.abort('abort gate ocr-p95 breached', opts.abortAt);
  const report = ev.finish();
  if (opts.analysis === false) return reportSchema.parse(report);
  report.analysis = analyse(report, {
    profile: 'chaos-smoke',
    faults: [{ id: 'ocr-latency', kind: 'latency', target: 'ocr', on: FAULT_ON, off: FAULT_OFF, injections: 300 }],
    recovery: { p95Factor: 1.1, errorRateDelta: 0.01, windowMs: 10_000, queueDepthSlack: 5 },
    allowedErrorRate: 0.05,
  });
  return reportSchema.parse(report);
}

function chromium(args: string[]): { stdout: string; status: number | null } {
  const res = spawnSync(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${join(dir, `profile-${Math.random().toString(36).slice(2)}`)}`,
      ...args,
    ],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return { stdout: res.stdout, status: res.status };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-html-'));
});
afterAll(async () => {
  if (dir && !process.env.CHAOSGATE_KEEP_HTML) await rm(dir, { recursive: true, force: true });
});

describe('HTML report in headless Chromium', () => {
  it('draws latency, error-rate, queue and GPU charts with the fault window shaded; tables and verdict', async () => {
    const report = await evaluateRun();
    const html = reportWriters.html.render(report); // through the writer registry
    // Self-contained: no scripts, no external resources.
    expect(html).not.toMatch(/<script|<link|@import|url\(|src="http|href="http/i);
    const file = join(dir, 'report.html');
    await writeFile(file, html);

    const { stdout: dom, status } = chromium(['--dump-dom', `file://${file}`]);
    expect(status).toBe(0);
    // 2 endpoint groups x (latency + error rate) + queue + GPU = 6 charts, each shading the window.
    expect(dom.match(/<svg /g)).toHaveLength(6);
    expect(dom.match(/class="fault-window"/g)).toHaveLength(6);
    const paths = [...dom.matchAll(/<path class="series-line" data-series="([^"]*)" data-points="(\d+)" d="([^"]+)"/g)];
    const latencyLines = paths.filter((p) => ['p50', 'p95', 'p99'].includes(p[1]!));
    expect(latencyLines).toHaveLength(6);
    // 120 s in 2 s buckets: 60 buckets per line, each a level step (its start and its end) in the path.
    for (const p of latencyLines) {
      expect(Number(p[2])).toBe(60);
      expect(p[3]!.split(/[ML]/).filter(Boolean)).toHaveLength(120);
    }
    expect(paths.filter((p) => p[1] === 'error rate %').map((p) => Number(p[2]))).toEqual([60, 60]);
    const queue = paths.find((p) => p[1]!.startsWith('queue_depth'));
    expect(Number(queue?.[2])).toBeGreaterThanOrEqual(60);
    expect(paths.some((p) => p[1] === 'gpu_memory_used_percent')).toBe(true);

    // The fault window sits where the fault was: 40 s to 70 s of a 120 s axis (plot x 64..904).
    const rect = /<rect class="fault-window" x="([\d.]+)" y="\d+" width="([\d.]+)"/.exec(dom)!;
    expect(Number(rect[1])).toBeCloseTo(64 + (840 * 40) / 120, 0);
    expect(Number(rect[2])).toBeCloseTo((840 * 30) / 120, 0);

    // The OCR p95 line rises inside the window: points within it sit higher (smaller y) than before it.
    const ocrCard = dom.split('<section class="card">').find((c) => c.startsWith('<h3>POST /api/v1/ocr/process'))!;
    const ocrP95 = /data-series="p95" data-points="\d+" d="([^"]+)"/.exec(ocrCard)!;
    const ys = ocrP95[1]!
      .split(/[ML]/)
      .filter(Boolean)
      .map((xy) => xy.split(',').map(Number) as [number, number]);
    const inside = ys.filter(([x]) => x > 64 + 840 * (45 / 120) && x < 64 + 840 * (68 / 120)).map(([, y]) => y);
    const before = ys.filter(([x]) => x < 64 + 840 * (38 / 120)).map(([, y]) => y);
    expect(Math.max(...inside)).toBeLessThan(Math.min(...before));
    // …and not before it: the first coordinate above the baseline level is at the window's left edge or later.
    const firstRaised = ys.find(([, y]) => y < Math.min(...before) - 1)!;
    expect(firstRaised[0]).toBeGreaterThanOrEqual(Number(rect[1]) - 0.05);

    expect(dom).toContain('Overall verdict: <span class="verdict v-fail">FAIL</span>');
    expect(dom).toMatch(/<td class="nowrap"><span class="verdict v-fail">FAIL<\/span><\/td><td><strong>ocr-p95<\/strong>/);
    // A gate that did not pass says why in its row; a passing one does not repeat itself.
    expect(dom.match(/<div class="why">/g)).toHaveLength(1);
    expect(dom).toMatch(/<div class="why">http_req_duration\{name:POST \/api\/v1\/ocr\/process\}: p\(95\)&lt;200 breached/);
    expect(dom).toContain('<td>fault:ocr-latency</td>');
    expect(dom).toMatch(/<td>baseline<\/td><td>0:00<\/td>/);
    expect(dom).toContain('<h3>Recovery</h3>');
    expect(dom).not.toContain('Partial run');
    // Hostile tag values arrive as text, never as markup.
    expect(dom).not.toMatch(/<img/i);
    expect(dom).toContain('&lt;img src=x onerror="alert(1)"&gt;');

    const png = join(dir, 'report.png');
    expect(chromium(['--hide-scrollbars', '--window-size=1040,2600', `--screenshot=${png}`, `file://${file}`]).status).toBe(0);
    expect(existsSync(png) && statSync(png).size).toBeGreaterThan(50_000);
  });

  it('marks a partial run with a banner naming why and when it stopped; phases without analysis', async () => {
    const report = await evaluateRun({ abortAt: T0 + 95_000, analysis: false });
    expect(report.partial).toBe(true);
    const file = join(dir, 'partial.html');
    await writeFile(file, renderHtml(report));
    const { stdout: dom } = chromium(['--dump-dom', `file://${file}`]);
    expect(dom).toMatch(/<div class="banner" role="alert"><strong>Partial run\.<\/strong> Stopped at 1:35: abort gate ocr-p95 breached\./);
    expect(dom).toContain('<title>chaosgate report: fail (partial)</title>');
    // Without the run's phase analysis: the evaluator's phases, and a note where the figures come from.
    expect(dom).toMatch(/<tr class="fault-row"><td>fault:ocr-latency<\/td><td>0:40<\/td><td>0:30<\/td><\/tr>/);
    expect(dom).toContain('Per-phase figures come with the phase analysis');
  });
});
