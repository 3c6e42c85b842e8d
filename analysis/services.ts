// Per-service figures of a run (report.analysis.services): requests, error rate and latency
// percentiles of each service, over the whole run and per phase. Computed from the report model's
// series by their `service` tag (the run adds it from the `url` tag, or the script sets its own).
import { z } from 'zod';
import type { ReportModel, SeriesReport } from '../evaluator/model.js';
import { FAILED_METRIC, isLatencySeries, mergedPercentiles, REQUESTS_METRIC } from './compute.js';

const figuresShape = {
  requests: z.number().int().nonnegative().describe('http_reqs'),
  errors: z.number().int().nonnegative().describe('http_req_failed passes'),
  errorRate: z.number().nullable(),
  p50: z.number().nullable().describe('ms, http_req_duration of expected responses'),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
};

export const serviceSummarySchema = z
  .object({
    service: z.string(),
    /** Where the script sent its requests: the fault proxy's URL or the service's own. */
    address: z.string().nullable().describe('the URL or host:port the script was given; null: a tag the script set'),
    proxied: z.boolean().describe('a fault-proxy route stood in front of it'),
    ...figuresShape,
    phases: z.array(z.object({ phase: z.string(), ...figuresShape }).strict()),
  })
  .strict();
export type ServiceSummary = z.infer<typeof serviceSummarySchema>;

type Figures = Omit<ServiceSummary, 'service' | 'address' | 'proxied' | 'phases'>;

function figures(series: SeriesReport[]): Figures {
  const requests = Math.round(series.filter((s) => s.metric === REQUESTS_METRIC).reduce((n, s) => n + (s.counter?.sum ?? s.count), 0));
  const errors = series.filter((s) => s.metric === FAILED_METRIC).reduce((n, s) => n + (s.rate?.passes ?? 0), 0);
  const p = mergedPercentiles(series.filter(isLatencySeries).map((s) => ({ data: s.histogram!.data, scale: s.histogram!.scale })));
  return {
    requests,
    errors,
    errorRate: requests > 0 ? Math.min(1, errors / requests) : null,
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
    const mine = report.series.filter((s) => s.tags.service === name);
    const k = known.find((x) => x.name === name);
    return {
      service: name,
      address: k?.address ?? null,
      proxied: k?.proxied ?? false,
      ...figures(mine),
      phases: phases.map((phase) => ({ phase, ...figures(mine.filter((s) => s.tags.phase === phase)) })),
    };
  });
}
