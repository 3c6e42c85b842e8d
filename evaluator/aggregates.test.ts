// The aggregate and derived-metric registries are the one source: the threshold parser accepts
// exactly the registered words, its message lists them, and each entry computes its figure.
import { describe, expect, it } from 'vitest';
import { Histogram } from '../model/histogram.js';
import { aggregates, aggregateSyntax, type AggregateDef, type AggregateInput } from './aggregates.js';
import { derivedMetric, derivedMetrics } from './derived-metrics.js';
import { Bag } from './series.js';
import { parseThreshold } from './thresholds.js';

function bagOf(values: number[], histogram = true): Bag {
  const b = new Bag();
  if (histogram) b.hist = Histogram.create(3);
  values.forEach((v, i) => b.add(1000 + i * 1000, v, false));
  return b;
}

const input = (over: Partial<AggregateInput> = {}): AggregateInput => ({ kind: { kind: 'trend', isTime: true }, durationMs: 0, argument: undefined, ...over });
const compute = (a: AggregateDef, b: Bag, over?: Partial<AggregateInput>) => a.compute(b, input(over));

describe('aggregate registry', () => {
  it('the parser accepts every registered aggregate as written in the reference, and nothing else', () => {
    for (const [name, a] of Object.entries(aggregates) as Array<[string, AggregateDef]>) {
      const written = aggregateSyntax(a).replace('(N)', '(90)');
      expect(parseThreshold(`${written}<1`).aggregate.kind).toBe(name);
    }
    const message = /aggregate: avg, min, max, med, count, rate, value, p\(N\); op:/;
    for (const bad of ['p<1', 'avg(5)<1', 'mean<1', 'P(95)<1', 'percentile<1']) expect(() => parseThreshold(bad)).toThrow(message);
  });

  it('computes each figure from the series stats', () => {
    const b = bagOf([10, 20, 30, 0]);
    expect(compute(aggregates.avg, b)).toBe(15);
    expect(compute(aggregates.min, b)).toBe(0);
    expect(compute(aggregates.max, b)).toBe(30);
    expect(compute(aggregates.value, b)).toBe(0); // the last by time
    expect(compute(aggregates.count, b)).toBe(4);
    expect(compute(aggregates.count, b, { kind: { kind: 'counter', isTime: false } })).toBe(60);
    expect(compute(aggregates.rate, b, { kind: { kind: 'rate', isTime: false } })).toBe(0.75);
    expect(compute(aggregates.rate, b, { kind: { kind: 'counter', isTime: false }, durationMs: 3000 })).toBe(20);
    expect(compute(aggregates.rate, b, { kind: { kind: 'counter', isTime: false }, durationMs: 0 })).toBeNull();
    // k6's median of 0, 10, 20, 30: rank 1.5, between 10 and 20 (read from the histogram: within 0.1 %).
    expect(Math.abs(compute(aggregates.med, b)! - 15)).toBeLessThanOrEqual(0.015);
    expect(compute(aggregates.percentile, b, { argument: 100 })).toBe(30);
    expect(compute(aggregates.percentile, bagOf([1, 2], false), { argument: 50 })).toBeNull();
  });

  it('only count has a figure without samples; med and p(N) ask for per-bucket histograms', () => {
    const defs = Object.entries(aggregates) as Array<[string, AggregateDef]>;
    expect(defs.filter(([, a]) => a.definedWithoutSamples).map(([n]) => n)).toEqual(['count']);
    expect(defs.filter(([, a]) => a.histogram).map(([n]) => n)).toEqual(['med', 'percentile']);
  });
});

describe('derived metric registry', () => {
  it('chaosgate_error_rate counts failed requests and dropped iterations from its two sources', () => {
    expect(Object.keys(derivedMetrics)).toEqual(['chaosgate_error_rate']);
    const d = derivedMetric('chaosgate_error_rate')!;
    expect(derivedMetric('http_req_failed')).toBeUndefined();
    expect(derivedMetric('toString')).toBeUndefined();
    expect(d.sources).toEqual(['http_req_failed', 'dropped_iterations']);
    const bags = new Map([
      ['http_req_failed', bagOf([1, 0, 0, 0, 0, 0, 0, 0], false)],
      ['dropped_iterations', bagOf([2], false)],
    ]);
    expect(d.compute(bags)).toBe(3 / 10);
    expect(d.compute(new Map())).toBeNull();
    expect(d.matches('dropped_iterations', { scenario: 's' }, { service: 'api', scenario: 's' })).toBe(true);
    expect(d.matches('http_req_failed', { service: 'web' }, { service: 'api' })).toBe(false);
    expect(d.matches('http_reqs', {}, {})).toBe(false);
  });
});
