// The field-by-field report comparison (report-diff.ts) as a test assertion.
import { expect } from 'vitest';
import { reportDifferences } from './report-diff.js';

export { histogramContents } from './report-diff.js';

export function expectSameReport(actual: unknown, expected: unknown): void {
  expect(reportDifferences(actual, expected).slice(0, 20)).toEqual([]);
}
