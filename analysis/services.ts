// Per-service figures of a run (report.analysis.services): requests, error rate and latency
// percentiles of each service, over the whole run and per phase. Computed from the report model's
// series by their `service` tag (the run adds it from the `url` tag, or the script sets its own).
import type { ReportModel } from '../model/report.js';
import type { ServiceSummary } from '../model/analysis.js';
import { errorCount, errorCountsOf, errorRate } from '../model/error-rate.js';
import { groupLatency } from '../model/latency-groups.js';

type Figures = Omit<ServiceSummary, 'service' | 'address' | 'proxied' | 'phases'>;

/**
 * The figures of one service over the whole run, or one phase. Its error rate is the
 * `chaosgate_error_rate{service:<name>}` gate's: dropped iterations without a service tag count
 * against every service, since k6 cannot say which one an unstarted iteration would have hit.
 */
function figures(report: ReportModel, phase: string | null, service: string): Figures {
  const series = phase === null ? report.series : report.series.filter((s) => s.tags.phase === phase);
  const counts = errorCountsOf(series, { service });
  // k6's percentiles from the report's latency groups: a gate on the same samples shows the same figure.
  const p = groupLatency(report, phase === null ? { service } : { service, phase });
  return {
    requests: Math.round(counts.requests),
    dropped: Math.round(counts.dropped),
    errors: Math.round(errorCount(counts)),
    errorRate: errorRate(counts),
    p50: p?.p50 ?? null,
    p95: p?.p95 ?? null,
    p99: p?.p99 ?? null,
  };
}

export interface KnownService {
  name: string;
  address: string;
  proxied: boolean;
}

/**
 * One summary per service: every known one (even with no requests: a script that never reached
 * it shows 0), then any other value of the `service` tag, in name order.
 */
export function serviceSummaries(report: ReportModel, known: readonly KnownService[]): ServiceSummary[] {
  const tagged = new Set(report.series.map((s) => s.tags.service).filter((v): v is string => v !== undefined));
  const names = [...new Set([...known.map((k) => k.name), ...tagged])].sort();
  const phases = [...new Set(report.phases.map((p) => p.name))];
  return names.map((name) => {
    const k = known.find((x) => x.name === name);
    return {
      service: name,
      address: k?.address ?? null,
      proxied: k?.proxied ?? false,
      ...figures(report, null, name),
      phases: phases.map((phase) => ({ phase, ...figures(report, phase, name) })),
    };
  });
}
