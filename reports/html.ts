// The HTML report: one self-contained file (inline CSS and SVG, no scripts, fonts or network) from
// the report model. Figures are computed in html-data.ts; this file only lays them out.
import { approximationLabel } from '../model/input-formats.js';
import type { GateResult, ReportModel } from '../model/report.js';
import { buildHtmlData, type HtmlData } from './html-data.js';
import { servicesSection } from './html-services.js';
import { renderComparisonHtml } from './comparison.js';
import { endpointsSection, statusesSection } from './html-endpoints.js';
import { esc, formatElapsed, renderChart, type ChartLine } from './svg-chart.js';
import { gateSentence, gateTextContext, gateValue, worstWindowText, type GateTextContext, gateBaselineValue } from './gate-text.js';

const PALETTE = ['#1f77b4', '#e8710a', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f'];
const DASH = '—';

function ms(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return DASH;
  if (v >= 100) return `${Math.round(v)} ms`;
  if (v >= 10) return `${v.toFixed(1)} ms`;
  return `${v.toFixed(2)} ms`;
}
function pct(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return DASH;
  const p = v * 100;
  return `${p === 0 || p >= 10 ? p.toFixed(1) : p.toFixed(2)} %`;
}
function num(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return DASH;
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : String(Number(v.toPrecision(3)));
}
const plain = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 2 : 1));

function verdictBadge(v: string): string {
  return `<span class="verdict v-${esc(v)}">${esc(v.toUpperCase())}</span>`;
}

function endpointSection(d: HtmlData): string {
  if (d.endpoints.length === 0) return '<p class="empty">No http_req_duration samples in this run.</p>';
  // Steps abut exactly; a missing bucket leaves a gap that breaks the line.
  const gapMs = 0;
  const cards = d.endpoints.map((e) => {
    const line = (name: string, color: string, pick: (p: (typeof e.points)[number]) => number | null, dashed = false): ChartLine => ({
      name,
      color,
      dashed,
      points: e.points.map((p) => ({ t: p.t, end: p.end, v: pick(p) })),
    });
    const latency = renderChart({
      title: `${e.label}: latency percentiles per ${d.bucketWidthMs / 1000} s bucket`,
      unit: 'ms',
      start: d.start,
      end: d.end,
      gapMs,
      windows: d.faultWindows,
      formatValue: plain,
      lines: [line('p50', '#1f77b4', (p) => p.p50), line('p95', '#e8710a', (p) => p.p95), line('p99', '#d62728', (p) => p.p99, true)].filter((l) =>
        l.points.some((p) => p.v !== null),
      ),
    });
    const errors = renderChart({
      title: `${e.label}: error rate`,
      unit: '% errors',
      start: d.start,
      end: d.end,
      gapMs,
      windows: d.faultWindows,
      formatValue: (v) => `${plain(v)}`,
      minYMax: 1,
      lines: [line('error rate %', '#9467bd', (p) => (p.errorRate === null ? null : p.errorRate * 100))],
    });
    return `<section class="card"><h3>${esc(e.label)} <small>${esc(num(e.requests))} requests, ${esc(pct(e.errorRate))} errors</small></h3>${latency}${errors}</section>`;
  });
  const more = d.endpointsNotShown ? `<p class="note">${d.endpointsNotShown} more endpoint groups with fewer requests are not charted (see the JSON report).</p>` : '';
  return cards.join('') + more;
}

function gaugeSection(d: HtmlData, lines: HtmlData['queues'], title: string, unit: string, empty: string): string {
  if (lines.length === 0) return `<p class="empty">${esc(empty)}</p>`;
  return renderChart({
    title,
    unit,
    start: d.start,
    end: d.end,
    gapMs: 0,
    windows: d.faultWindows,
    formatValue: plain,
    lines: lines.map((l, i) => ({ name: l.label, color: PALETTE[i % PALETTE.length]!, points: l.points })),
  });
}

function table(head: string[], rows: string[][], rowClass: (i: number) => string = () => '', cls = ''): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r, i) => `<tr class="${rowClass(i)}">${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`).join('');
  return `<table class="${cls}"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

const at = (d: HtmlData, t: number) => formatElapsed(t - d.start);
const faultClass = (name: string) => (name.startsWith('fault:') ? 'fault-row' : '');
const ratio = (v: number | null) => {
  if (v === null) return DASH;
  const change = Math.round((v - 1) * 100) || 0; // no "-0 %"
  return `${change >= 0 ? '+' : ''}${change} %`;
};
const pp = (v: number | null) => (v === null ? DASH : `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)} pp`);

function phaseSection(d: HtmlData): string {
  const a = d.analysis;
  if (!a) {
    if (d.phases.length === 0) return '<p class="empty">No phases (no chaos events in this run).</p>';
    const rows = d.phases.map((p) => [p.name, at(d, p.start), formatElapsed(p.end - p.start)]);
    return `${table(['phase', 'starts at', 'duration'], rows, (i) => faultClass(d.phases[i]!.name))}<p class="note">Per-phase figures come with the phase analysis of <code>chaosgate run</code>.</p>`;
  }
  const parts = [
    table(
      ['phase', 'starts at', 'duration', 'requests', 'throughput', 'error rate', 'p50', 'p95', 'p99', 'p95 vs baseline', 'errors vs baseline', 'max queue depth'],
      a.phases.map((p) => [
        p.name,
        at(d, p.start),
        formatElapsed(p.end - p.start),
        num(p.requests),
        p.throughputPerSecond === null ? DASH : `${p.throughputPerSecond.toFixed(1)}/s`,
        pct(p.errorRate),
        ms(p.p50),
        ms(p.p95),
        ms(p.p99),
        ratio(p.p95VsBaseline),
        pp(p.errorRateVsBaseline),
        num(p.queueDepthMax),
      ]),
      (i) => faultClass(a.phases[i]!.name),
      'figures',
    ),
    '<p class="note">Latency: <code>http_req_duration</code> of expected responses; p50/p95/p99 as k6 computes them, the figure a gate on the same samples observes.</p>',
  ];
  if (a.faults.length) {
    const rows = a.faults.map((f) => [f.id, f.kind, f.target, at(d, f.on), f.off === null ? 'still on at the end' : at(d, f.off), num(f.injections)]);
    parts.push('<h3>Faults</h3>', table(['fault', 'kind', 'target', 'on at', 'off at', 'injections'], rows));
  }
  if (a.recovery.length) {
    const status = { recovered: 'recovered', 'did-not-recover': 'did not recover', 'no-baseline': 'no baseline to compare' } as const;
    const rows = a.recovery.map((r) => [
      r.faultId,
      r.faultEnd === null ? 'never' : at(d, r.faultEnd),
      r.reasons?.length ? `${status[r.status]}: ${r.reasons.join('; ')}` : status[r.status],
      r.timeToRecoverMs === null ? DASH : `${(r.timeToRecoverMs / 1000).toFixed(1)} s`,
      `p95 ≤ baseline × ${r.tolerance.p95Factor}, error rate ≤ baseline + ${(r.tolerance.errorRateDelta * 100).toFixed(1)} pp, in ${r.tolerance.windowMs / 1000} s windows`,
    ]);
    parts.push(
      '<h3>Recovery</h3>',
      table(['fault', 'fault ended at', 'status', 'time to recover', 'tolerance'], rows, (i) => (a.recovery[i]!.status === 'did-not-recover' ? 'g-fail' : '')),
    );
  }
  if (a.errorBudget) {
    const b = a.errorBudget;
    const spent = b.spent === null ? DASH : `${(b.spent * 100).toFixed(0)} % spent`;
    parts.push(
      `<p><strong>Error budget during faults:</strong> ${esc(num(b.errorsDuringFaults))} errors in ${esc(num(b.requestsDuringFaults))} requests${b.droppedDuringFaults ? ` and ${esc(num(b.droppedDuringFaults))} dropped iterations` : ''}, allowed ${esc(pct(b.allowedErrorRate))}: ${esc(spent)}.</p>`,
    );
  }
  if (a.drift) {
    const dr = a.drift;
    const slope = (v: number | null, f: (x: number) => string) => (v === null ? DASH : f(v));
    const prev = dr.previous
      ? `Compared with ${esc(dr.previous.source)}: p95 was ${esc(ms(dr.previous.p95))} (change ${esc(slope(dr.previous.p95Change, (v) => `${(v * 100).toFixed(1)} %`))}), error rate change ${esc(pp(dr.previous.errorRateChange))}.`
      : 'No previous report to compare with.';
    parts.push(
      `<p><strong>Drift</strong> over ${dr.windows} windows of ${esc(formatElapsed(dr.windowMs))}: p95 ${esc(slope(dr.p95SlopeMsPerHour, (v) => `${v.toFixed(2)} ms/h`))}, error rate ${esc(slope(dr.errorRateSlopePerHour, (v) => `${(v * 100).toFixed(3)} pp/h`))}. ${prev}</p>`,
    );
  }
  if (a.drain) {
    const dn = a.drain;
    const state = dn.drained ? 'drained' : '<span class="verdict v-fail">NOT DRAINED</span>';
    parts.push(
      `<p><strong>Ingestion drain</strong> (queue ${esc(dn.queue)}): ${state}, depth at end ${esc(num(dn.depthAtEnd))} after ${esc((dn.waitedMs / 1000).toFixed(1))} s, retries left ${esc(num(dn.retriesLeft))}, retrieval_results ${esc(num(dn.retrievalResults))}.</p>`,
    );
  }
  return parts.join('\n');
}

function gateTable(gates: GateResult[], ctx: GateTextContext): string {
  if (gates.length === 0) return '<p class="empty">No gates configured.</p>';
  const rows = gates
    .map((g) => {
      const worst = worstWindowText(g, ctx);
      const scope = [g.window ? `window ${g.window}` : '', worst ?? '', g.phase ? `phase ${g.phase}` : '', g.baseline ? `baseline ${g.baseline}` : ''].filter(Boolean).join(', ');
      // The sentence repeats metric, expression and figures; it is spelled out where a gate did not pass.
      const sentence = gateSentence(g, ctx);
      const why = g.verdict === 'pass' ? '' : `<div class="why">${esc(sentence)}</div>`;
      return `<tr class="g-${esc(g.verdict)}" title="${esc(sentence)}"><td class="nowrap">${verdictBadge(g.verdict)}</td><td><strong>${esc(g.id)}</strong><div class="sub">${esc(g.group)}</div></td><td><code>${esc(g.metric)}</code> <code class="expr">${esc(g.expression)}</code>${why}</td><td class="nowrap">${esc(g.severity)}${g.abortOnFail ? ' (abort)' : ''}</td><td>${esc(scope || DASH)}</td><td class="nowrap">${esc(gateValue(g, g.observed, ctx))}</td><td class="nowrap">${esc(gateValue(g, g.limit, ctx))}${g.baselineValue !== undefined ? `<div class="sub">baseline ${esc(gateBaselineValue(g, ctx))}</div>` : ''}</td></tr>`;
    })
    .join('');
  return `<table><thead><tr><th>verdict</th><th>gate</th><th>check</th><th>severity</th><th>scope</th><th>observed</th><th>limit</th></tr></thead><tbody>${rows}</tbody></table>`;
}

const CSS = `
:root{color-scheme:light;--fg:#1d2330;--muted:#5b6475;--line:#d9dee7;--bg:#f6f7f9}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1000px;margin:0 auto;padding:20px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:6px 0}
h3 small{color:var(--muted);font-weight:normal;margin-left:6px}
.meta{color:var(--muted)}.note,.empty{color:var(--muted);font-style:italic}
.verdict{display:inline-block;padding:1px 8px;border-radius:4px;font-weight:700;font-size:12px;color:#fff}
.v-pass{background:#2b8a3e}.v-warn{background:#c77700}.v-fail{background:#c92a2a}
.overall{font-size:16px;margin:10px 0}.overall .verdict{font-size:16px;padding:3px 12px}
.banner{background:#fff4e5;border:1px solid #f0a44b;border-left:6px solid #e8710a;padding:10px 14px;margin:12px 0;border-radius:4px}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 12px;margin:12px 0}
figure.chart{margin:6px 0 12px}figcaption{font-weight:600;font-size:13px;margin-bottom:2px}
svg{width:100%;height:auto;display:block;font-size:11px}
svg .plot{fill:#fff;stroke:var(--line)}svg .grid{stroke:#eef0f4}svg .xtick{stroke:#9aa3b2}
svg .tick{fill:var(--muted)}svg .axis-label{fill:var(--muted);font-size:11px}
svg .fault-window{fill:rgba(214,39,40,.11);stroke:rgba(214,39,40,.45);stroke-dasharray:4 3}
svg .window-label{fill:#a61e1e;font-size:10px}
svg .series-line{fill:none;stroke-width:1.8;stroke-linejoin:round}
.legend{display:flex;flex-wrap:wrap;gap:14px;color:var(--muted);font-size:12px}
.legend i{display:inline-block;width:14px;height:3px;margin-right:5px;vertical-align:middle}
.legend i.fault-key{height:10px;background:rgba(214,39,40,.18);border:1px dashed rgba(214,39,40,.6)}
table{border-collapse:collapse;width:100%;background:#fff;font-size:13px;margin:6px 0}
th,td{border:1px solid var(--line);padding:4px 7px;text-align:left;vertical-align:top;overflow-wrap:break-word}th{background:#eef1f5}
td:nth-child(n+2){font-variant-numeric:tabular-nums}.figures td{white-space:nowrap}
tr.fault-row td{background:#fff1f1}tr.g-fail td{background:#fff5f5}tr.g-warn td{background:#fffaf0}
code{font-size:12px;overflow-wrap:anywhere}code.expr{font-weight:600}td.nowrap{white-space:nowrap}.sub,.why{color:var(--muted);font-size:12px}.why{margin-top:3px;color:#8a1f1f}
`;

/** The whole HTML report as one string. */
export function renderHtml(model: ReportModel): string {
  const d = buildHtmlData(model);
  const failed = d.gates.filter((g) => g.verdict === 'fail').length;
  const warned = d.gates.filter((g) => g.verdict === 'warn').length;
  const partial = d.partial
    ? `<div class="banner" role="alert"><strong>Partial run.</strong> ${
        d.abort ? `Stopped at ${esc(formatElapsed(d.abort.time - d.start))}: ${esc(d.abort.reason)}.` : 'The run or its input ended early.'
      } The figures cover only what was measured until then.</div>`
    : '';
  const approximation = approximationLabel(model.inputs);
  const approximationBanner = approximation ? `<div class="banner" role="note"><strong>Approximation.</strong> ${esc(approximation)}.</div>` : '';
  const faults = d.faultWindows.length
    ? d.faultWindows.map((w) => `${esc(w.name)} ${esc(formatElapsed(w.start - d.start))}–${esc(formatElapsed(w.end - d.start))}`).join(', ')
    : 'none';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>chaosgate report: ${esc(d.verdict)}${d.partial ? ' (partial)' : ''}</title>
<style>${CSS}</style></head>
<body><main>
<h1>chaosgate report</h1>
<div class="meta">created ${esc(d.createdAt)} · chaosgate ${esc(d.toolVersion)} · run ${esc(new Date(d.start).toISOString())}, ${esc(formatElapsed(d.end - d.start))} long</div>
<div class="overall" id="overall-verdict">Overall verdict: ${verdictBadge(d.verdict)} <span class="meta">${failed} gate(s) failed, ${warned} warned, ${d.gates.length} total</span></div>
${partial}
${approximationBanner}
<p>${esc(num(d.overall.requests))} requests${d.overall.dropped ? `, ${esc(num(d.overall.dropped))} dropped iterations` : ''}, ${esc(pct(d.overall.errorRate))} errors · ${esc(num(d.totals.points))} samples from ${d.inputs.length} input(s), ${esc(num(d.totals.malformed))} malformed · fault windows: ${faults}</p>
<h2>Gates</h2>
${gateTable(d.gates, gateTextContext(model))}
${model.notes?.length ? `<h2>Notes</h2>\n<ul class="notes">${model.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : ''}
${renderComparisonHtml(model)}
${servicesSection(d)}
${statusesSection(d)}
${endpointsSection(d)}
<h2>Latency and error rate per endpoint group</h2>
${endpointSection(d)}
<h2>Queues</h2>
${gaugeSection(d, d.queues, 'Queue depth and lag (last value per bucket)', 'messages', 'No queue gauges in this run.')}
<h2>GPU memory</h2>
${gaugeSection(d, d.gpu, 'GPU memory (last value per bucket)', d.gpu.every((l) => l.label.includes('percent')) ? '%' : 'value', 'No GPU memory gauge in this run.')}
<h2>Phases</h2>
${phaseSection(d)}
</main></body></html>
`;
}
