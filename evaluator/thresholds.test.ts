import { describe, expect, it } from 'vitest';
import { compare, parseMetricRef, parseThreshold, resolveRhs } from './thresholds.js';

describe('k6 threshold syntax', () => {
  it('reads every aggregate and operator k6 accepts', () => {
    expect(parseThreshold('p(95)<500')).toMatchObject({ aggregate: { kind: 'percentile', p: 95 }, operator: '<', rhs: { kind: 'number', value: 500 } });
    expect(parseThreshold('p(99.9) <= 1.5e3').aggregate).toEqual({ kind: 'percentile', p: 99.9 });
    expect(parseThreshold('rate<0.05').aggregate.kind).toBe('rate');
    expect(parseThreshold('count>0').operator).toBe('>');
    expect(parseThreshold('med===3').operator).toBe('==');
    for (const a of ['avg', 'min', 'max', 'med', 'value']) expect(parseThreshold(`${a}!=1`).aggregate.kind).toBe(a);
  });

  it('reads baseline right-hand sides', () => {
    expect(parseThreshold('p(95) <= baseline * 1.10').rhs).toEqual({ kind: 'baseline', op: '*', operand: 1.1 });
    expect(parseThreshold('rate<=baseline').rhs).toEqual({ kind: 'baseline', op: null, operand: 0 });
    expect(resolveRhs(parseThreshold('p(95)<=baseline+50').rhs, 200)).toBe(250);
    expect(resolveRhs(parseThreshold('p(95)<=baseline*1.1').rhs, null)).toBeNull();
  });

  it('quotes the bad input', () => {
    expect(() => parseThreshold('p95<500')).toThrow(/"p95<500"/);
    expect(() => parseThreshold('p(101)<5')).toThrow(/percentile 101/);
    expect(() => parseThreshold('avg<')).toThrow(/"avg<"/);
  });

  it('compares', () => {
    expect(compare(1, '<', 2)).toBe(true);
    expect(compare(2, '<', 2)).toBe(false);
    expect(compare(2, '<=', 2)).toBe(true);
    expect(compare(2, '!=', 2)).toBe(false);
  });

  it('reads tag-filtered sub-metrics, values may contain colons', () => {
    expect(parseMetricRef('http_req_duration{group:::ocr,method:POST}')).toEqual({
      source: 'http_req_duration{group:::ocr,method:POST}',
      metric: 'http_req_duration',
      filter: { group: '::ocr', method: 'POST' },
    });
    expect(() => parseMetricRef('x{nocolon}')).toThrow(/"nocolon"/);
  });
});
