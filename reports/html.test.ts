import { describe, expect, it } from 'vitest';
import { createEvaluation } from '../evaluator/evaluation.js';
import { renderHtml } from './html.js';

describe('renderHtml', () => {
  it('renders a run without samples: no charts, plain notes, no NaN or Infinity', () => {
    const html = renderHtml(createEvaluation().finish());
    expect(html).toContain('No http_req_duration samples in this run.');
    expect(html).toContain('No queue gauges in this run.');
    expect(html).toContain('No gates configured.');
    expect(html).not.toMatch(/NaN|Infinity|<svg/);
  });

  it('charts a lone bucket as a visible dot and escapes metric names', () => {
    const ev = createEvaluation();
    ev.ingestSample({ metric: 'queue_depth', type: 'gauge', time: 1_700_000_000_000, value: 5, tags: { name: '<q>' } }); // name is in the default groupBy
    const html = renderHtml(ev.finish());
    expect(html).toMatch(/data-points="1"[^>]*>.*?<\/path><circle /);
    expect(html).toContain('queue_depth (name=&lt;q&gt;)');
    expect(html).not.toContain('<q>');
  });
});
