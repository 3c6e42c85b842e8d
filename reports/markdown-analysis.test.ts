import { describe, expect, it } from 'vitest';
import { analyse } from '../analysis/compute.js';
import { createEvaluation } from '../evaluator/evaluation.js';
import type { ReportModel } from '../model/report.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

/** 30 s at 10 requests/s; faults a 8–12 s and b 16–18 s; latency 100 ms, 300 ms in a fault. */
function twoFaults(): ReportModel {
  const ev = createEvaluation({ bucketWidth: '1s', maxBuckets: 1000 }, [], { phaseLabels: true });
  const windows = { a: [8_000, 12_000], b: [16_000, 18_000] } as const;
  for (const [id, [on, off]] of Object.entries(windows)) {
    ev.addPhaseEvent({ time: T0 + on, faultId: id, action: 'on' });
    ev.addPhaseEvent({ time: T0 + off, faultId: id, action: 'off' });
  }
  for (let t = 0; t < 30_000; t += 100) {
    const inFault = Object.values(windows).some(([on, off]) => t >= on && t < off);
    const tags = { name: 'GET /', expected_response: 'true' };
    ev.ingestSample({ metric: 'http_reqs', time: T0 + t, value: 1, tags });
    ev.ingestSample({ metric: 'http_req_duration', time: T0 + t, value: inFault ? 300 : 100, tags });
    ev.ingestSample({ metric: 'http_req_failed', time: T0 + t, value: 0, tags });
  }
  const report = ev.finish();
  report.analysis = analyse(report, {
    profile: 't',
    faults: Object.entries(windows).map(([id, [on, off]]) => ({ id, kind: 'http-latency', target: 'stack', on: T0 + on, off: T0 + off, injections: null })),
    recovery: { p95Factor: 1.1, errorRateDelta: 0.01, windowMs: 1000, queueDepthSlack: 5 },
    allowedErrorRate: 0.05,
  });
  return report;
}

describe('phase table', () => {
  it('Markdown: one row per span in time order, recovery named for its fault, requests per span', () => {
    const md = renderMarkdown(twoFaults());
    const rows = md.split('\n').filter((l) => /^\| (baseline|fault:|recovery)/.test(l));
    expect(
      rows.map((r) =>
        r
          .split('|')
          .slice(1, 5)
          .map((c) => c.trim()),
      ),
    ).toEqual([
      ['baseline', '0 s', '8 s', '80'],
      ['fault:a', '8 s', '12 s', '40'],
      ['recovery:a', '12 s', '16 s', '40'],
      ['fault:b', '16 s', '18 s', '20'],
      ['recovery:b', '18 s', '30 s', '120'],
    ]);
  });

  it('HTML: the same rows in the same order, fault rows marked', () => {
    const html = renderHtml(twoFaults());
    const table = html.slice(html.indexOf('<h2>Phases</h2>'));
    const names = [...table.matchAll(/<tr class="(fault-row|)"><td>([^<]+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td>/g)].map((m) => [m[2], m[3], m[4], m[1]]);
    expect(names.slice(0, 5)).toEqual([
      ['baseline', '0:00', '0:08', ''],
      ['fault:a', '0:08', '0:04', 'fault-row'],
      ['recovery:a', '0:12', '0:04', ''],
      ['fault:b', '0:16', '0:02', 'fault-row'],
      ['recovery:b', '0:18', '0:12', ''],
    ]);
  });
});
