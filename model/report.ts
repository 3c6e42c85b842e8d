// The report model: the one contract between evaluating and writing (JUnit, JSON, Markdown, HTML)
// and the run orchestrator. Its zod schema is the JSON report's schema (published as JSON Schema in
// reports/schema/). Bump REPORT_SCHEMA_VERSION on any change a reader of old reports would notice.
import { z } from 'zod';
import { analysisSchema } from './analysis.js';
import { INPUT_FORMATS } from './input-formats.js';

// 2: `analysis` is typed (model/analysis.ts); a merge's facts moved from `analysis.merge` to `merge`.
export const REPORT_SCHEMA_VERSION = 2 as const;

export const metricKindSchema = z.enum(['trend', 'counter', 'rate', 'gauge']);
export type MetricKind = z.infer<typeof metricKindSchema>;

export const verdictSchema = z.enum(['pass', 'warn', 'fail']);
export type Verdict = z.infer<typeof verdictSchema>;

/** One input file or stream as read. */
export const inputSummarySchema = z
  .object({
    source: z.string().describe('path, or "-" for stdin'),
    format: z.enum(INPUT_FORMATS),
    gzip: z.boolean(),
    lines: z.number().int().nonnegative(),
    points: z.number().int().nonnegative().describe('sample lines accepted'),
    malformed: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
    threads: z.number().int().positive().optional().describe('worker threads that read it (absent: the main thread)'),
  })
  .strict();

/** A malformed line, reported with its place and reason (the first few only). */
export const inputProblemSchema = z.object({ source: z.string(), line: z.number().int().nonnegative(), reason: z.string() }).strict();

export const totalsSchema = z
  .object({
    pointsRead: z.number().int().nonnegative().describe('every sample line read, accepted or not'),
    points: z.number().int().nonnegative().describe('samples accepted into series'),
    malformed: z.number().int().nonnegative(),
    malformedTolerance: z.number().nonnegative().describe('allowed malformed fraction of pointsRead'),
    trusted: z.boolean().describe('malformed / pointsRead <= tolerance'),
    problems: z.array(inputProblemSchema).describe('the first few malformed lines'),
    perMetric: z.record(z.string(), z.number().int().nonnegative()),
    series: z.number().int().nonnegative(),
    seriesCap: z.number().int().positive(),
    overflowPoints: z.number().int().nonnegative().describe('samples folded into overflow series past the cap'),
    firstTime: z.number().nullable().describe('ms epoch of the earliest sample'),
    lastTime: z.number().nullable().describe('ms epoch of the latest sample'),
  })
  .strict();

export const trendStatsSchema = z
  .object({
    min: z.number(),
    max: z.number(),
    avg: z.number(),
    sum: z.number(),
    p50: z.number(),
    p90: z.number(),
    p95: z.number(),
    p99: z.number(),
  })
  .strict()
  .describe('min/max/sum exact; avg and percentiles as k6 defines them: exact within the exact-value budget, else percentiles from the HDR histogram (within 0.1 %)');

export const counterStatsSchema = z.object({ sum: z.number(), ratePerSecond: z.number(), min: z.number(), max: z.number() }).strict();

export const rateStatsSchema = z
  .object({
    passes: z.number().int().nonnegative().describe('samples with a non-zero value'),
    fails: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
    rate: z.number().describe('passes / total, as k6 computes it'),
  })
  .strict();

export const gaugeStatsSchema = z.object({ last: z.number(), min: z.number(), max: z.number(), avg: z.number() }).strict();

/** One time bucket of a series: [start, start + width). */
export const timeBucketSchema = z
  .object({
    start: z.number().describe('ms epoch'),
    count: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    sum: z.number(),
    min: z.number(),
    max: z.number(),
    p95: z.number().optional().describe("trends: k6's p(95) read from the bucket's histogram, as a windowed gate reads it"),
    histogram: z.string().optional().describe('trends: HDR histogram of the bucket, compressed base64'),
    passes: z.number().int().nonnegative().optional().describe('rates'),
    last: z.number().optional().describe('gauges'),
  })
  .strict();
export type TimeBucket = z.infer<typeof timeBucketSchema>;

export const seriesSchema = z
  .object({
    id: z.string().describe('metric{tag=value,...}, stable across runs'),
    metric: z.string(),
    kind: metricKindSchema,
    isTime: z.boolean().describe('values are milliseconds'),
    tags: z.record(z.string(), z.string()),
    overflow: z.boolean().describe('collects samples of series beyond the cap'),
    count: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative().describe('samples tagged expected_response=false, or failing rate samples of *_failed metrics'),
    firstTime: z.number(),
    lastTime: z.number(),
    trend: trendStatsSchema.optional(),
    counter: counterStatsSchema.optional(),
    rate: rateStatsSchema.optional(),
    gauge: gaugeStatsSchema.optional(),
    histogram: z
      .object({
        encoding: z.literal('hdr-compressed-base64'),
        scale: z.number().positive().describe('recorded integer = round(value * scale); 1000 = µs for ms values'),
        significantDigits: z.number().int(),
        data: z.string(),
      })
      .strict()
      .optional(),
    buckets: z.object({ widthMs: z.number().positive(), items: z.array(timeBucketSchema) }).strict(),
  })
  .strict();
export type SeriesReport = z.infer<typeof seriesSchema>;

/** A drift gate's figures: per window of the run, and the whole run against the baseline report. */
export const gateDriftSchema = z
  .object({
    measure: z.enum(['slope_per_hour', 'change_pct']),
    figure: z.string().describe('what each window holds: p95 (ms) of a trend, the rate of a rate or error rate'),
    windowMs: z.number().positive(),
    points: z.array(z.object({ start: z.number().describe('ms epoch'), value: z.number() }).strict()).describe('one per window with samples, in time order'),
    slopePerHour: z.number().nullable().describe('least-squares slope of the points, per hour'),
    current: z.number().nullable().describe('the figure over the whole run'),
    baseline: z.number().nullable().describe("the baseline report's figure (change_pct)"),
  })
  .strict();
export type GateDrift = z.infer<typeof gateDriftSchema>;

export const gateResultSchema = z
  .object({
    id: z.string(),
    group: z.string(),
    metric: z.string(),
    expression: z.string().describe('as written, e.g. p(95)<500'),
    severity: z.enum(['fail', 'warn']),
    window: z.string().nullable().describe('e.g. 5m: must hold in every window'),
    phase: z.string().nullable(),
    baseline: z.string().nullable().describe('phase name or report path the baseline came from'),
    abortOnFail: z.boolean(),
    observed: z.number().nullable().describe('the value compared (worst window for windowed gates); null: no data'),
    limit: z.number().nullable().describe('the resolved right-hand side'),
    worstWindowStart: z.number().nullable(),
    verdict: verdictSchema,
    message: z.string(),
    durationMs: z.number().nonnegative(),
    skipped: z.literal(true).optional().describe('not judged: the previous report it compares with is missing or partial (evaluate.missingBaseline: warn); its verdict is warn'),
    baselineValue: z.number().nullable().optional().describe('gates with `baseline`: the baseline figure the limit was resolved from (null: none)'),
    drift: gateDriftSchema.optional().describe('drift gates (metric `drift(<metric>)`): the per-window figures the slope was fitted to'),
  })
  .strict();
export type GateResult = z.infer<typeof gateResultSchema>;

/** k6's p50/p95/p99 of one group of the expected responses' latency (model/latency-groups.ts). */
export const latencyGroupSchema = z
  .object({
    tags: z.record(z.string(), z.string()).describe('the group: its tags (none: the whole run)'),
    count: z.number().int().positive(),
    p50: z.number(),
    p95: z.number(),
    p99: z.number(),
    exact: z.boolean().describe('from the samples themselves (within the exact-value budget), else from the merged HDR histograms (within 0.05 %)'),
  })
  .strict();
export type LatencyGroup = z.infer<typeof latencyGroupSchema>;

export const phaseSchema = z.object({ name: z.string(), start: z.number(), end: z.number().nullable() }).strict();
export type Phase = z.infer<typeof phaseSchema>;

export const reportSchema = z
  .object({
    schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
    tool: z.object({ name: z.literal('chaosgate'), version: z.string() }).strict(),
    createdAt: z.string().describe('ISO time the report was made'),
    verdict: verdictSchema,
    partial: z.boolean().describe('the run was aborted or the input ended early'),
    abort: z.object({ reason: z.string(), time: z.number() }).strict().nullable(),
    inputs: z.array(inputSummarySchema),
    totals: totalsSchema,
    config: z
      .object({
        groupBy: z.array(z.string()),
        bucketWidthMs: z.number(),
        bucketWidthPicked: z
          .string()
          .optional()
          .describe(
            'evaluate.bucketWidth `auto`: how the width was picked (the run from its planned length and faults, or its record in the events file); absent when a width was set',
          ),
        maxBuckets: z.number().int(),
        seriesCap: z.number().int(),
        threads: z
          .object({
            allowed: z.number().int().positive().describe('the setting: evaluate.threads / --threads, else one per core'),
            used: z.number().int().positive().describe('threads that worked on the inputs at once, the main thread included (1: the main thread alone)'),
          })
          .strict()
          .optional()
          .describe('absent in older reports'),
      })
      .strict(),
    phases: z.array(phaseSchema),
    series: z.array(seriesSchema),
    latency: z
      .array(latencyGroupSchema)
      .optional()
      .describe(
        "k6's percentiles of the latency per group the tables show, computed by the evaluator from the samples as a gate computes them (model/latency-groups.ts); absent in older reports, whose tables merge the series' histograms",
      ),
    gates: z.array(gateResultSchema),
    analysis: analysisSchema.optional().describe('the phase analysis: added by `run`, and by `evaluate --events` (analysis/timeline.ts)'),
    merge: z
      .object({ states: z.array(z.string()).describe('the state files merged, in order'), warnings: z.array(z.string()) })
      .strict()
      .optional()
      .describe('`chaosgate merge` only: what was merged, and what disagreed between the states'),
    notes: z.array(z.string()).optional().describe('what the run observed beside the gates, e.g. k6 exit code 99 disagreeing with the judged k6 thresholds'),
  })
  .strict();

export type ReportModel = z.infer<typeof reportSchema>;
export type InputSummary = z.infer<typeof inputSummarySchema>;
export type Totals = z.infer<typeof totalsSchema>;

/**
 * Reads a report of this or an earlier schema version (a baseline from before an upgrade must still
 * load): version 1 kept a merge's facts in `analysis.merge`, beside an untyped analysis.
 */
export function parseReport(raw: unknown): ReturnType<typeof reportSchema.safeParse> {
  if (typeof raw === 'object' && raw !== null && (raw as { schemaVersion?: unknown }).schemaVersion === 1) {
    const { analysis, ...rest } = raw as Record<string, unknown> & { analysis?: Record<string, unknown> };
    const upgraded: Record<string, unknown> = { ...rest, schemaVersion: REPORT_SCHEMA_VERSION };
    if (analysis && typeof analysis === 'object') {
      const { merge, ...phaseAnalysis } = analysis;
      if (merge !== undefined) upgraded.merge = merge;
      if (Object.keys(phaseAnalysis).length) upgraded.analysis = phaseAnalysis;
    }
    return reportSchema.safeParse(upgraded);
  }
  return reportSchema.safeParse(raw);
}

/**
 * How a gate's message says its limit lies inside the histogram's error band (k6 could judge it the
 * other way): the evaluator appends it, and the one gate sentence keeps it.
 */
export const HDR_PRECISION_CAVEAT = '; the limit is within HDR precision';
