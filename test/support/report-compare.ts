// Field-by-field report comparison for the shard/merge tests: exact everywhere except
// floating-point sums (and what is computed from them), which depend on the order of additions;
// HDR histograms compared by their contents (the encoding's header carries the array size, which
// depends on how the histogram grew).
import * as hdr from 'hdr-histogram-js';
import { expect } from 'vitest';

export function histogramContents(base64: string): string {
  const h = hdr.decodeFromCompressedBase64(base64, 32, false) as unknown as hdr.JsHistogram;
  const it = h.recordedValuesIterator;
  it.reset();
  const parts = [`digits=${h.numberOfSignificantValueDigits} total=${h.totalCount}`];
  while (it.hasNext()) {
    const v = it.next();
    parts.push(`${v.valueIteratedTo}:${v.countAtValueIteratedTo}`);
  }
  return parts.join(' ');
}

const SUMMED = /\.(sum|avg|ratePerSecond|observed|limit)$/;

export function expectSameReport(actual: unknown, expected: unknown, path = '$'): void {
  if (typeof expected === 'number' && typeof actual === 'number' && SUMMED.test(path) && !Number.isInteger(expected)) {
    expect(Math.abs(actual - expected), `${path}: ${actual} vs ${expected}`).toBeLessThanOrEqual(Math.abs(expected) * 1e-12);
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object', `${path} is an object`).toBe(true);
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    expect(Object.keys(a).sort(), `${path} keys`).toEqual(Object.keys(e).sort());
    for (const k of Object.keys(e)) expectSameReport(a[k], e[k], `${path}.${k}`);
    return;
  }
  if (typeof expected === 'string' && expected.startsWith('HISTF') && typeof actual === 'string') {
    expect(histogramContents(actual), path).toBe(histogramContents(expected));
    return;
  }
  expect(actual, path).toEqual(expected);
}
