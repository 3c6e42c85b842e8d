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

describe('renderHtml charts and fault windows', () => {
  const T0 = 1_700_000_000_000;
  /** 1 s buckets; a fault from 10.5 s to 15 s makes every request 400 ms (100 ms else) and 50 % fail. */
  function faultMidBucket() {
    const ev = createEvaluation({ bucketWidth: '1s', maxBuckets: 1000 }, [], { phaseLabels: true });
    ev.addPhaseEvent({ time: T0 + 10_500, faultId: 'slow', action: 'on' });
    ev.addPhaseEvent({ time: T0 + 15_000, faultId: 'slow', action: 'off' });
    let n = 0;
    for (let t = 0; t < 25_000; t += 50) {
      const inFault = t >= 10_500 && t < 15_000;
      const failed = inFault && n++ % 2 === 0;
      const tags = { name: 'GET /', expected_response: failed ? 'false' : 'true' };
      ev.ingestSample({ metric: 'http_reqs', time: T0 + t, value: 1, tags });
      ev.ingestSample({ metric: 'http_req_duration', time: T0 + t, value: inFault ? 400 : 100, tags });
      ev.ingestSample({ metric: 'http_req_failed', time: T0 + t, value: failed ? 1 : 0, tags });
    }
    return ev.finish();
  }

  /** The x of the first path coordinate above the line's starting level, and the fault window's left edge. */
  function firstRise(svg: string, series: string): { rise: number; edge: number } {
    const d = new RegExp(`data-series="${series}"[^>]* d="([^"]+)"`).exec(svg)![1]!;
    const coords = [...d.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
    const level = coords[0]!.y;
    const rise = coords.find((c) => c.y < level - 1)!.x;
    const edge = Number(/class="fault-window" x="([\d.]+)"/.exec(svg)![1]);
    return { rise, edge };
  }

  it("never shows a fault's effect before the fault: latency and errors rise at the window's left edge, not at the bucket's start", () => {
    const html = renderHtml(faultMidBucket());
    const charts = html.split('<figure class="chart">').slice(1);
    const latency = charts.find((c) => c.includes('latency percentiles'))!;
    const errors = charts.find((c) => c.includes('error rate'))!;
    for (const [svg, series] of [
      [latency, 'p95'],
      [latency, 'p50'],
      [errors, 'error rate %'],
    ] as const) {
      const { rise, edge } = firstRise(svg, series);
      expect(rise, series).toBeGreaterThanOrEqual(edge - 0.05);
      // And it does rise right there: the step starts at the fault's start (10.5 s), within a pixel.
      expect(rise - edge, series).toBeLessThan(1);
    }
  });
});
