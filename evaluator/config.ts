// The `evaluate` and `gates` sections of the config file (issue 3).
import { z } from 'zod';
import { durationTextField } from '../lib/duration.js';
import { parseMetricRef, parseThreshold } from './thresholds.js';

const duration = durationTextField();

export const metricKindOverrideSchema = z
  .object({ kind: z.enum(['trend', 'counter', 'rate', 'gauge']), isTime: z.boolean().default(false) })
  .strict();

export const evaluateSectionSchema = z
  .object({
    /**
     * Tags that make a series, besides the metric. `status_class` is derived from `status` (2xx…);
     * `phase` is set from chaos events (baseline / fault:<id> / recovery); `probe` and `queue` keep
     * queue probes' gauges apart; `service` splits by service (the run's services, or the script's own tag).
     */
    groupBy: z
      .array(z.string().min(1))
      .default(['name', 'group', 'scenario', 'method', 'status_class', 'expected_response', 'phase', 'probe', 'queue', 'service']),
    bucketWidth: duration.default('10s'),
    /**
     * Metrics whose time buckets keep a histogram (p95 over time for charts); metrics of windowed
     * percentile gates are added. Others keep count/sum/min/max per bucket: far less memory.
     */
    bucketHistograms: z.array(z.string().min(1)).default(['http_req_duration']),
    /** When a run outgrows this many buckets, the width doubles (pairs merge exactly). */
    maxBuckets: z.number().int().min(8).max(100_000).default(120),
    seriesCap: z.number().int().positive().default(10_000),
    /** Allowed fraction of malformed sample lines (0 = none): beyond it the input is untrusted, exit 3. */
    malformedTolerance: z.number().min(0).max(1).default(0),
    /** How many malformed lines are reported with file:line and reason. */
    reportProblems: z.number().int().min(0).max(1000).default(10),
    /** Kinds of metrics a CSV cannot declare (k6's CSV has no type column); built-ins are known. */
    metricTypes: z.record(z.string(), metricKindOverrideSchema).default({}),
    /** Also judge the thresholds k6 declared in the NDJSON's Metric lines. */
    declaredThresholds: z.boolean().default(false),
    /** A previous run's JSON report for `baseline: "report"` gates. */
    baselineReport: z.string().optional(),
    /**
     * Threads for big files: 0 = as many as there are cores, 1 = only the main thread; with 2 or
     * more, a worker thread reads and parses each big file while the main thread records it.
     */
    workers: z.number().int().min(0).max(64).default(0),
    /** Files (plain or gzip) at least this big are read by a worker thread. */
    workerMinBytes: z.number().int().positive().default(64 * 1024 * 1024),
  })
  .strict();

export const gateSchema = z
  .object({
    id: z.string().min(1).optional(),
    group: z.string().min(1).default('gates'),
    /** A metric, optionally tag-filtered as in k6: `http_req_duration{group:::ocr,method:POST}`. */
    metric: z.string().superRefine((s, ctx) => {
      try {
        parseMetricRef(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
    /** k6 threshold syntax, `p(95)<500`; beyond k6 the right side may be `baseline`, `baseline * 1.1`, `baseline + 50`. */
    expression: z.string().superRefine((s, ctx) => {
      try {
        parseThreshold(s);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    }),
    severity: z.enum(['fail', 'warn']).default('fail'),
    /** Must hold in every window of this length (sliding by one bucket). */
    window: duration.optional(),
    /** Only samples of this phase; `fault:*` matches every fault phase. */
    phase: z.string().min(1).optional(),
    /** `phase:<name>` (another phase of this run) or `report` (evaluate.baselineReport). */
    baseline: z.string().regex(/^(phase:.+|report)$/, 'must be "phase:<name>" or "report"').optional(),
    /** Live: a breach aborts the run (the orchestrator polls checkGates). */
    abortOnFail: z.boolean().default(false),
    description: z.string().optional(),
  })
  .strict();

export const gatesSectionSchema = z.array(gateSchema);

export type EvaluateConfig = z.output<typeof evaluateSectionSchema>;
export type EvaluateConfigInput = z.input<typeof evaluateSectionSchema>;
export type GateConfig = z.output<typeof gateSchema>;
export type GateConfigInput = z.input<typeof gateSchema>;
