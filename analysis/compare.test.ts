import { describe, expect, it } from 'vitest';
import { createEvaluation } from '../evaluator/evaluation.js';
import { reportSchema, type ReportModel } from '../model/report.js';
import { renderMarkdown } from '../reports/markdown.js';
import { renderHtml } from '../reports/html.js';
import { analyseRun, comparisonNotes } from './timeline.js';
import { identityDifferences, runIdentity } from './compare.js';

const T0 = Date.UTC(2026, 0, 1, 2, 17);
const settings = { recovery: { p95Factor: 1.1, errorRateDelta: 0.01, window: '5s', queueDepthSlack: 0 }, allowedErrorRate: 0.05, driftWindow: '10s' };

/**
 * 60 s of two services: api (GET /items, POST /orders) and web (GET /), 10 requests a second each;
 * every latency exactly `ms` (per service), one in `failEvery` api requests failing.
 */
function night(ms: { api: number; web: number }, failEvery: number, gates: Parameters<typeof createEvaluation>[1] = [], baseline: ReportModel | null = null): ReportModel {
  const ev = createEvaluation({ bucketWidth: '5s' }, gates, { baselineReport: baseline });
  let n = 0;
  for (let t = 0; t < 60_000; t += 100) {
    for (const [service, name] of [
      ['api', 'GET /items'],
      ['api', 'POST /orders'],
      ['web', 'GET /'],
    ] as const) {
      const failed = service === 'api' && n++ % failEvery === 0;
      const tags = { name, service, expected_response: failed ? 'false' : 'true' };
      ev.ingestSample({ metric: 'http_req_duration', time: T0 + t, value: ms[service], tags });
      ev.ingestSample({ metric: 'http_req_failed', time: T0 + t, value: failed ? 1 : 0, tags });
    }
  }
  return ev.finish();
}

const identity = { script: 'k6/soak.ts', services: { api: 'http://api:8000', web: 'http://web:8080' }, plannedMs: 60_000 };

describe('the comparison with the previous night', () => {
  const lastNight = night({ api: 40, web: 20 }, 100);
  lastNight.analysis = analyseRun(lastNight, { profile: 'soak', faults: [], settings, identity });
  const gates = [{ id: 'p95 vs last night', metric: 'http_req_duration', expression: 'p(95)<=baseline*1.10', baseline: 'report' as const }];
  // Tonight api is 25 % slower and fails twice as often; web is unchanged.
  const tonight = night({ api: 50, web: 20 }, 50, gates, lastNight);
  tonight.analysis = analyseRun(tonight, { profile: 'soak', faults: [], settings, identity, previous: { source: 'previous-night/41/report.json', report: lastNight } });
  const c = tonight.analysis.comparison!;
  const row = (scope: string, name: string) => c.rows.find((r) => r.scope === scope && r.name === name)!;

  it('has previous and current figures for the run, each service and each endpoint', () => {
    expect(c.rows.map((r) => `${r.scope} ${r.name}`)).toEqual(['run all', 'service api', 'service web', 'endpoint GET /', 'endpoint GET /items', 'endpoint POST /orders']);
    // HDR's 3 significant digits: within 0.1 %.
    const api = row('service', 'api');
    expect(api.previous!.requests).toBe(1200);
    for (const p of ['p50', 'p95', 'p99'] as const) expect(api.previous![p]! / 40).toBeCloseTo(1, 2);
    expect(api.current!.requests).toBe(1200);
    for (const p of ['p50', 'p95', 'p99'] as const) expect(api.current![p]! / 50).toBeCloseTo(1, 2);
    expect(row('service', 'api').previous!.errorRate).toBeCloseTo(12 / 1200, 10);
    expect(row('service', 'api').current!.errorRate).toBeCloseTo(24 / 1200, 10);
    expect(row('service', 'web').current).toMatchObject({ requests: 600, errorRate: 0 });
    expect(row('service', 'web').current!.p95! / 20).toBeCloseTo(1, 2);
    expect(row('endpoint', 'POST /orders').current!.p99! / 50).toBeCloseTo(1, 2);
    expect(c.differences).toEqual([]);
    expect(c.previousVerdict).toBe('pass');
    expect(c.p95Timeline.previous).toHaveLength(12);
    expect(c.p95Timeline.current[0]).toMatchObject({ fromMs: 0, toMs: 5000 });
    expect(c.p95Timeline.current[0]!.p95 / 50).toBeCloseTo(1, 2);
    expect(reportSchema.safeParse(JSON.parse(JSON.stringify(tonight))).success).toBe(true);
  });

  it('renders signed deltas in Markdown, and the baseline figure beside the baseline gate', () => {
    const md = renderMarkdown(tonight);
    expect(md).toContain('### Compared with the previous run');
    expect(md).toMatch(/\| service api \| 1200 → 1200 \| 40\.0 ms → 50\.0 ms \| \+(9\.9\d|10\.0) ms \(\+2[45]\.\d %\) \| 40\.0 ms → 50\.0 ms \| \+(9\.9\d|10\.0) ms/);
    expect(md).toContain('| 1.00 % → 2.00 % | +1.00 points |');
    expect(md).toMatch(/\| service web \| 600 → 600 \| 20\.0 ms → 20\.0 ms \| ±0\.00 ms \(±0\.0 %\) \|/);
    // The gate: whole-run p95 of the previous night (api 40, web 20 ms: 40) × 1.10 = 44. The previous
    // night's figure is read from its report's HDR histogram (k6's rank on the middle of 40's bucket,
    // 39.9933): within 0.05 % of 40; tonight's 50 is exact.
    expect(md).toMatch(/\| ❌ \| p95 vs last night \| 50 \| (43\.99\d*|44(\.0\d*)?) \((baseline 39\.99\d*|baseline 40(\.0\d*)?)\) \| fail \|/);
  });

  it("renders the same table in HTML and draws last night's p95 dashed over tonight's", () => {
    const html = renderHtml(tonight);
    expect(html).toContain('<h2 id="comparison">Compared with the previous run</h2>');
    expect(html).toMatch(/\+(9\.9\d|10\.0) ms \(\+2[45]\.\d %\)/);
    expect(html).toMatch(/data-series="p95 previous run"[^>]*stroke-dasharray/);
    expect(html).toContain('data-series="p95 this run"');
    expect(html).toMatch(/baseline (39\.99\d*|40(\.0\d*)?)<\/div>/);
  });

  it('says how the runs differ: another profile, script, service URL, length or rate', () => {
    const other = night({ api: 40, web: 20 }, 100);
    const otherId = runIdentity(other, 'chaos', { script: 'k6/chaos.ts', services: { api: 'http://api-staging:8000', web: 'http://web:8080' }, plannedMs: 120_000 });
    const prev = runIdentity(lastNight, 'soak', identity);
    expect(identityDifferences(prev, otherId)).toEqual([
      'profile soak → chaos',
      'script k6/soak.ts → k6/chaos.ts',
      'service api: http://api:8000 → http://api-staging:8000',
      'planned length 60 s → 120 s',
    ]);
    expect(identityDifferences(prev, { ...prev, requestsPerSecond: prev.requestsPerSecond! * 2 })).toEqual([expect.stringMatching(/^rate 30\.\d\/s → 60\.\d\/s$/)]);
    const a = analyseRun(other, { profile: 'chaos', faults: [], settings, identity: { ...identity, plannedMs: 120_000 }, previous: { source: 'x.json', report: lastNight } });
    expect(comparisonNotes(a)).toEqual([
      'the previous report (' + lastNight.createdAt + ') ran differently: profile soak → chaos; planned length 60 s → 120 s; its figures are compared with as they are',
    ]);
    expect(renderMarkdown({ ...other, analysis: a })).toContain('> The runs differ: profile soak → chaos; planned length 60 s → 120 s.');
  });
});
