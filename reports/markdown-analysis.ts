// The phase analysis of a run, as Markdown: the phase table (one row per span of the timeline, in
// time order), recovery per fault, the error budget, drift and the ingestion drain. Nothing when
// the report has no (valid) analysis.
import type { ReportModel } from '../model/report.js';
import { cell } from './markdown.js';

function ms(v: number | null): string {
  return v === null ? '—' : `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`;
}
function pct(v: number | null): string {
  return v === null ? '—' : `${(v * 100).toFixed(2)} %`;
}
function ratio(v: number | null): string {
  return v === null ? '—' : `${v.toFixed(2)}×`;
}

export function renderAnalysisMarkdown(model: ReportModel): string[] {
  const a = model.analysis;
  if (!a) return [];
  const t0 = model.totals.firstTime ?? 0;
  const at = (t: number) => `${((t - t0) / 1000).toFixed(0)} s`;
  const lines = [
    '### Phases',
    '',
    '| phase | from | to | requests | error rate | p50 | p95 | p99 | p95 vs baseline | max queue depth |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const p of a.phases) {
    lines.push(
      `| ${p.name} | ${at(p.start)} | ${at(p.end)} | ${p.requests} | ${pct(p.errorRate)} | ${ms(p.p50)} | ${ms(p.p95)} | ${ms(p.p99)} | ${ratio(p.p95VsBaseline)} | ${p.queueDepthMax ?? '—'} |`,
    );
  }
  // Which percentile: the reader compares these with the gates' figures above.
  lines.push('', 'Latency: `http_req_duration` of expected responses; p50/p95/p99 as k6 computes them, the figure a gate on the same samples observes.');
  lines.push('');
  if (a.recovery.length) {
    lines.push('| fault | on | off | injections | recovery |', '| --- | ---: | ---: | ---: | --- |');
    for (const r of a.recovery) {
      const f = a.faults.find((x) => x.id === r.faultId);
      const outcome =
        r.status === 'recovered'
          ? `recovered after ${(r.timeToRecoverMs! / 1000).toFixed(1)} s`
          : r.status === 'no-baseline'
            ? 'no baseline to compare with'
            : '**did not recover**';
      const why = r.reasons?.length ? `: ${r.reasons.join('; ')}` : '';
      lines.push(`| ${r.faultId} | ${at(r.faultStart)} | ${r.faultEnd === null ? 'never' : at(r.faultEnd)} | ${f?.injections ?? '—'} | ${cell(outcome + why)} |`);
    }
    lines.push('');
  }
  if (a.errorBudget && a.errorBudget.spent !== null) {
    const b = a.errorBudget;
    lines.push(
      `Error budget during faults: ${b.errorsDuringFaults} errors in ${b.requestsDuringFaults} requests${b.droppedDuringFaults ? ` and ${b.droppedDuringFaults} dropped iterations` : ''}, ${(b.spent! * 100).toFixed(0)} % of the ${pct(b.allowedErrorRate)} budget spent.`,
      '',
    );
  }
  if (a.drift) {
    const d = a.drift;
    const slope = d.p95SlopeMsPerHour === null ? '—' : `${d.p95SlopeMsPerHour.toFixed(1)} ms/h`;
    let text = `Drift over ${d.windows} windows: p95 ${slope}`;
    if (d.previous)
      text += `; vs previous (${d.previous.source}): p95 ${d.previous.p95Change === null ? '—' : `${(d.previous.p95Change * 100).toFixed(1)} %`}, error rate ${d.previous.errorRateChange === null ? '—' : `${(d.previous.errorRateChange * 100).toFixed(2)} points`}`;
    lines.push(`${text}.`, '');
  }
  if (a.drain) {
    const d = a.drain;
    lines.push(
      `Ingestion drain (${d.queue}): ${d.drained ? 'drained' : '**not drained**'} after ${(d.waitedMs / 1000).toFixed(1)} s, depth ${d.depthAtEnd}, retries left ${d.retriesLeft}, retrieval_results ${d.retrievalResults ?? '—'}.`,
      '',
    );
  }
  return lines;
}
