// This run beside the previous report (report.analysis.comparison): p50/p95/p99, requests and error
// rate for the whole run, per service and per endpoint, and how the two runs differ (profile, script,
// services, planned length, rate) — a comparison across different runs is noted, not hidden.
import type { ComparedFigures, Comparison, RunIdentity } from '../model/analysis.js';
import { errorCountsOf, errorRate } from '../model/error-rate.js';
import { bucketHistogram, groupLatency } from '../model/latency-groups.js';
import { mergedPercentiles, type EncodedHistogram } from '../model/percentile.js';
import { LATENCY_METRIC } from '../model/metric-names.js';
import type { ReportModel } from '../model/report.js';
import { isLatencySeries } from './compute.js';

/** Two runs' lengths or rates further apart than this (relative) are noted as different. */
export const IDENTITY_TOLERANCE = 0.1;

/** What the run gives that its report does not hold: the script, the configured services, the planned length. */
export interface IdentityInput {
  script: string | null;
  services: Record<string, string>;
  plannedMs: number | null;
}

function requestCount(report: ReportModel): number {
  return report.series.filter((s) => s.metric === 'http_req_failed').reduce((n, s) => n + s.count, 0);
}

export function runIdentity(report: ReportModel, profile: string, input: IdentityInput): RunIdentity {
  const { firstTime, lastTime } = report.totals;
  const durationMs = firstTime !== null && lastTime !== null && lastTime > firstTime ? lastTime - firstTime : null;
  return {
    profile,
    script: input.script,
    services: input.services,
    plannedMs: input.plannedMs,
    durationMs,
    requestsPerSecond: durationMs ? requestCount(report) / (durationMs / 1000) : null,
  };
}

/** A report's identity: its own when it has one, else what its analysis and totals say (an older report). */
function identityOf(report: ReportModel): Partial<RunIdentity> {
  if (report.analysis?.identity) return report.analysis.identity;
  const id = runIdentity(report, report.analysis?.profile ?? '', { script: null, services: {}, plannedMs: null });
  return { profile: report.analysis?.profile, durationMs: id.durationMs, requestsPerSecond: id.requestsPerSecond };
}

const apart = (a: number, b: number) => Math.abs(a - b) > IDENTITY_TOLERANCE * Math.max(Math.abs(a), Math.abs(b));
const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/** How the previous run differs from this one, a sentence each; nothing known on one side is not compared. */
export function identityDifferences(previous: Partial<RunIdentity>, current: RunIdentity): string[] {
  const out: string[] = [];
  if (previous.profile && previous.profile !== current.profile) out.push(`profile ${previous.profile} → ${current.profile}`);
  if (previous.script && current.script && previous.script !== current.script) out.push(`script ${previous.script} → ${current.script}`);
  if (previous.services) {
    const names = [...new Set([...Object.keys(previous.services), ...Object.keys(current.services)])].sort();
    for (const n of names) {
      const a = previous.services[n];
      const b = current.services[n];
      if (a !== b) out.push(`service ${n}: ${a ?? '(none)'} → ${b ?? '(none)'}`);
    }
  }
  if (previous.plannedMs && current.plannedMs && previous.plannedMs !== current.plannedMs)
    out.push(`planned length ${seconds(previous.plannedMs)} → ${seconds(current.plannedMs)}`);
  else if (previous.durationMs && current.durationMs && apart(previous.durationMs, current.durationMs))
    out.push(`length ${seconds(previous.durationMs)} → ${seconds(current.durationMs)}`);
  if (previous.requestsPerSecond && current.requestsPerSecond && apart(previous.requestsPerSecond, current.requestsPerSecond)) {
    out.push(`rate ${previous.requestsPerSecond.toFixed(1)}/s → ${current.requestsPerSecond.toFixed(1)}/s`);
  }
  return out;
}

/** Figures of the series with the tags of `group` (none: all); null when it selects no request. */
function figuresOf(report: ReportModel, group: Record<string, string>, errorFilter: Record<string, string> | null): ComparedFigures | null {
  const series = report.series.filter((s) => Object.entries(group).every(([k, v]) => s.tags[k] === v));
  // k6's percentiles from the report's latency groups (an older report: its histograms merged).
  const p = groupLatency(report, group);
  // An endpoint's error rate is its failed requests over its requests (dropped iterations belong to no endpoint).
  const counts = errorFilter === null ? errorCountsOf(series.filter((s) => s.metric === 'http_req_failed')) : errorCountsOf(report.series, errorFilter);
  if (counts.requests === 0 && !p) return null;
  return { requests: Math.round(counts.requests), errorRate: errorRate(counts), p50: p?.p50 ?? null, p95: p?.p95 ?? null, p99: p?.p99 ?? null };
}

function tagValues(report: ReportModel, tag: string): string[] {
  return report.series.filter((s) => s.metric === LATENCY_METRIC || s.metric === 'http_req_failed').flatMap((s) => (s.tags[tag] !== undefined ? [s.tags[tag]!] : []));
}

/** p95 over all expected responses per time bucket, as offsets from the run's first sample. */
export function p95Timeline(report: ReportModel): Comparison['p95Timeline']['current'] {
  const t0 = report.totals.firstTime;
  if (t0 === null) return [];
  const byStart = new Map<number, { width: number; hists: EncodedHistogram[] }>();
  for (const s of report.series) {
    if (!isLatencySeries(s)) continue;
    for (const b of s.buckets.items) {
      if (!b.histogram) continue;
      const at = byStart.get(b.start) ?? { width: s.buckets.widthMs, hists: [] };
      at.hists.push(bucketHistogram(s, b));
      byStart.set(b.start, at);
    }
  }
  return [...byStart.entries()]
    .sort((a, b) => a[0] - b[0])
    .flatMap(([start, at]) => {
      const p = mergedPercentiles(at.hists);
      return p ? [{ fromMs: Math.max(0, start - t0), toMs: start + at.width - t0, p95: p.p95 }] : [];
    });
}

export function compareRuns(current: ReportModel, identity: RunIdentity, previous: { source: string; report: ReportModel }): Comparison {
  const prev = previous.report;
  const rows: Comparison['rows'] = [{ scope: 'run', name: 'all', previous: figuresOf(prev, {}, {}), current: figuresOf(current, {}, {}) }];
  for (const service of [...new Set([...tagValues(prev, 'service'), ...tagValues(current, 'service')])].sort()) {
    rows.push({
      scope: 'service',
      name: service,
      previous: figuresOf(prev, { service }, { service }),
      current: figuresOf(current, { service }, { service }),
    });
  }
  for (const name of [...new Set([...tagValues(prev, 'name'), ...tagValues(current, 'name')])].sort()) {
    rows.push({ scope: 'endpoint', name, previous: figuresOf(prev, { name }, null), current: figuresOf(current, { name }, null) });
  }
  return {
    source: previous.source,
    previousCreatedAt: prev.createdAt,
    previousVerdict: prev.verdict,
    previousPartial: prev.partial,
    differences: identityDifferences(identityOf(prev), identity),
    rows,
    p95Timeline: { previous: p95Timeline(prev), current: p95Timeline(current) },
  };
}
