// The HTML report's errors by status code (per service and phase) and per-endpoint table (p95 and
// error rate per request name and phase). Empty when the analysis has neither.
import type { HtmlData } from './html-data.js';
import { esc } from './svg-chart.js';

const DASH = '—';
const ms = (v: number | null) => (v === null ? DASH : `${v >= 100 ? Math.round(v) : v.toFixed(v >= 10 ? 1 : 2)} ms`);
const pct = (v: number | null) => (v === null ? DASH : `${(v * 100).toFixed(2)} %`);
const row = (cells: (string | number)[], cls = '') => `<tr${cls ? ` class="${cls}"` : ''}>${cells.map((c) => `<td>${esc(String(c))}</td>`).join('')}</tr>`;
const head = (names: string[]) => `<thead><tr>${names.map((h) => `<th>${h}</th>`).join('')}</tr></thead>`;

export function statusesSection(d: HtmlData): string {
  const rows = d.analysis?.statuses;
  if (!rows?.length) return '';
  const body = rows.map((r) =>
    row([r.service ?? DASH, r.phase, r.status === '0' ? '0 (no response)' : r.status, r.errorCode ?? DASH, r.errors], r.phase.startsWith('fault:') ? 'fault-row' : ''),
  );
  return `<h2>Errors by status</h2>\n<table class="figures">${head(['service', 'phase', 'status', 'error code', 'failed requests'])}<tbody>${body.join('')}</tbody></table>`;
}

export function endpointsSection(d: HtmlData): string {
  const rows = d.analysis?.endpoints;
  if (!rows?.length) return '';
  const body = rows.map((r) => row([r.name, r.phase, r.requests, pct(r.errorRate), ms(r.p95)], r.phase.startsWith('fault:') ? 'fault-row' : ''));
  const left = d.analysis?.endpointsLeftOut ? `<p>${d.analysis.endpointsLeftOut} less busy request name(s) left out (report.json has every series).</p>` : '';
  return `<h2>Endpoints</h2>\n<table class="figures">${head(['endpoint (name)', 'phase', 'requests', 'error rate', 'p95'])}<tbody>${body.join('')}</tbody></table>${left}`;
}
