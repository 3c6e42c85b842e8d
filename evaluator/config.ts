// The `evaluate` and `gates` sections of the config file (issue 3).
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { defaultGateId } from '../model/gate-id.js';
import { durationTextField, validatedMs } from '../lib/duration.js';
import { LATENCY_METRIC } from '../model/metric-names.js';
import { driftInner, parseDriftThreshold, parseMetricRef, parseThreshold } from './thresholds.js';
import { compileGate } from './gates.js';

const duration = durationTextField();

/** `auto`, or a duration (its own messages when it is neither). */
const autoOrDuration = z.union([z.number(), z.string()]).transform((value, ctx) => {
  if (value === 'auto') return 'auto';
  const parsed = duration.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message });
  return z.NEVER;
});

export const metricKindOverrideSchema = z
  .object({
    kind: z.enum(['trend', 'counter', 'rate', 'gauge']).describe("the metric's k6 type"),
    isTime: z.boolean().default(false).describe('its values are milliseconds (shown as times in reports)'),
  })
  .strict();

export const evaluateSectionSchema = z
  .object({
    groupBy: z
      .array(z.string().min(1))
      .default(['name', 'group', 'scenario', 'method', 'status', 'status_class', 'error_code', 'expected_response', 'phase', 'probe', 'queue', 'gpu', 'service'])
      .describe('tags that make a series besides the metric (status_class from status, phase from chaos events, service from the run); tags in gate filters are added'),
    bucketWidth: autoOrDuration
      .default('auto')
      .describe('time bucket width; `auto`: `run` picks 1–10 s to fit its planned length and shortest fault, recorded for `evaluate --events`; else 10 s. Doubles past maxBuckets'),
    bucketHistograms: z
      .array(z.string().min(1))
      .default([LATENCY_METRIC])
      .describe('metrics whose buckets keep a histogram (p95 over time); windowed percentile gates add theirs; others keep count/sum/min/max'),
    maxBuckets: z
      .number()
      .int()
      .min(8)
      .max(100_000)
      .default(120)
      .describe('buckets per series at most: beyond it the width doubles and pairs merge exactly (memory is series × buckets)'),
    seriesCap: z
      .number()
      .int()
      .positive()
      .default(10_000)
      .describe("series at most; more tag sets fold into the metric's overflow series, which keeps the phase and the gate filters' tags (gates still count them)"),
    malformedTolerance: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe('allowed fraction (0–1) of malformed sample lines; beyond it the input is untrusted, exit 3. Env CHAOSGATE_MALFORMED_TOLERANCE'),
    reportProblems: z.number().int().min(0).max(1000).default(10).describe('how many malformed lines are reported with file:line and reason'),
    metricTypes: z
      .record(z.string(), metricKindOverrideSchema)
      .default({})
      .describe("types of metrics by name, for CSV input (k6's CSV has no type column; k6's built-in metrics are known)"),
    declaredThresholds: z.boolean().default(false).describe("also judge the thresholds k6 declared in the NDJSON's Metric lines (flag --declared-thresholds)"),
    baselineReport: z
      .string()
      .min(1)
      .optional()
      .describe('the previous JSON report, for `baseline: "report"` gates and a soak\'s drift comparison. Env CHAOSGATE_BASELINE_REPORT; flag --baseline'),
    missingBaseline: z
      .enum(['warn', 'fail'])
      .default('warn')
      .describe('no usable previous report for a gate against it (first night, expired, partial): warn = skipped with a note; fail = its severity (docs/soak.md)'),
    threads: z
      .number()
      .int()
      .min(1)
      .max(256)
      .optional()
      .describe('threads the evaluator may use (flag --threads); omitted: os.availableParallelism(); 1 = the main thread only (docs/evaluator.md, threads)'),
    workers: z.number().int().min(0).max(64).default(0).describe('the older name of `threads` (0 = one per core); `threads` wins when both are set'),
    parallelInputs: z
      .boolean()
      .default(false)
      .describe('several big inputs, 4+ threads: a state per input on its own thread, merged (faster for many gzip files; sums may differ in the last bits)'),
    workerMinBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024)
      .describe('files from this many bytes on (a gzip file counts 8 × its size) are read by a worker thread'),
  })
  .strict();

function fieldsParse(g: { metric: string; expression: string }): boolean {
  try {
    parseMetricRef(driftInner(g.metric) ?? g.metric);
  } catch {
    return false;
  }
  for (const parse of [parseThreshold, parseDriftThreshold]) {
    try {
      parse(g.expression);
      return true;
    } catch {
      // the other form may take it
    }
  }
  return false;
}

export const gateSchema = z
  .object({
    id: z.string().min(1).optional().describe('its name in the reports; omitted: `<metric>: <expression>`, plus the phase and window when set'),
    group: z.string().min(1).default('gates').describe('the JUnit testsuite it is reported in (also shown beside its id)'),
    metric: z
      .string()
      .superRefine((s, ctx) => {
        try {
          parseMetricRef(driftInner(s) ?? s);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      })
      .describe('a metric, tag-filtered as in k6: `http_req_duration{group:::ocr,method:POST}`; `drift(<metric>)`: a drift gate (docs/soak.md)'),
    expression: z
      .string()
      .superRefine((s, ctx) => {
        try {
          parseThreshold(s);
        } catch (err) {
          try {
            parseDriftThreshold(s);
          } catch {
            ctx.addIssue({ code: 'custom', message: `${(err as Error).message}; on a drift(<metric>) metric: slope_per_hour or change_pct <op> <number>` });
          }
        }
      })
      .describe('k6 threshold syntax, `p(95)<500`; the right side may be `baseline`, `baseline * 1.1`, `baseline + 50`; drift gates: `slope_per_hour<N`, `change_pct<N`'),
    severity: z.enum(['fail', 'warn']).default('fail').describe('fail: a breach fails the run (exit 99); warn: "pause the rollout", reported but never fails it'),
    window: duration
      .optional()
      .describe('every window of this length must hold (sliding by one bucket; a shorter span of samples does not pass); omitted: the whole run. Drift gates: slope windows (1m)'),
    phase: z.string().min(1).optional().describe('only samples of this phase (`baseline`, `recovery`, `fault:<id>`, a named phase); `fault:*` matches every fault phase'),
    baseline: z
      .string()
      .regex(/^(phase:.+|report)$/, 'must be "phase:<name>" or "report"')
      .optional()
      .describe('what `baseline` in the expression is: `phase:<name>` (another phase of this run) or `report` (the previous report)'),
    abortOnFail: z.boolean().default(false).describe('live: a breach stops the run while k6 is still running (`chaosgate run`)'),
    description: z.string().optional().describe('free text for whoever reads the config (not shown in the reports)'),
  })
  .strict()
  // What only the whole gate can say (a drift measure on a plain metric, `baseline` with none set): a config error here, not at the run's start.
  .superRefine((g, ctx) => {
    // The fields' own checks have said what is wrong with a field: once is enough.
    if (!fieldsParse(g)) return;
    try {
      compileGate(g, 0);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message.replace(/^gates\[0\] \(([^)]*)\): /, 'gate "$1": ') });
    }
  });

/** Two gates under one id would be two JUnit test cases of one name, and a baseline or a diff could pick either: refused. */
export const gatesSectionSchema = z.array(gateSchema).superRefine((gates, ctx) => {
  const first = new Map<string, number>();
  gates.forEach((g, i) => {
    const id = g.id ?? defaultGateId(g);
    const j = first.get(id);
    if (j === undefined) first.set(id, i);
    else
      ctx.addIssue({
        code: 'custom',
        path: [i, 'id'],
        message: `gate id "${id}" is also gates[${j}]'s: every gate needs its own id${g.id === undefined ? ' (this one is the default from its metric and expression; give it an id)' : ''}`,
      });
  });
});

export type EvaluateConfig = z.output<typeof evaluateSectionSchema>;

/** The threads the evaluator may use: `threads`, else the older `workers`, else one per core. */
export function evaluateThreads(config: Pick<EvaluateConfig, 'threads' | 'workers'>): number {
  return config.threads ?? (config.workers || availableParallelism());
}
export type EvaluateConfigInput = z.input<typeof evaluateSectionSchema>;

/** `auto` where nothing picked a width (no run, no run record): the width before `auto` existed. */
export const AUTO_FALLBACK_BUCKET_MS = 10_000;

/** What the report says of an `auto` width nothing picked. */
export const AUTO_FALLBACK_NOTE = 'auto, with no run record of a picked width (a run records it in its events file, read by `evaluate --events`): 10 s';

/** The bucket width in ms; `auto` unresolved is the 10 s fallback. */
export function bucketWidthMsOf(config: Pick<EvaluateConfig, 'bucketWidth'>): number {
  return config.bucketWidth === 'auto' ? AUTO_FALLBACK_BUCKET_MS : validatedMs(config.bucketWidth);
}
export type GateConfig = z.output<typeof gateSchema>;
export type GateConfigInput = z.input<typeof gateSchema>;
