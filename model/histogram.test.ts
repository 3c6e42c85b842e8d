import { describe, expect, it } from 'vitest';
import { Histogram } from './histogram.js';

function encoded(values: number[]): string {
  const h = Histogram.create();
  for (const v of values) h.record(v);
  const out = h.encode();
  h.destroy();
  return out;
}

describe('Histogram', () => {
  it('mergeEncoded adds an encoded histogram into a live one', () => {
    const h = Histogram.create();
    h.record(1);
    h.mergeEncoded(encoded([2, 3]));
    expect(h.count).toBe(3);
    h.destroy();
  });
});
