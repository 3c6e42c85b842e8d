// A Markdown summary for $GITHUB_STEP_SUMMARY: verdict, gates, the busiest trend series, input.
import type { ReportModel } from '../evaluator/model.js';
import { renderAnalysisMarkdown } from './markdown-analysis.js';
import { renderServicesMarkdown } from './markdown-services.js';

const ICON = { pass: '✅', warn: '⚠️', fail: '❌' } as const;

/** Escapes text for a Markdown table cell. */
function cell(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
}

function num(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

export function renderMarkdown(model: ReportModel, maxSeries = 15): string {
  const lines = [`## chaosgate: ${ICON[model.verdict]} ${model.verdict.toUpperCase()}`, ''];
  if (model.partial) lines.push(`> Partial result${model.abort ? `: aborted (${cell(model.abort.reason)})` : ''}.`, '');
  if (!model.totals.trusted) {
    lines.push(`> Input not trusted: ${model.totals.malformed} of ${model.totals.pointsRead} sample lines malformed.`, '');
    for (const p of model.totals.problems) lines.push(`> - \`${cell(p.source)}:${p.line}\` ${cell(p.reason)}`);
    lines.push('');
  }
  if (model.gates.length) {
    lines.push('| | gate | observed | limit | severity |', '| --- | --- | ---: | ---: | --- |');
    for (const g of model.gates) {
      lines.push(`| ${ICON[g.verdict]} | ${cell(g.id)} | ${num(g.observed)} | ${num(g.limit)} | ${g.severity} |`);
    }
    lines.push('');
  } else {
    lines.push('No gates configured.', '');
  }
  lines.push(...renderAnalysisMarkdown(model));
  lines.push(...renderServicesMarkdown(model));
  const trends = model.series.filter((s) => s.trend).sort((a, b) => b.count - a.count).slice(0, maxSeries);
  if (trends.length) {
    lines.push('| series | count | errors | p50 | p95 | p99 | max |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const s of trends) {
      const t = s.trend!;
      lines.push(`| ${cell(s.id)} | ${s.count} | ${s.errors} | ${num(t.p50)} | ${num(t.p95)} | ${num(t.p99)} | ${num(t.max)} |`);
    }
    lines.push('');
  }
  const t = model.totals;
  lines.push(`${t.points} samples in ${t.series} series from ${model.inputs.length} input(s); ${t.malformed} malformed${t.overflowPoints ? `; ${t.overflowPoints} in overflow series (cap ${t.seriesCap})` : ''}.`);
  return lines.join('\n') + '\n';
}
