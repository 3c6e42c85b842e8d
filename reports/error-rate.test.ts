// One error rate: the per-service summaries and the HTML report show the figure the
// `chaosgate_error_rate` gate judges over the same samples, dropped iterations included.
import { describe, expect, it } from 'vitest';
import { analyse } from '../analysis/compute.js';
import { serviceSummaries } from '../analysis/services.js';
import { createEvaluation } from '../evaluator/evaluation.js';
import { buildHtmlData } from './html-data.js';
import { renderHtml } from './html.js';

const T0 = Date.UTC(2026, 10, 23, 12, 0, 0);

/**
 * 2 s of two services at 20 requests/s each; api fails every 5th request; in the fault (1–2 s) k6
 * drops 2 iterations every 100 ms: 10 of them tagged service=api (a scenario-level tag), 10 untagged.
 */
function run() {
  const ev = createEvaluation(
    { bucketWidth: '1s', maxBuckets: 100 },
    [
      { id: 'all', metric: 'chaosgate_error_rate', expression: 'rate<0.05' },
      { id: 'api', metric: 'chaosgate_error_rate{service:api}', expression: 'rate<0.05' },
      { id: 'web', metric: 'chaosgate_error_rate{service:web}', expression: 'rate<0.05' },
      { id: 'api-fault', metric: 'chaosgate_error_rate{service:api}', expression: 'rate<0.05', phase: 'fault:overload' },
    ],
    { phaseLabels: true },
  );
  ev.addPhaseEvent({ time: T0 + 1000, faultId: 'overload', action: 'on' });
  ev.addPhaseEvent({ time: T0 + 2000, faultId: 'overload', action: 'off' });
  for (let i = 0; i < 40; i++) {
    const time = T0 + i * 50;
    for (const service of ['web', 'api']) {
      const failed = service === 'api' && i % 5 === 0;
      const tags = { service, name: `GET /${service}`, expected_response: failed ? 'false' : 'true' };
      ev.ingestSample({ metric: 'http_reqs', time, value: 1, tags });
      ev.ingestSample({ metric: 'http_req_duration', time, value: 20, tags });
      ev.ingestSample({ metric: 'http_req_failed', time, value: failed ? 1 : 0, tags });
    }
    if (time >= T0 + 1000 && i % 2 === 0) {
      ev.ingestSample({ metric: 'dropped_iterations', time, value: 1, tags: { scenario: 'api', service: 'api' } });
      ev.ingestSample({ metric: 'dropped_iterations', time, value: 1, tags: { scenario: 'other' } });
    }
  }
  const report = ev.finish();
  const analysis = analyse(report, {
    profile: 'p',
    faults: [{ id: 'overload', kind: 'http-error', target: 'api', on: T0 + 1000, off: T0 + 2000, injections: null }],
    recovery: { p95Factor: 1.1, errorRateDelta: 0.01, windowMs: 1000, queueDepthSlack: 0 },
    allowedErrorRate: 0.05,
  });
  analysis.services = serviceSummaries(report, []);
  report.analysis = analysis;
  const gate = (id: string) => report.gates.find((g) => g.id === id)!.observed!;
  return { report, analysis, gate };
}

describe('one error rate', () => {
  it('per-service summaries are the chaosgate_error_rate{service:…} gates, dropped iterations included', () => {
    const { analysis, gate } = run();
    const api = analysis.services!.find((s) => s.service === 'api')!;
    const web = analysis.services!.find((s) => s.service === 'web')!;
    // api: 40 requests, 8 failed; 10 iterations dropped with its tag, 10 with no service tag.
    expect(api.requests).toBe(40);
    expect(api.dropped).toBe(20);
    expect(api.errors).toBe(28);
    expect(gate('api')).toBeCloseTo(28 / 60, 12);
    expect(api.errorRate).toBe(gate('api'));
    // web: the untagged dropped iterations only (k6 cannot say which service they would have hit).
    expect(web.errorRate).toBe(gate('web'));
    expect(web.errorRate).toBeCloseTo(10 / 50, 12);
    expect(api.phases.find((p) => p.phase === 'fault:overload')!.errorRate).toBe(gate('api-fault'));
  });

  it('the HTML headline is the unfiltered gate, and the phase table agrees with it', () => {
    const { report, analysis, gate } = run();
    const d = buildHtmlData(report);
    expect(d.overall).toEqual({ requests: 80, dropped: 20, errors: 28, errorRate: gate('all') });
    expect(gate('all')).toBeCloseTo(28 / 100, 12);
    expect(renderHtml(report)).toContain('80 requests, 20 dropped iterations, 28.0 % errors');
    // Per endpoint group: its own requests (no dropped iteration belongs to an endpoint).
    const apiChart = d.endpoints.find((e) => e.label === 'GET /api')!;
    expect(apiChart).toMatchObject({ requests: 40, errors: 8, errorRate: 0.2 });
    const rows = analysis.phases;
    const total = rows.reduce((a, p) => ({ requests: a.requests + p.requests, dropped: a.dropped + p.dropped, errors: a.errors + p.errors }), {
      requests: 0,
      dropped: 0,
      errors: 0,
    });
    expect(total).toEqual({ requests: 80, dropped: 20, errors: 28 });
    // The error budget: 40 requests (4 failed) and 20 dropped iterations during the fault.
    expect(analysis.errorBudget).toMatchObject({ requestsDuringFaults: 40, droppedDuringFaults: 20, errorsDuringFaults: 24 });
    expect(analysis.errorBudget!.spent).toBeCloseTo(24 / 60 / 0.05, 12);
    expect(renderHtml(report)).toContain('24 errors in 40 requests and 20 dropped iterations, allowed 5.00 %: 800 % spent');
  });
});

describe('an input without http_req_failed', () => {
  it('charts its endpoint with the timed requests and no error rate (not 0 %)', () => {
    const ev = createEvaluation({ bucketWidth: '1s' }, [], {});
    for (let i = 0; i < 10; i++) ev.ingestSample({ metric: 'http_req_duration', time: T0 + i * 100, value: 20, tags: { name: 'GET /' } });
    const d = buildHtmlData(ev.finish());
    expect(d.endpoints[0]).toMatchObject({ label: 'GET /', requests: 10, errorRate: null });
    expect(d.overall).toMatchObject({ requests: 10, errorRate: null });
    expect(d.endpoints[0]!.points.every((p) => p.errorRate === null && p.p95 !== null)).toBe(true);
  });
});
