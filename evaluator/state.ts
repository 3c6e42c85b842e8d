// A mergeable evaluation state (issue 12): everything a later merge needs to give the report of one
// evaluation over all the shards' samples — per series the whole-run HDR histogram and the time
// buckets (exact stats, bucket histograms), the metrics' kinds, declared thresholds and counts,
// input and malformed-line accounting, the phase events, and the settings that must match.
// HDR histograms with the same digits add up exactly, and so do the counters, so a merge of N
// shards' states equals evaluating their samples in one process. Sums are floating-point: they
// equal the one-process sums up to the order of additions (within 1e-12 relative), as a
// one-process evaluation of the same files in another order would.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { BaselineReports } from './baseline.js';
import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { InputError, UsageError } from '../lib/errors.js';
import { ExitCode } from '../lib/exit-codes.js';
import { CHAOSGATE_VERSION } from '../lib/version.js';
import type { EvaluateConfigInput, GateConfigInput } from './config.js';
import { createEvaluation, refuseRefusedGates, type Evaluation, type EvaluationOptions, type MergeParts } from './evaluation.js';
import { BUCKET_SIGNIFICANT_DIGITS, Histogram, SIGNIFICANT_DIGITS } from '../model/histogram.js';
import { inputProblemSchema, inputSummarySchema, metricKindSchema, type ReportModel } from '../model/report.js';
import type { PhaseEvent } from './phases.js';
import type { InputFormat } from './readers/index.js';
import { Bucket, EXACT_PER_SERIES, HISTOGRAM_SCALE, Series, bucketOf, bucketStats } from './series.js';

export const STATE_FORMAT = 'chaosgate-evaluation-state';
/** Bump on any change an older merge would misread. 2: exact values per series (k6's percentiles); 3: k6's VU gauges kept per input (`__input`, instance-gauges.ts). */
export const STATE_VERSION = 3;

/** An optional number: JSON has no Infinity, and an empty evaluation has no first/last time. */
const time = z.number().nullable();

const bucketStateSchema = z
  .object({
    start: z.number(),
    count: z.number().int().nonnegative(),
    errors: z.number().int().nonnegative(),
    sum: z.number(),
    min: z.number(),
    max: z.number(),
    nonzero: z.number().int().nonnegative(),
    last: z.number(),
    lastTime: z.number(),
    firstTime: z.number(),
    histogram: z.string().optional(),
  })
  .strict();

const seriesStateSchema = z
  .object({
    key: z.string(),
    metric: z.string(),
    tags: z.record(z.string(), z.string()),
    overflow: z.boolean(),
    histogram: z.string().nullable().describe('whole-run HDR histogram, compressed base64; null: no histogram kept'),
    histogramIncomplete: z.boolean().describe('some values could not go into the histogram (negative, or above ~9e9)'),
    exact: z
      .object({ values: z.array(z.number()), seqs: z.array(z.number().int().nonnegative()) })
      .strict()
      .nullable()
      .describe("every value exactly, with its arrival number in this state's input (the exact-value budget); null: not kept"),
    buckets: z.array(bucketStateSchema),
  })
  .strict();

const phaseEventSchema = z.union([
  z.object({ time: z.number(), phase: z.string() }).strict(),
  z.object({ time: z.number(), faultId: z.string(), action: z.enum(['on', 'off']) }).strict(),
]);

/** The settings two states must share to merge exactly (compared one by one, by name). */
const settingsSchema = z
  .object({
    histogramEncoding: z.literal('hdr-compressed-base64'),
    histogramScale: z.number(),
    significantDigits: z.number().int(),
    bucketSignificantDigits: z.number().int(),
    groupBy: z.array(z.string()),
    bucketWidthMs: z.number().positive(),
    maxBuckets: z.number().int().positive(),
    seriesCap: z.number().int().positive(),
    bucketHistograms: z.array(z.string()),
    phaseLabels: z.boolean(),
  })
  .strict();
export type StateSettings = z.infer<typeof settingsSchema>;

export const stateSchema = z
  .object({
    format: z.literal(STATE_FORMAT),
    version: z.number().int(),
    /** Made anew for each state written: a merge refuses the same state twice (a copy too). Absent in older states. */
    id: z.string().optional(),
    tool: z.string(),
    settings: settingsSchema,
    /** The width the buckets have now (the base width doubled while the run grew). */
    currentBucketWidthMs: z.number().positive(),
    metrics: z.array(
      z
        .object({
          name: z.string(),
          kind: z.object({ kind: metricKindSchema, isTime: z.boolean() }).strict().nullable(),
          thresholds: z.array(z.string()),
          count: z.number().int().nonnegative(),
        })
        .strict(),
    ),
    inputs: z.array(inputSummarySchema),
    problems: z.array(inputProblemSchema),
    counts: z
      .object({
        pointsRead: z.number().int().nonnegative(),
        points: z.number().int().nonnegative(),
        malformed: z.number().int().nonnegative(),
        firstTime: time,
        lastTime: time,
      })
      .strict(),
    abort: z.object({ reason: z.string(), time: z.number() }).strict().nullable(),
    partialInput: z.boolean(),
    phaseEvents: z.array(phaseEventSchema),
    /** The gate filters whose tags its samples past the cap kept; absent (older states): none known. */
    overflowFilters: z.array(z.string()).optional(),
    series: z.array(seriesStateSchema),
  })
  .strict();
export type EvaluationState = z.infer<typeof stateSchema>;

const finiteOrNull = (n: number): number | null => (Number.isFinite(n) ? n : null);

function settingsOf(p: MergeParts): StateSettings {
  return {
    histogramEncoding: 'hdr-compressed-base64',
    histogramScale: HISTOGRAM_SCALE,
    significantDigits: SIGNIFICANT_DIGITS,
    bucketSignificantDigits: BUCKET_SIGNIFICANT_DIGITS,
    ...p.settings,
  };
}

/** The state of `ev` now (the evaluation goes on unchanged: frozen histograms stay frozen). */
export function exportState(ev: Evaluation): EvaluationState {
  const p = ev.mergeParts();
  const series = [...p.store.byKey.values()].map((s) => ({
    key: s.key,
    metric: s.metric,
    tags: s.tags,
    overflow: s.overflow,
    histogram: s.hist === null ? null : s.hist.encode(),
    histogramIncomplete: s.histIncomplete,
    exact: s.exact === null ? null : { values: Array.from(s.exact.values()), seqs: Array.from(s.exact.seqs()) },
    buckets: [...s.buckets.values()].sort((a, b) => a.start - b.start).map((b) => ({ ...bucketStats(b), ...(b.hist !== null ? { histogram: b.hist.encode() } : {}) })),
  }));
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    id: randomUUID(),
    tool: CHAOSGATE_VERSION,
    settings: settingsOf(p),
    currentBucketWidthMs: p.store.bucketWidthMs,
    metrics: p.metrics.map((m) => ({ name: m.name, kind: m.kind ?? null, thresholds: m.thresholds, count: m.count })),
    inputs: p.inputs,
    problems: p.problems,
    counts: { ...p.counts, firstTime: finiteOrNull(p.counts.firstTime), lastTime: finiteOrNull(p.counts.lastTime) },
    abort: p.abort,
    partialInput: p.partialInput,
    phaseEvents: p.phaseEvents,
    overflowFilters: p.overflowFilters,
    series,
  };
}

/** Writes `ev`'s state as JSON (gzip when the path ends in .gz). */
export async function writeState(ev: Evaluation, path: string): Promise<void> {
  const text = JSON.stringify(exportState(ev));
  await writeFileAtomic(path, path.endsWith('.gz') ? gzipSync(text) : text);
}

/** Reads a state file (plain or gzip JSON); unreadable or not a state: exit 3; another version: exit 2. */
export async function readState(path: string): Promise<EvaluationState> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new InputError(`state ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes).toString('utf8') : bytes.toString('utf8');
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InputError(`state ${path}: not a JSON state (${(err as Error).message})`);
  }
  const head = parsed as { format?: unknown; version?: unknown } | null;
  if (head === null || typeof head !== 'object' || head.format !== STATE_FORMAT) {
    throw new InputError(`state ${path}: not a chaosgate evaluation state (format is not "${STATE_FORMAT}")`);
  }
  if (head.version !== STATE_VERSION) {
    throw new UsageError(`state ${path}: setting version is ${JSON.stringify(head.version)}, this chaosgate merges version ${STATE_VERSION}`);
  }
  const result = stateSchema.safeParse(parsed);
  if (!result.success) {
    const first = result.error.issues[0]!;
    throw new InputError(`state ${path}: ${first.path.join('.')}: ${first.message}`);
  }
  return result.data;
}

export interface NamedState {
  /** Where it came from (a path), for messages. */
  name: string;
  state: EvaluationState;
}

/** Refuses states that cannot merge exactly, naming the first setting that differs. */
export function checkSettings(states: NamedState[], expected: StateSettings, expectedFrom: string): void {
  for (const { name, state } of states) {
    for (const key of Object.keys(expected) as Array<keyof StateSettings>) {
      const a = JSON.stringify(state.settings[key]);
      const b = JSON.stringify(expected[key]);
      if (a !== b) throw new UsageError(`state ${name}: setting ${key} is ${a}, ${expectedFrom} has ${b}: states merge only with equal settings`);
    }
  }
  const events = JSON.stringify(states[0]!.state.phaseEvents);
  for (const { name, state } of states.slice(1)) {
    if (JSON.stringify(state.phaseEvents) !== events) {
      throw new UsageError(`state ${name}: setting phaseEvents (the chaos events) differs from ${states[0]!.name}'s: shards of one run share one timeline`);
    }
  }
}

function bucketFrom(b: EvaluationState['series'][number]['buckets'][number], keepHistogram: boolean): Bucket {
  const out = bucketOf(b);
  if (b.histogram !== undefined && keepHistogram) out.hist = Histogram.decode(b.histogram, BUCKET_SIGNIFICANT_DIGITS);
  return out;
}

type SeriesState = EvaluationState['series'][number];

/**
 * Adds one series' parts from every state into the store at `width` (a multiple of every state's
 * bucket width), then freezes its bucket histograms: series by series, so only one series' bucket
 * histograms are live at a time (WebAssembly memory grows to its peak and never shrinks). A
 * histogram the merged evaluation does not keep (a shard that never saw the metric's declaration
 * kept one for an unknown kind) is left out, as one process knowing the kind would not keep it.
 */
function absorbSeries(store: MergeParts['store'], parts: Array<{ series: SeriesState; seqOffset: number }>, width: number): void {
  const first = parts[0]!.series;
  let s = store.byKey.get(first.key);
  if (s === undefined && !first.overflow && store.byKey.size >= store.opts.seriesCap) {
    // Past the cap, as one evaluation reading the shards' samples in this order would be: the tag
    // set goes into its metric's overflow series, keeping what a sample past the cap keeps.
    s = store.overflowFor(first.metric, store.opts.overflowTags?.(first.metric, first.tags) ?? {});
  } else if (s === undefined) {
    s = first.overflow ? store.overflowFor(first.metric, first.tags) : new Series(store, first.key, first.metric, first.tags, false, store.opts.wantsHistogram(first.metric));
    store.byKey.set(s.key, s);
  }
  const keepHistograms = s.hist !== null;
  for (const { series: ss, seqOffset } of parts) {
    if (ss.histogram !== null && s.hist !== null) s.hist.mergeEncoded(ss.histogram);
    if (ss.histogramIncomplete) s.histIncomplete = true;
    // Exact values while every shard kept them and they fit the budget, as in one evaluation;
    // arrival numbers continue across states in input order, as one evaluation numbers them.
    if (ss.exact === null || ss.exact.values.length + (s.exact?.length ?? 0) > EXACT_PER_SERIES) s.dropExact();
    else if (s.exact !== null) {
      for (let i = 0; i < ss.exact.values.length; i++) {
        if (s.exact.push(ss.exact.values[i]!, ss.exact.seqs[i]! + seqOffset)) continue;
        s.dropExact(); // the pool is spent
        break;
      }
    }
    for (const sb of ss.buckets) {
      const b = bucketFrom(sb, keepHistograms);
      const start = Math.floor(b.start / width) * width;
      let target = s.buckets.get(start);
      if (target === undefined) {
        target = new Bucket(start);
        s.buckets.set(start, target);
      }
      target.absorb(b); // copied into an auto-resizing histogram: a decoded one has a fixed range
      b.destroy();
    }
  }
  for (const b of s.buckets.values()) b.hist?.freeze();
}

/**
 * The width a one-process evaluation of all the samples ends with: the base width doubled until
 * the buckets from the earliest to the latest fit in maxBuckets (as SeriesStore coarsens).
 */
function finalWidth(store: MergeParts['store'], width: number, maxBuckets: number): number {
  let min = Infinity;
  let max = -Infinity;
  for (const s of store.byKey.values()) {
    for (const start of s.buckets.keys()) {
      if (start < min) min = start;
      if (start > max) max = start;
    }
  }
  if (!Number.isFinite(min)) return width;
  while (Math.floor(max / width) - Math.floor(min / width) + 1 > maxBuckets) width *= 2;
  return width;
}

export interface MergeOptions extends Omit<EvaluationOptions, 'phaseLabels'> {
  config?: EvaluateConfigInput;
  gates?: GateConfigInput[];
}

export interface MergeResult {
  evaluation: Evaluation;
  /** Things the merge noticed that the user should know (clock skew between shards). */
  warnings: string[];
}

/**
 * One evaluation holding the merge of `states`, its gates from `opts` (the shards' config): its
 * finish() gives the report an evaluation of all the shards' samples in one process gives.
 */
export function mergeStates(states: NamedState[], opts: MergeOptions = {}): MergeResult {
  if (states.length === 0) throw new UsageError('merge: no states given');
  refuseRepeatedStates(states);
  const first = states[0]!.state;
  const ev = createEvaluation(opts.config ?? {}, opts.gates ?? [], { ...opts, phaseLabels: first.settings.phaseLabels });
  try {
    const parts = ev.mergeParts();
    checkSettings(states, settingsOf(parts), 'the config');
    for (const e of first.phaseEvents) ev.addPhaseEvent(e as PhaseEvent);
    let width = parts.settings.bucketWidthMs;
    for (const { state } of states) width = Math.max(width, state.currentBucketWidthMs);
    // Every state's metrics first: a kind one shard declared decides which histograms the merge keeps.
    for (const { state } of states) {
      ev.absorbParts({
        metrics: state.metrics.map((m) => ({ ...m, kind: m.kind ?? undefined })),
        inputs: state.inputs,
        problems: state.problems,
        counts: { ...state.counts, firstTime: state.counts.firstTime ?? Infinity, lastTime: state.counts.lastTime ?? -Infinity },
        abort: state.abort,
        partialInput: state.partialInput,
      });
    }
    const seriesParts = new Map<string, Array<{ series: SeriesState; seqOffset: number }>>();
    let seqOffset = 0;
    for (const { state } of states) {
      for (const ss of state.series) {
        const part = { series: ss, seqOffset };
        const list = seriesParts.get(ss.key);
        if (list === undefined) seriesParts.set(ss.key, [part]);
        else list.push(part);
      }
      seqOffset += state.counts.points;
    }
    // Series in the order the shards' evaluations made them (state by state): the cap keeps the
    // tag sets one evaluation of the shards' samples, one input after another, would keep.
    parts.store.seq = seqOffset;
    for (const list of seriesParts.values()) absorbSeries(parts.store, list, width);
    for (const { state } of states) {
      const overflowed = new Set(state.series.filter((x) => x.overflow && x.buckets.length > 0).map((x) => x.metric));
      if (overflowed.size) ev.noteStateOverflow(state.overflowFilters ?? null, overflowed);
    }
    const final = finalWidth(parts.store, width, parts.settings.maxBuckets);
    if (final !== width) for (const s of parts.store.byKey.values()) s.rebucket(final);
    parts.store.bucketWidthMs = final;
    return { evaluation: ev, warnings: skewWarnings(states, final) };
  } catch (err) {
    ev.dispose();
    throw err;
  }
}

/** The same state twice (by its id: a copy under another name too) would count every sample twice: refused. */
export function refuseRepeatedStates(states: readonly NamedState[]): void {
  const seen = new Map<string, string>();
  for (const { name, state } of states) {
    if (state.id === undefined) continue;
    const first = seen.get(state.id);
    if (first !== undefined) throw new UsageError(`state ${name} is the same state as ${first} (id ${state.id}): its samples would count twice; give each state once`);
    seen.set(state.id, name);
  }
}

/**
 * Shards start together and end together (k6-operator starts every runner at once), and their
 * clocks are assumed synchronised (NTP: milliseconds). A first or last sample more than one bucket
 * apart hints at clock skew (windows shifted) — or at a ramp that gives a shard its first VU later.
 */
function skewWarnings(states: NamedState[], widthMs: number): string[] {
  const out: string[] = [];
  const withData = states.filter((s) => s.state.counts.firstTime !== null && s.state.counts.lastTime !== null);
  for (const edge of ['firstTime', 'lastTime'] as const) {
    const times = withData.map((s) => ({ name: s.name, t: s.state.counts[edge]! }));
    if (times.length < 2) continue;
    const lo = times.reduce((a, b) => (b.t < a.t ? b : a));
    const hi = times.reduce((a, b) => (b.t > a.t ? b : a));
    if (hi.t - lo.t > widthMs) {
      const which = edge === 'firstTime' ? 'first' : 'last';
      out.push(
        `shards' timelines disagree by ${hi.t - lo.t} ms (more than one ${widthMs} ms bucket): ${lo.name}'s ${which} sample at ${new Date(lo.t).toISOString()}, ${hi.name}'s at ${new Date(hi.t).toISOString()} — clock skew shifts windows and phases`,
      );
    }
  }
  return out;
}

/** Finishes a merge into its report, the merge's facts and warnings under `merge`. */
export function finishMerge(merged: MergeResult, names: string[]): ReportModel {
  const model = merged.evaluation.finish();
  model.merge = { states: names, warnings: merged.warnings };
  // Shown by every writer (`merge` is JSON only).
  if (merged.warnings.length) model.notes = [...(model.notes ?? []), ...merged.warnings.map((w) => `merge: ${w}`)];
  return model;
}

// ---- many large inputs in parallel ------------------------------------------------------------

/** What the state worker (state-worker.ts) is given, and what it answers. */
export interface StateTask {
  path: string;
  format?: InputFormat;
  config: EvaluateConfigInput;
  gates: GateConfigInput[];
  phaseEvents: PhaseEvent[];
}

export type StateMessage = { state: EvaluationState } | { error: string; exitCode: number | null };

/** The bundled state worker beside this module (dist/); null when run from source. */
export function stateWorkerScript(): URL | null {
  const url = new URL('./evaluator-state-worker.mjs', import.meta.url);
  return url.protocol === 'file:' && existsSync(url) ? url : null;
}

export interface ParallelOptions {
  script: URL;
  threads: number;
  config: EvaluateConfigInput;
  gates: GateConfigInput[];
  format?: InputFormat;
  phaseEvents: PhaseEvent[];
  baselineReport: BaselineReports | null;
  testRunDurationMs?: number;
}

function stateInWorker(path: string, opts: ParallelOptions): Promise<EvaluationState> {
  const task: StateTask = { path, format: opts.format, config: opts.config, gates: opts.gates, phaseEvents: opts.phaseEvents };
  const worker = new Worker(opts.script, { workerData: task });
  return new Promise<EvaluationState>((resolve, reject) => {
    worker.once('message', (msg: StateMessage) => {
      if ('state' in msg) resolve(msg.state);
      else reject(msg.exitCode === ExitCode.usage ? new UsageError(msg.error) : msg.exitCode === ExitCode.unreadableInput ? new InputError(msg.error) : new Error(msg.error));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the evaluating thread for ${path} stopped (exit ${code})`)));
  }).finally(() => void worker.terminate());
}

/**
 * Evaluates each input to a state in its own worker thread (at most `threads` at once), then
 * merges the states in input order: the report of evaluating them one after another in one
 * evaluation (sums up to the order of additions), with every core busy.
 */
export async function evaluateInParallel(inputs: string[], opts: ParallelOptions): Promise<ReportModel> {
  const states: NamedState[] = new Array(inputs.length);
  let next = 0;
  let failed: unknown = null;
  const lane = async () => {
    while (failed === null && next < inputs.length) {
      const i = next++;
      try {
        states[i] = { name: inputs[i]!, state: await stateInWorker(inputs[i]!, opts) };
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.threads, inputs.length) }, lane));
  if (failed !== null) throw failed;
  const merged = mergeStates(states, {
    config: opts.config,
    gates: opts.gates,
    format: opts.format,
    baselineReport: opts.baselineReport,
    testRunDurationMs: opts.testRunDurationMs,
  });
  try {
    refuseRefusedGates(merged.evaluation);
  } catch (err) {
    merged.evaluation.dispose();
    throw err;
  }
  return merged.evaluation.finish();
}
