// Errors by status code (per service and phase) and the per-endpoint table (p95 and error rate per
// request name and phase) as Markdown: what tells a 404 from a 503 and finds the slow endpoint.
// Nothing when the report's analysis has neither (a report made before them, or no HTTP).
import type { ReportModel } from '../model/report.js';
import { cell } from './markdown.js';

const ms = (v: number | null) => (v === null ? '—' : `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`);
const pct = (v: number | null) => (v === null ? '—' : `${(v * 100).toFixed(2)} %`);

export function renderStatusesMarkdown(model: ReportModel): string[] {
  const rows = model.analysis?.statuses;
  if (!rows?.length) return [];
  const lines = ['### Errors by status', '', '| service | phase | status | error code | failed requests |', '| --- | --- | --- | --- | ---: |'];
  for (const r of rows)
    lines.push(`| ${cell(r.service ?? '—')} | ${cell(r.phase)} | ${cell(r.status === '0' ? '0 (no response)' : r.status)} | ${cell(r.errorCode ?? '—')} | ${r.errors} |`);
  lines.push('');
  return lines;
}

export function renderEndpointsMarkdown(model: ReportModel): string[] {
  const rows = model.analysis?.endpoints;
  if (!rows?.length) return [];
  const lines = ['### Endpoints', '', '| endpoint (name) | phase | requests | error rate | p95 |', '| --- | --- | ---: | ---: | ---: |'];
  for (const r of rows) lines.push(`| ${cell(r.name)} | ${cell(r.phase)} | ${r.requests} | ${pct(r.errorRate)} | ${ms(r.p95)} |`);
  const left = model.analysis?.endpointsLeftOut ?? 0;
  if (left) lines.push('', `${left} less busy request name(s) left out (report.json has every series).`);
  lines.push('');
  return lines;
}
