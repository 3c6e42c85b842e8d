import { describe, expect, it } from 'vitest';
import { analyse } from '../analysis/compute.js';
import { serviceSummaries } from '../analysis/services.js';
import { createEvaluation } from '../evaluator/evaluation.js';
import type { ReportModel } from '../model/report.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown.js';

const T0 = 1_700_000_000_000;

/** A run of two services (api: a quarter of its requests fail) with a fault phase on web. */
function report(withServices: boolean): ReportModel {
  const ev = createEvaluation({ groupBy: ['service', 'phase', 'expected_response'] }, [], { phaseLabels: true });
  ev.addPhaseEvent({ time: T0 + 500, faultId: 'web-slow', action: 'on' });
  ev.addPhaseEvent({ time: T0 + 1000, faultId: 'web-slow', action: 'off' });
  for (let i = 0; i < 40; i++) {
    const time = T0 + i * 25;
    const failed = i % 4 === 0;
    for (const [service, value, bad] of [
      ['web', time >= T0 + 500 && time < T0 + 1000 ? 300 : 5, false],
      ['api', 20, failed],
    ] as const) {
      const tags = { service, expected_response: bad ? 'false' : 'true' };
      ev.ingestSample({ metric: 'http_req_duration', time, value, tags });
      ev.ingestSample({ metric: 'http_reqs', time, value: 1, tags });
      ev.ingestSample({ metric: 'http_req_failed', time, value: bad ? 1 : 0, tags });
    }
  }
  const r = ev.finish();
  r.analysis = analyse(r, { profile: 'p', faults: [], recovery: { p95Factor: 1.1, errorRateDelta: 0.01, windowMs: 1000, queueDepthSlack: 0 }, allowedErrorRate: null });
  if (withServices) r.analysis.services = serviceSummaries(r, [{ name: 'web', address: 'http://127.0.0.1:4000', proxied: true }]);
  return r;
}

describe('the Services section', () => {
  it('shows each service and its phases with requests (Markdown and HTML)', () => {
    const md = renderMarkdown(report(true));
    expect(md).toContain('### Services');
    expect(md).toContain('| **api** | all | 40 | 25.00 % |');
    expect(md).toMatch(/\| \*\*web\*\* \| all \| 40 \| 0\.00 % \|.*\| fault proxy http:\/\/127\.0\.0\.1:4000 \|/);
    expect(md).toMatch(/\| web \| fault:web-slow \| 20 \| 0\.00 % \| 300 ms \| 300 ms \| 300 ms \|/);
    expect(md).toMatch(/\| \*\*api\*\* .*\| its own tag \|/);
    const html = renderHtml(report(true));
    expect(html).toContain('<h2>Services</h2>');
    expect(html).toMatch(/<tr class="fault-row"><td>web<\/td><td>fault:web-slow<\/td><td>20<\/td>/);
  });

  it('is absent without services', () => {
    expect(renderMarkdown(report(false))).not.toContain('Services');
    expect(renderHtml(report(false))).not.toContain('<h2>Services</h2>');
  });
});
