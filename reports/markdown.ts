// A Markdown summary for $GITHUB_STEP_SUMMARY: verdict, gates, the phase analysis, the busiest
// trend series, input. One small function per section, so a section is added beside the others.
import { approximationLabel } from '../model/input-formats.js';
import type { ReportModel } from '../model/report.js';
import { renderAnalysisMarkdown } from './markdown-analysis.js';
import { renderComparisonMarkdown } from './comparison.js';
import { renderServicesMarkdown } from './markdown-services.js';
import { renderEndpointsMarkdown, renderStatusesMarkdown } from './markdown-endpoints.js';
import { gateBaselineValue, gateTextContext, gateValue, worstWindowText } from './gate-text.js';

const ICON = { pass: '✅', warn: '⚠️', fail: '❌' } as const;

/** Escapes text for a Markdown table cell. */
export function cell(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
    .replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;'));
}

function num(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return Number.isInteger(v) ? String(v) : v.toPrecision(4);
}

function headerSection(model: ReportModel): string[] {
  const lines = [`## chaosgate: ${ICON[model.verdict]} ${model.verdict.toUpperCase()}`, ''];
  if (model.partial) lines.push(`> Partial result${model.abort ? `: aborted (${cell(model.abort.reason)})` : ''}.`, '');
  const approximation = approximationLabel(model.inputs);
  if (approximation) lines.push(`> **Approximation.** ${cell(approximation)}.`, '');
  if (!model.totals.trusted) {
    lines.push(`> Input not trusted: ${model.totals.malformed} of ${model.totals.pointsRead} sample lines malformed.`, '');
    for (const p of model.totals.problems) lines.push(`> - \`${cell(p.source)}:${p.line}\` ${cell(p.reason)}`);
    lines.push('');
  }
  return lines;
}

function gatesSection(model: ReportModel): string[] {
  if (!model.gates.length) return ['No gates configured.', ''];
  const ctx = gateTextContext(model);
  const lines = ['| | gate | observed | limit | severity |', '| --- | --- | ---: | ---: | --- |'];
  for (const g of model.gates) {
    const worst = worstWindowText(g, ctx);
    const observed = `${gateValue(g, g.observed, ctx)}${worst ? ` (${worst})` : ''}`;
    // A gate against a baseline shows the baseline figure its limit came from.
    const baseline = g.baselineValue !== undefined ? ` (baseline ${gateBaselineValue(g, ctx)})` : '';
    lines.push(`| ${ICON[g.verdict]} | ${cell(g.id)} | ${cell(observed)} | ${cell(gateValue(g, g.limit, ctx) + baseline)} | ${g.severity} |`);
  }
  lines.push('');
  return lines;
}

function seriesSection(model: ReportModel, maxSeries: number): string[] {
  const trends = model.series
    .filter((s) => s.trend)
    .sort((a, b) => b.count - a.count)
    .slice(0, maxSeries);
  if (!trends.length) return [];
  const lines = ['| series | count | errors | p50 | p95 | p99 | max |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const s of trends) {
    const t = s.trend!;
    lines.push(`| ${cell(s.id)} | ${s.count} | ${s.errors} | ${num(t.p50)} | ${num(t.p95)} | ${num(t.p99)} | ${num(t.max)} |`);
  }
  lines.push('');
  return lines;
}

/** What the run observed beside the gates (k6's exit code disagreeing, leftovers undone, merge warnings). */
function notesSection(model: ReportModel): string[] {
  if (!model.notes?.length) return [];
  return ['**Notes**', '', ...model.notes.map((n) => `- ${cell(n)}`), ''];
}

function inputSection(model: ReportModel): string[] {
  const t = model.totals;
  const threads = model.config.threads;
  return [
    `${t.points} samples in ${t.series} series from ${model.inputs.length} input(s); ${t.malformed} malformed${t.overflowPoints ? `; ${t.overflowPoints} in overflow series (cap ${t.seriesCap})` : ''}${threads ? `; evaluated on ${threads.used} of ${threads.allowed} allowed thread(s)` : ''}.`,
  ];
}

export function renderMarkdown(model: ReportModel, maxSeries = 15): string {
  const lines = [
    ...headerSection(model),
    ...gatesSection(model),
    ...notesSection(model),
    ...renderComparisonMarkdown(model, cell),
    ...renderAnalysisMarkdown(model),
    ...renderServicesMarkdown(model),
    ...renderStatusesMarkdown(model),
    // The per-endpoint table replaces the raw series list where the analysis has it.
    ...(model.analysis?.endpoints?.length ? renderEndpointsMarkdown(model) : seriesSection(model, maxSeries)),
    ...inputSection(model),
  ];
  return lines.join('\n') + '\n';
}
