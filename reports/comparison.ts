// The comparison with the previous report (report.analysis.comparison) as a release team reads it:
// previous → current p50/p95/p99 and error rate for the run, per service and per endpoint, with
// signed deltas; how the runs differ; in HTML also last night's p95 drawn over tonight's.
import type { ComparedFigures, Comparison } from '../model/analysis.js';
import type { ReportModel } from '../model/report.js';
import { esc, renderChart } from './svg-chart.js';

const DASH = '—';

function msText(v: number | null): string {
  return v === null ? DASH : `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;
}
function pctText(v: number | null): string {
  return v === null ? DASH : `${(v * 100).toFixed(2)} %`;
}
const sign = (v: number) => (v > 0 ? '+' : v < 0 ? '−' : '±');

/** A latency delta: signed ms and percent of the previous value. */
export function msDelta(prev: number | null, cur: number | null): string {
  if (prev === null || cur === null) return DASH;
  const d = cur - prev;
  const rel = prev > 0 ? ` (${sign(d)}${Math.abs((d / prev) * 100).toFixed(1)} %)` : '';
  return `${sign(d)}${Math.abs(d) < 10 ? Math.abs(d).toFixed(2) : Math.abs(d).toFixed(1)} ms${rel}`;
}

/** An error-rate delta in percentage points, signed. */
export function pointsDelta(prev: number | null, cur: number | null): string {
  if (prev === null || cur === null) return DASH;
  const d = (cur - prev) * 100;
  return `${sign(d)}${Math.abs(d).toFixed(2)} points`;
}

interface Cell {
  text: string;
}
function figureCells(prev: ComparedFigures | null, cur: ComparedFigures | null): Cell[] {
  const pair = (p: number | null | undefined, c: number | null | undefined, f: (v: number | null) => string, delta: (a: number | null, b: number | null) => string): Cell[] => [
    { text: `${f(p ?? null)} → ${f(c ?? null)}` },
    { text: delta(p ?? null, c ?? null) },
  ];
  return [
    { text: `${prev?.requests ?? DASH} → ${cur?.requests ?? DASH}` },
    ...pair(prev?.p50, cur?.p50, msText, msDelta),
    ...pair(prev?.p95, cur?.p95, msText, msDelta),
    ...pair(prev?.p99, cur?.p99, msText, msDelta),
    ...pair(prev?.errorRate, cur?.errorRate, pctText, pointsDelta),
  ];
}

const HEAD = ['scope', 'requests', 'p50', 'Δ p50', 'p95', 'Δ p95', 'p99', 'Δ p99', 'error rate', 'Δ error rate'];

function rowLabel(r: Comparison['rows'][number]): string {
  return r.scope === 'run' ? 'whole run' : `${r.scope} ${r.name}`;
}

function intro(c: Comparison): string {
  return `Previous: ${c.source} (${c.previousCreatedAt}, verdict ${c.previousVerdict}${c.previousPartial ? ', partial' : ''}); previous → this run.`;
}

export function renderComparisonMarkdown(model: ReportModel, cell: (text: string) => string): string[] {
  const c = model.analysis?.comparison;
  if (!c) return [];
  const lines = ['### Compared with the previous run', '', cell(intro(c)), ''];
  if (c.differences.length) lines.push(`> The runs differ: ${cell(c.differences.join('; '))}.`, '');
  lines.push(`| ${HEAD.join(' | ')} |`, `| --- |${' ---: |'.repeat(HEAD.length - 1)}`);
  for (const r of c.rows)
    lines.push(
      `| ${cell(rowLabel(r))} | ${figureCells(r.previous, r.current)
        .map((x) => cell(x.text))
        .join(' | ')} |`,
    );
  lines.push('');
  return lines;
}

export function renderComparisonHtml(model: ReportModel): string {
  const c = model.analysis?.comparison;
  if (!c) return '';
  const rows = c.rows
    .map(
      (r) =>
        `<tr><td>${esc(rowLabel(r))}</td>${figureCells(r.previous, r.current)
          .map((x) => `<td class="nowrap">${esc(x.text)}</td>`)
          .join('')}</tr>`,
    )
    .join('');
  // Ten columns: scrolls sideways in a narrow window rather than being cut off.
  const table = `<div style="overflow-x:auto"><table class="figures comparison" style="font-size:12px"><thead><tr>${HEAD.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows}</tbody></table></div>`;
  const differ = c.differences.length ? `<div class="banner"><strong>The runs differ:</strong> ${esc(c.differences.join('; '))}.</div>` : '';
  const t = c.p95Timeline;
  const end = Math.max(0, ...t.current.map((p) => p.toMs), ...t.previous.map((p) => p.toMs));
  const chart =
    t.current.length || t.previous.length
      ? renderChart({
          title: 'p95 over all endpoints per bucket, from each run’s start: this run, and the previous one dashed',
          unit: 'ms',
          start: 0,
          end,
          gapMs: 0,
          windows: [],
          formatValue: (v) => (v < 10 ? v.toFixed(2) : v.toFixed(0)),
          lines: [
            { name: 'p95 this run', color: '#e8710a', points: t.current.map((p) => ({ t: p.fromMs, end: p.toMs, v: p.p95 })) },
            { name: 'p95 previous run', color: '#5b6475', dashed: true, points: t.previous.map((p) => ({ t: p.fromMs, end: p.toMs, v: p.p95 })) },
          ],
        })
      : '';
  return `<h2 id="comparison">Compared with the previous run</h2>\n<p>${esc(intro(c))}</p>${differ}${table}${chart}`;
}
