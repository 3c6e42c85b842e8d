// Errors by status code per service and phase, and p95 / error rate per request name and phase:
// what a reader needs to tell a 404 from a 503 and find the slow endpoint, instead of every raw
// series. Computed from the report model's series alone (their status, error_code, name, service
// and phase tags; the evaluator keeps status and error_code by default).
import type { EndpointRow, StatusRow } from '../model/analysis.js';
import { groupLatency } from '../model/latency-groups.js';
import type { ReportModel } from '../model/report.js';

const FAILED = 'http_req_failed';

/** At most this many request names in the endpoints table (the busiest); the rest are counted. */
export const ENDPOINTS_CAP = 30;

export function statusRows(report: ReportModel): StatusRow[] {
  const rows = new Map<string, StatusRow>();
  for (const s of report.series) {
    if (s.metric !== FAILED || s.errors === 0) continue;
    const row = { service: s.tags.service ?? null, phase: s.tags.phase ?? 'run', status: s.tags.status ?? '?', errorCode: s.tags.error_code ?? null };
    const key = JSON.stringify(row);
    const r = rows.get(key) ?? { ...row, errors: 0 };
    r.errors += s.errors;
    rows.set(key, r);
  }
  return [...rows.values()].sort((a, b) => (a.service ?? '').localeCompare(b.service ?? '') || a.phase.localeCompare(b.phase) || b.errors - a.errors);
}

export function endpointRows(report: ReportModel, cap = ENDPOINTS_CAP): { rows: EndpointRow[]; leftOut: number } {
  const failed = report.series.filter((s) => s.metric === FAILED && s.tags.name !== undefined);
  const total = new Map<string, number>();
  for (const s of failed) total.set(s.tags.name!, (total.get(s.tags.name!) ?? 0) + s.count);
  const names = [...total.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([n]) => n);
  const kept = names.slice(0, cap);
  const phases = [...new Set(report.phases.map((p) => p.name))];
  const rows: EndpointRow[] = [];
  for (const name of kept) {
    for (const phase of phases.length ? phases : [null]) {
      const inPhase = (t: Record<string, string>) => t.name === name && (phase === null || t.phase === phase);
      const f = failed.filter((s) => inPhase(s.tags));
      const requests = f.reduce((a, s) => a + s.count, 0);
      if (requests === 0) continue;
      const errors = f.reduce((a, s) => a + s.errors, 0);
      const p = groupLatency(report, phase === null ? { name } : { name, phase });
      rows.push({ name, phase: phase ?? 'run', requests, errors, errorRate: errors / requests, p95: p?.p95 ?? null });
    }
  }
  return { rows, leftOut: names.length - kept.length };
}

/** The analysis with its statuses and endpoints tables added (when there are any). */
export function withEndpoints<A extends { statuses?: StatusRow[]; endpoints?: EndpointRow[]; endpointsLeftOut?: number }>(analysis: A, report: ReportModel): A {
  const statuses = statusRows(report);
  const { rows, leftOut } = endpointRows(report);
  return { ...analysis, ...(statuses.length ? { statuses } : {}), ...(rows.length ? { endpoints: rows } : {}), ...(leftOut ? { endpointsLeftOut: leftOut } : {}) };
}
