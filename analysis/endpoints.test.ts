// Errors by status and the per-endpoint table from a real evaluation of k6-shaped samples (the
// status and error_code tags as k6 writes them), through to the Markdown and HTML a reader sees.
import { describe, expect, it } from 'vitest';
import { createEvaluation } from '../evaluator/evaluation.js';
import type { Analysis } from '../model/analysis.js';
import { renderMarkdown } from '../reports/markdown.js';
import { renderHtml } from '../reports/html.js';
import { endpointRows, statusRows, withEndpoints } from './endpoints.js';

const T0 = Date.UTC(2026, 0, 1);

/** 10 s baseline then a 10 s fault: GET / answers 404 throughout (the smoke's wrong path), /api 503 during the fault, /slow gets connection refused (status 0, error_code 1212) once. */
function report() {
  const ev = createEvaluation({}, [], { phaseLabels: true });
  ev.addPhaseEvent({ time: T0 + 10_000, faultId: 'api-503', action: 'on' });
  ev.addPhaseEvent({ time: T0 + 20_000, faultId: 'api-503', action: 'off' });
  const req = (time: number, name: string, status: string, ms: number, extra: Record<string, string> = {}) => {
    const failed = status === '0' || Number(status) >= 400;
    const tags = { name, status, service: 'web', expected_response: String(!failed), ...extra };
    ev.ingestSample({ metric: 'http_req_duration', time, value: ms, tags });
    ev.ingestSample({ metric: 'http_req_failed', time, value: failed ? 1 : 0, tags });
  };
  for (let i = 0; i < 100; i++) {
    const t = T0 + i * 200;
    req(t, 'GET /', '404', 3);
    req(t, 'GET /api', t >= T0 + 10_000 && t < T0 + 20_000 ? '503' : '200', 20 + (i % 10));
  }
  req(T0 + 15_000, 'GET /slow', '0', 1000, { error_code: '1212' });
  return ev.finish();
}

describe('errors by status and endpoints', () => {
  it('counts failed requests by service, phase, status and error code', () => {
    const rows = statusRows(report());
    const byKey = Object.fromEntries(rows.map((r) => [`${r.phase} ${r.status} ${r.errorCode ?? '-'}`, r.errors]));
    expect(byKey).toEqual({ 'baseline 404 -': 50, 'fault:api-503 404 -': 50, 'fault:api-503 503 -': 50, 'fault:api-503 0 1212': 1 });
    expect(rows.every((r) => r.service === 'web')).toBe(true);
  });

  it('gives p95 and error rate per request name and phase, busiest first, and counts what the cap leaves out', () => {
    const r = report();
    const { rows, leftOut } = endpointRows(r);
    expect(leftOut).toBe(0);
    const api = rows.filter((x) => x.name === 'GET /api');
    expect(api.map((x) => [x.phase, x.requests, x.errorRate])).toEqual([
      ['baseline', 50, 0],
      ['fault:api-503', 50, 1],
    ]);
    // The baseline's expected responses took 20..29 ms: p95 is 29 ms (to the histogram's precision).
    expect(api[0]!.p95!).toBeCloseTo(29, 0);
    expect(rows.find((x) => x.name === 'GET /')!.errorRate).toBe(1);
    expect(rows.find((x) => x.name === 'GET /')!.p95).toBeNull(); // no expected response at all
    expect(endpointRows(r, 1)).toMatchObject({ leftOut: 2, rows: [{ name: 'GET /' }, { name: 'GET /' }] });
  });

  it('shows both tables in summary.md (instead of the raw series) and the HTML', () => {
    const r = report();
    const base: Analysis = { profile: 'p', faults: [], phases: [], recovery: [], errorBudget: null, drift: null, drain: null };
    r.analysis = withEndpoints(base, r);
    const md = renderMarkdown(r);
    expect(md).toContain('### Errors by status');
    expect(md).toContain('| web | baseline | 404 | — | 50 |');
    expect(md).toContain('| web | fault:api-503 | 0 (no response) | 1212 | 1 |');
    expect(md).toContain('### Endpoints');
    expect(md).toMatch(/\| GET \/api \| fault:api-503 \| 50 \| 100\.00 % \| — \|/);
    expect(md).not.toContain('| series | count |');
    const html = renderHtml(r);
    expect(html).toContain('<h2>Errors by status</h2>');
    expect(html).toContain('<td>0 (no response)</td><td>1212</td><td>1</td>');
    expect(html).toContain('<h2>Endpoints</h2>');
  });
});
