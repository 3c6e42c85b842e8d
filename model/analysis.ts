// The phase analysis the run orchestrator adds to a report (report.analysis): per-phase figures,
// recovery after each fault, the error budget spent during faults, soak drift, the ingestion drain.
// Computed from the report model alone (series split by the `phase` tag, their time buckets).
import { z } from 'zod';

/** Per-service figures (analysis.services), over the run and per phase; computed in analysis/services.ts. */
const figuresShape = {
  requests: z.number().int().nonnegative().describe('http_req_failed samples: one per HTTP request'),
  dropped: z.number().int().nonnegative().describe('dropped_iterations tagged with the service, or with no service tag at all'),
  errors: z.number().int().nonnegative().describe('failed requests (http_req_failed passes) plus dropped'),
  errorRate: z.number().nullable().describe('errors / (requests + dropped): chaosgate_error_rate{service:<name>}'),
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

export const phaseRowSchema = z
  .object({
    name: z.string().describe('the span as the timeline reads it: baseline, fault:<id>, recovery:<id> (after that fault), or a phase set by the profile'),
    phase: z.string().describe("the phase tag its samples carry (what a gate's `phase` selects): baseline, fault:<id>, recovery, …"),
    start: z.number().describe('ms epoch'),
    end: z.number().describe('ms epoch; rows are in time order and never overlap'),
    requests: z.number().int().nonnegative().describe('http_req_failed samples: one per HTTP request'),
    dropped: z.number().int().nonnegative().describe('dropped_iterations: iterations k6 could not start'),
    errors: z.number().int().nonnegative().describe('failed requests (http_req_failed passes) plus dropped'),
    errorRate: z.number().nullable().describe('errors / (requests + dropped): chaosgate_error_rate over this span (model/error-rate.ts)'),
    throughputPerSecond: z.number().nullable(),
    p50: z.number().nullable().describe('ms, http_req_duration over all endpoints'),
    p95: z.number().nullable(),
    p99: z.number().nullable(),
    queueDepthMax: z.number().nullable(),
    p95VsBaseline: z.number().nullable().describe('p95 / baseline p95'),
    errorRateVsBaseline: z.number().nullable().describe('errorRate - baseline errorRate'),
  })
  .strict();
export type PhaseRow = z.infer<typeof phaseRowSchema>;

export const recoverySchema = z
  .object({
    faultId: z.string(),
    faultStart: z.number(),
    faultEnd: z.number().nullable().describe('null: the fault was still on when the run ended'),
    status: z.enum(['recovered', 'did-not-recover', 'no-baseline']),
    recoveredAt: z.number().nullable(),
    timeToRecoverMs: z.number().nullable(),
    tolerance: z.object({ p95Factor: z.number(), errorRateDelta: z.number(), windowMs: z.number(), queueDepthSlack: z.number() }).strict(),
    /** Why it did not recover, or what to distrust (analysis/recovery-reasons.ts); absent in reports made before it. */
    reasons: z
      .array(z.string())
      .optional()
      .describe('did-not-recover: each condition not met (observed vs limit) or that the window did not fit; any status: a fault shorter than a time bucket'),
  })
  .strict();
export type Recovery = z.infer<typeof recoverySchema>;

export const errorBudgetSchema = z
  .object({
    allowedErrorRate: z.number().describe('the budget: the chaos smoke error-rate gate'),
    requestsDuringFaults: z.number().int().nonnegative(),
    droppedDuringFaults: z.number().int().nonnegative(),
    errorsDuringFaults: z.number().int().nonnegative().describe('failed requests plus dropped iterations'),
    spent: z.number().nullable().describe('error rate during faults / allowed rate, i.e. errors / (allowed rate x (requests + dropped)): 1.0 = budget used up'),
  })
  .strict();

export const driftSchema = z
  .object({
    windowMs: z.number(),
    windows: z.number().int().nonnegative(),
    points: z
      .array(z.object({ start: z.number().describe('ms epoch'), requests: z.number().int().nonnegative(), p95: z.number().nullable(), errorRate: z.number().nullable() }).strict())
      .optional()
      .describe('each window in time order: the figures the slopes are fitted to'),
    p95SlopeMsPerHour: z.number().nullable(),
    errorRateSlopePerHour: z.number().nullable(),
    previous: z
      .object({
        source: z.string(),
        p95: z.number().nullable(),
        errorRate: z.number().nullable(),
        p95Change: z.number().nullable().describe('this p95 / previous p95 - 1'),
        errorRateChange: z.number().nullable().describe('this error rate - previous'),
      })
      .strict()
      .nullable(),
  })
  .strict();

export const drainSchema = z
  .object({
    queue: z.string(),
    drained: z.boolean(),
    depthAtEnd: z.number().int().nonnegative(),
    waitedMs: z.number().nonnegative(),
    retriesLeft: z.number().int().nonnegative(),
    retrievalResults: z.number().int().nonnegative().nullable(),
  })
  .strict();

export const faultWindowSchema = z
  .object({
    id: z.string(),
    kind: z.string(),
    target: z.string(),
    on: z.number(),
    off: z.number().nullable(),
    injections: z.number().int().nonnegative().nullable(),
  })
  .strict();

/** What a run was (the next night checks it is comparable): profile, script, services, planned length, rate. */
export const runIdentitySchema = z
  .object({
    profile: z.string(),
    script: z.string().nullable().describe('the k6 script (a built-in scenario: its name)'),
    services: z.record(z.string(), z.string()).describe("each configured service's URL or host:port (as configured, not the proxy's)"),
    plannedMs: z.number().nullable().describe('the planned length from k6 (null: iteration-bound, or reshaped by k6 arguments)'),
    durationMs: z.number().nullable().describe('first to last sample'),
    requestsPerSecond: z.number().nullable().describe('HTTP requests per second over durationMs'),
  })
  .strict();
export type RunIdentity = z.infer<typeof runIdentitySchema>;

const comparedFigures = z
  .object({ requests: z.number().int().nonnegative(), errorRate: z.number().nullable(), p50: z.number().nullable(), p95: z.number().nullable(), p99: z.number().nullable() })
  .strict();

const timelinePoint = z.object({ fromMs: z.number().describe("offset of the bucket from the run's first sample"), toMs: z.number(), p95: z.number() }).strict();

/** This run against the previous report: figures side by side, and what makes them less comparable. */
export const comparisonSchema = z
  .object({
    source: z.string().describe('the previous report (path, or folder of reports: the newest is shown)'),
    previousCreatedAt: z.string(),
    previousVerdict: z.enum(['pass', 'warn', 'fail']),
    previousPartial: z.boolean(),
    differences: z.array(z.string()).describe('how the previous run differs (profile, script, services, length, rate): a note each'),
    rows: z
      .array(
        z
          .object({
            scope: z.enum(['run', 'service', 'endpoint']),
            name: z.string().describe('"all", a service, or an endpoint (the `name` tag)'),
            previous: comparedFigures.nullable(),
            current: comparedFigures.nullable(),
          })
          .strict(),
      )
      .describe('ms for p50/p95/p99 of expected responses; error rate as chaosgate_error_rate (endpoints: failed / requests)'),
    p95Timeline: z
      .object({ previous: z.array(timelinePoint), current: z.array(timelinePoint) })
      .strict()
      .describe("p95 over all endpoints per time bucket of each run, from each run's start: the previous night drawn over this one"),
  })
  .strict();
export type Comparison = z.infer<typeof comparisonSchema>;
export type ComparedFigures = z.infer<typeof comparedFigures>;

/** Failed requests by status code (and k6's error_code for a network error, status 0), per service and phase; computed in analysis/endpoints.ts. */
export const statusRowSchema = z
  .object({
    service: z.string().nullable().describe('the service tag; null: requests without one'),
    phase: z.string(),
    status: z.string().describe("k6's status tag: the HTTP status, 0 for a request that got no response"),
    errorCode: z.string().nullable().describe("k6's error_code tag (e.g. 1211 timeout, 1212 connection refused); null when k6 set none"),
    errors: z.number().int().nonnegative().describe('failed requests (http_req_failed passes) with this status'),
  })
  .strict();
export type StatusRow = z.infer<typeof statusRowSchema>;

/** Per request name (k6's `name` tag: the URL unless the script names it) and phase. */
export const endpointRowSchema = z
  .object({
    name: z.string(),
    phase: z.string(),
    requests: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative().describe('failed requests (http_req_failed passes)'),
    errorRate: z.number().nullable().describe('errors / requests (dropped iterations have no name: not counted here)'),
    p95: z.number().nullable().describe('ms, http_req_duration of expected responses'),
  })
  .strict();
export type EndpointRow = z.infer<typeof endpointRowSchema>;

export const analysisSchema = z
  .object({
    profile: z.string(),
    faults: z.array(faultWindowSchema),
    phases: z.array(phaseRowSchema),
    recovery: z.array(recoverySchema),
    errorBudget: errorBudgetSchema.nullable(),
    drift: driftSchema.nullable(),
    drain: drainSchema.nullable(),
    /** Per service (config `services` or the script's own `service` tag); absent when none. */
    services: z.array(serviceSummarySchema).optional(),
    identity: runIdentitySchema.optional().describe('what this run was, for the next night to check it compares like with like'),
    comparison: comparisonSchema.optional().describe('with a previous report (evaluate.baselineReport): figures side by side, and how the runs differ'),
    /** Failed requests by status code per service and phase; absent in reports made before it. */
    statuses: z.array(statusRowSchema).optional(),
    /** p95 and error rate per request name and phase (the busiest names); absent in reports made before it. */
    endpoints: z.array(endpointRowSchema).optional(),
    /** Request names beyond the endpoints table's cap, left out of it. */
    endpointsLeftOut: z.number().int().nonnegative().optional(),
  })
  .strict();
export type Analysis = z.infer<typeof analysisSchema>;
