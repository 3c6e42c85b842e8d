// The HTML report's per-service section: each service's requests, error rate and percentiles over
// the whole run and per phase (report.analysis.services). Empty when the run had no services.
import type { HtmlData } from './html-data.js';
import { esc } from './svg-chart.js';

const DASH = '—';
const ms = (v: number | null) => (v === null ? DASH : `${v >= 100 ? Math.round(v) : v.toFixed(v >= 10 ? 1 : 2)} ms`);
const pct = (v: number | null) => (v === null ? DASH : `${(v * 100).toFixed(2)} %`);

export function servicesSection(d: HtmlData): string {
  const services = d.analysis?.services;
  if (!services?.length) return '';
  const rows: string[] = [];
  for (const s of services) {
    const via = s.address === null ? 'its own tag' : `${s.proxied ? 'fault proxy ' : ''}${s.address}`;
    const cells = (phase: string, f: (typeof s.phases)[number] | typeof s, cls: string, note: string) =>
      `<tr class="${cls}"><td>${phase === 'all' ? `<strong>${esc(s.service)}</strong>` : esc(s.service)}</td><td>${esc(phase)}</td><td>${f.requests}</td><td>${esc(pct(f.errorRate))}</td><td>${esc(ms(f.p50))}</td><td>${esc(ms(f.p95))}</td><td>${esc(ms(f.p99))}</td><td>${esc(note)}</td></tr>`;
    rows.push(cells('all', s, '', via));
    for (const p of s.phases) if (p.requests > 0) rows.push(cells(p.phase, p, p.phase.startsWith('fault:') ? 'fault-row' : '', ''));
  }
  const head = ['service', 'phase', 'requests', 'error rate', 'p50', 'p95', 'p99', 'via'].map((h) => `<th>${h}</th>`).join('');
  return `<h2>Services</h2>\n<table class="figures"><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}
