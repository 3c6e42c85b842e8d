// Per-service figures of a run as Markdown: one row per service over the whole run, then one per
// phase. Nothing when the report has no (valid) analysis or no services.
import type { ReportModel } from '../model/report.js';

function ms(v: number | null): string {
  return v === null ? '—' : `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`;
}
function pct(v: number | null): string {
  return v === null ? '—' : `${(v * 100).toFixed(2)} %`;
}
function cell(text: string): string {
  return text.replace(/[|\\<>\r\n]/g, (c) => (c === '|' ? '\\|' : c === '\\' ? '\\\\' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : ' '));
}

export function renderServicesMarkdown(model: ReportModel): string[] {
  const services = model.analysis?.services;
  if (!services?.length) return [];
  const lines = ['### Services', '', '| service | phase | requests | error rate | p50 | p95 | p99 | via |', '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |'];
  for (const s of services) {
    const via = s.address === null ? 'its own tag' : `${s.proxied ? 'fault proxy ' : ''}${cell(s.address)}`;
    lines.push(`| **${cell(s.service)}** | all | ${s.requests} | ${pct(s.errorRate)} | ${ms(s.p50)} | ${ms(s.p95)} | ${ms(s.p99)} | ${via} |`);
    for (const p of s.phases) {
      if (p.requests === 0) continue;
      lines.push(`| ${cell(s.service)} | ${cell(p.phase)} | ${p.requests} | ${pct(p.errorRate)} | ${ms(p.p50)} | ${ms(p.p95)} | ${ms(p.p99)} | |`);
    }
  }
  lines.push('');
  return lines;
}
