// The previous report(s) gates compare with: one report.json (the last night, or a pinned one), or a
// folder of them (the last N nights), whose median each gate takes. Partial reports are no baseline.
// (evaluate.ts's loadBaseline reads them.)
import type { ReportModel } from '../model/report.js';

/** One previous report, or several (a folder): each gate's baseline is then their median. */
export type BaselineReports = ReportModel | readonly ReportModel[];

export function baselineList(b: BaselineReports | null | undefined): readonly ReportModel[] {
  if (!b) return [];
  return Array.isArray(b) ? (b as readonly ReportModel[]) : [b as ReportModel];
}

/** The newest report of a baseline (the comparison section reads it). */
export function newestBaseline(b: BaselineReports | null | undefined): ReportModel | null {
  const list = [...baselineList(b)].sort((x, y) => (x.createdAt < y.createdAt ? 1 : -1));
  return list[0] ?? null;
}

/** The median of the values (the mean of the middle two for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
