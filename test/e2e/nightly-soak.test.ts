// Three nights of a short soak as a QA engineer runs them: chaosgate from `npm pack`, installed in a
// project outside this repository, `chaosgate init`'s script against a loopback service the test
// starts and slows down, real k6. Night 1 has no previous night (the baseline gates are skipped with
// a note: exit 0), night 2 is 25 % slower than night 1 (exit 99), night 3 is as fast as night 1 and
// compares with the last green night (exit 0); the comparison section carries the figures of both
// reports. Then one run whose service slows down gradually fails its drift gate (exit 99).
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolPath } from '../../lib/tools.js';
import type { ReportModel } from '../../model/report.js';
import { PackedInstall, type Result } from '../support/packed-install.js';

let installed: PackedInstall;
let app: string;
let service: Server;
let serviceUrl: string;
/** The service's answer delay in ms, by the time since `since` (a gradual slowdown). */
let delay: (sinceMs: number) => number = () => 0;
let since = Date.now();

const chaosgate = (args: string[], env?: NodeJS.ProcessEnv) => installed.chaosgate(args, env, 120_000);

// A short nightly: 10 s at 10 requests a second, 1 s buckets. The gates a team writes for its soak,
// scaled to seconds: p95 and error rate against the previous night, and p95's drift within the run.
const gates = [
  { id: 'p95-vs-last-night', metric: 'http_req_duration{service:web}', expression: 'p(95)<=baseline*1.12', baseline: 'report' },
  { id: 'error-rate-vs-last-night', metric: 'chaosgate_error_rate{service:web}', expression: 'rate<=baseline+0.01', baseline: 'report' },
  // 10 ms more per second is 36 000 ms/h; a flat service's p95 moves a few ms between 2 s windows
  // (up to ±15 ms on a busy machine: ±7 000 ms/h over 8 s).
  { id: 'p95-drift', metric: 'drift(http_req_duration{service:web})', expression: 'slope_per_hour<20000', window: '2s' },
];

beforeAll(async () => {
  installed = new PackedInstall('nightly', { CHAOSGATE_K6_BIN: toolPath.k6 });
  app = installed.app;
  const pack = await installed.pack();
  expect(pack.code, pack.stderr).toBe(0);
  const install = await installed.install();
  expect(install.code, install.stderr).toBe(0);

  service = createServer((req, res) => {
    req.resume();
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n'), delay(Date.now() - since));
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;

  const init = await chaosgate(['init', '--service-url', serviceUrl]);
  expect(init.code, init.stderr).toBe(0);
  const config = JSON.parse(readFileSync(join(app, 'chaosgate.config.json'), 'utf8'));
  config.evaluate = { bucketWidth: '1s' };
  config.profiles.nightly = { description: 'the soak, in seconds', script: 'k6/chaosgate.ts', duration: '10s', drift: true, gates };
  writeFileSync(join(app, 'chaosgate.config.json'), JSON.stringify(config, null, 2));
}, 300_000);

afterAll(async () => {
  await new Promise((resolve) => service?.close(resolve));
  installed?.remove();
});

const night = (n: string) => join(app, 'nights', n);
const report = (n: string) => JSON.parse(readFileSync(join(night(n), 'report.json'), 'utf8')) as ReportModel;
const gate = (r: ReportModel, id: string) => r.gates.find((g) => g.id === id)!;

async function runNight(name: string, ms: (sinceMs: number) => number, baseline?: string): Promise<Result> {
  delay = ms;
  since = Date.now();
  return chaosgate(['run', 'nightly', '--out-dir', night(name), ...(baseline ? ['--baseline', baseline] : [])]);
}

describe('three nights of a short soak, from the packed chaosgate', () => {
  it('night 1: no previous night — the baseline gates are skipped with a note, exit 0', async () => {
    const r = await runNight('1', () => 400);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^WARN p95-vs-last-night: /m);
    expect(r.stderr).toContain('note: no baseline: no previous report was given');
    expect(r.stderr).toMatch(/^PASS p95-drift: /m);
    const rep = report('1');
    expect(rep.verdict).toBe('warn');
    expect(gate(rep, 'p95-vs-last-night').message).toContain('skipped');
    expect(readFileSync(join(night('1'), 'summary.md'), 'utf8')).toContain('no baseline: no previous report was given');
    expect(rep.analysis!.identity).toMatchObject({ profile: 'nightly', script: 'k6/chaosgate.ts', services: { web: serviceUrl } });
  });

  it('night 2, 25 % slower than night 1, fails against it (exit 99); the comparison carries both nights', async () => {
    const r = await runNight('2', () => 500, join(night('1'), 'report.json'));
    expect(r.code, r.stderr).toBe(99);
    const one = report('1');
    const two = report('2');
    const g = gate(two, 'p95-vs-last-night');
    expect(g.verdict).toBe('fail');
    // The baseline figure is night 1's p95 of web, its limit that × 1.12.
    const p95Of = (rep: ReportModel) => rep.analysis!.services!.find((s) => s.service === 'web')!.p95!;
    // The gate's figures are k6's p95 (exact tonight; read back from night 1's report's HDR histograms
    // for the baseline), the analysis's per-service p95 is read from the HDR histograms: the same
    // samples, within HDR's 3 significant digits (0.1 %).
    expect(Math.abs(g.baselineValue! / p95Of(one) - 1)).toBeLessThan(0.001);
    expect(g.limit).toBeCloseTo(g.baselineValue! * 1.12, 6);
    expect(Math.abs(g.observed! / p95Of(two) - 1)).toBeLessThan(0.001);
    const c = two.analysis!.comparison!;
    expect(c.differences).toEqual([]);
    const web = c.rows.find((x) => x.scope === 'service' && x.name === 'web')!;
    expect(web.previous!.p95).toBeCloseTo(p95Of(one), 6);
    expect(web.current!.p95).toBeCloseTo(p95Of(two), 6);
    // The service: 400 ms then 500 ms, plus what the loopback and a busy machine add (a few ms to
    // tens of ms, unlike from night to night: hence a slow-down of 100 ms against the 12 % margin).
    expect(web.previous!.p95).toBeGreaterThanOrEqual(400);
    expect(web.current!.p95).toBeGreaterThanOrEqual(500);
    expect(web.current!.p95! - web.previous!.p95!).toBeGreaterThan(50);
    expect(web.current!.requests).toBeGreaterThanOrEqual(95);
    // The Markdown row shows the same figures, previous → current, with the signed delta.
    const md = readFileSync(join(night('2'), 'summary.md'), 'utf8');
    const f = (v: number) => `${v.toFixed(1)} ms`;
    const d = web.current!.p95! - web.previous!.p95!;
    expect(md).toContain(`| ${f(web.previous!.p95!)} → ${f(web.current!.p95!)} | +${d.toFixed(1)} ms (+${((d / web.previous!.p95!) * 100).toFixed(1)} %) |`);
    expect(md).toMatch(/\| ❌ \| p95-vs-last-night \| [\d.]+ \| [\d.]+ \(baseline [\d.]+\) \| fail \|/);
    const html = readFileSync(join(night('2'), 'report.html'), 'utf8');
    expect(html).toContain('data-series="p95 previous run"');
  });

  it('night 3, as fast as night 1 again, passes against the last green night (exit 0)', async () => {
    const r = await runNight('3', () => 400, join(night('1'), 'report.json'));
    expect(r.code, r.stderr).toBe(0);
    expect(report('3').verdict).toBe('pass');
    expect(gate(report('3'), 'p95-vs-last-night').verdict).toBe('pass');
  });

  it('a service that slows down gradually within one run fails the drift gate (exit 99)', async () => {
    // 40 ms, then 30 ms more every second: p95 climbs by ~108 000 ms/h.
    const r = await runNight('creep', (t) => 40 + (t / 1000) * 30, join(night('1'), 'report.json'));
    expect(r.code, r.stderr).toBe(99);
    const g = gate(report('creep'), 'p95-drift');
    expect(g.verdict).toBe('fail');
    expect(g.observed).toBeGreaterThan(50_000);
    expect(g.drift!.points.length).toBeGreaterThanOrEqual(3);
    // Each window's p95 is above the one before.
    const values = g.drift!.points.map((p) => p.value);
    expect(values.every((v, i) => i === 0 || v > values[i - 1]!)).toBe(true);
    expect(r.stderr).toMatch(/^FAIL p95-drift: /m);
  });
});
