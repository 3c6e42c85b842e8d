// Field-by-field report differences for the shard/merge tests and the merge benchmark: exact
// everywhere except floating-point sums (and what is computed from them), which depend on the
// order of additions (relative 1e-12); HDR histograms compared by their contents (the encoding's
// header carries the array size, which depends on how the histogram grew).
import { encodedContents } from '../../model/histogram.js';

/** A histogram's contents (model/histogram.ts), to compare two encodings. */
export const histogramContents = encodedContents;

const SUMMED = /\.(sum|avg|ratePerSecond|observed|limit)$/;
export const SUM_TOLERANCE = 1e-12;

/** Where `actual` differs from `expected` (empty: equal), each as "path: actual vs expected". */
export function reportDifferences(actual: unknown, expected: unknown, path = '$', out: string[] = []): string[] {
  if (typeof expected === 'number' && typeof actual === 'number' && SUMMED.test(path)) {
    if (Math.abs(actual - expected) > Math.abs(expected) * SUM_TOLERANCE) out.push(`${path}: ${actual} vs ${expected}`);
  } else if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') {
      out.push(`${path}: ${JSON.stringify(actual)} vs an object`);
      return out;
    }
    const a = actual as Record<string, unknown>;
    const e = expected as Record<string, unknown>;
    const keys = new Set([...Object.keys(a), ...Object.keys(e)]);
    for (const k of keys) {
      if (!(k in a) || !(k in e)) out.push(`${path}.${k}: only in ${k in a ? 'actual' : 'expected'}`);
      else reportDifferences(a[k], e[k], `${path}.${k}`, out);
    }
  } else if (typeof expected === 'string' && expected.startsWith('HISTF') && typeof actual === 'string') {
    if (histogramContents(actual) !== histogramContents(expected)) out.push(`${path}: histograms differ`);
  } else if (actual !== expected && !(Number.isNaN(actual) && Number.isNaN(expected))) {
    out.push(`${path}: ${JSON.stringify(actual)} vs ${JSON.stringify(expected)}`);
  }
  return out;
}
