// The whole-file API the CLI wraps: inputs in, report model out.
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { formatIssues } from '../lib/zod-issues.js';
import { ConfigError, InputError } from '../lib/errors.js';
import { evaluateSectionSchema, evaluateThreads, type EvaluateConfigInput, type GateConfigInput } from './config.js';
import { createEvaluation, refuseRefusedGates, type Evaluation, type EvaluationOptions } from './evaluation.js';
import { createPipeCut, isGzipFile, isLiveSource, pipeReadByOne, readSource, refuseRepeatedInputs } from './input.js';
import { startPipeDrain, takeEarlyDrain, type PipeDrain } from './pipe-drain.js';
import { BatchConsumer } from './batch-channel.js';
import { createRing } from './scan.js';
import type { ScanMessage, ScanTask } from './worker.js';
import { parseReport, type InputSummary, type ReportModel } from '../model/report.js';
import type { PhaseEvent } from './phases.js';
import type { InputFormat } from './readers/index.js';
import { newestBaseline, type BaselineReports } from './baseline.js';
import { evaluateInParallel, stateWorkerScript, writeState } from './state.js';
import { recordWorkerScript } from './record-router.js';

export interface EvaluateOptions {
  config?: { evaluate?: EvaluateConfigInput; gates?: GateConfigInput[] };
  format?: InputFormat;
  /** Chaos events of the run, to label samples with phases. */
  phaseEvents?: PhaseEvent[];
  /** Label samples with phases even when `phaseEvents` is empty (a run's events file without faults). */
  phaseLabels?: boolean;
  /** A previous report, or several (their median; overrides evaluate.baselineReport). */
  baselineReport?: BaselineReports;
  /** Also write the mergeable state here (evaluator/state.ts), before the report is made. */
  statePath?: string;
  /** Many large inputs: one state per input in worker threads, then the merge (default: evaluate.parallelInputs). */
  parallelInputs?: boolean;
  /** Tags derived from a sample's own (the `service` tag, run/services.ts), as a run adds them. */
  deriveTags?: EvaluationOptions['deriveTags'];
  /** k6's test run duration in ms, for counters' `rate` (EvaluationOptions.testRunDurationMs). */
  testRunDurationMs?: number;
  /** How an `auto` bucket width was picked (the run's record in its events file), for the report. */
  bucketWidthPicked?: string;
}

/** The bundled worker beside this module (dist/, or the benchmark's bundle); null when run from source. */
function workerScript(): URL | null {
  const url = new URL('./evaluator-worker.mjs', import.meta.url);
  return url.protocol === 'file:' && existsSync(url) ? url : null;
}

/**
 * Slots of the record ring: batches the reading thread may be ahead (128 KB each, 4 MB). Enough to
 * cover the main thread's longest pause (merging buckets when a run coarsens them, ~130 ms at
 * 20 M points) without making the reader wait long.
 */
const RING_SLOTS = 32;

/**
 * Threads from which files are also recorded off the main thread (record-router.ts): below, the
 * main thread records and the others read (on 2 cores a recording thread only competes with them).
 */
export const RECORDING_MIN_THREADS = 4;
/**
 * Reading threads per recording thread: parsing a line costs ~5× recording its points (2-core
 * profile: reading threads ~0.4 µs a point, the main thread's recording ~0.1 µs).
 */
const READERS_PER_RECORDER = 5;

/**
 * At most this many recording and reading threads for a file: the main thread routes ~15 M points
 * a second (0.06–0.07 µs each, docs/benchmarks.md), which 3 recording threads (~0.08 µs a point
 * each) and 12 reading threads (~0.3 µs) already outpace; more would only cost memory (~13–20 MB
 * each). So a file uses at most 16 threads, whatever the machine has.
 */
const MAX_RECORDERS = 3;
const MAX_FILE_READERS = 12;

/** Recording threads for `threads` threads (0: the main thread records). */
export function recordingThreads(threads: number): number {
  return threads < RECORDING_MIN_THREADS ? 0 : Math.min(MAX_RECORDERS, Math.max(1, Math.round((threads - 1) / (READERS_PER_RECORDER + 1))));
}

/** Reading threads of a big plain NDJSON file: READERS, or the threads left when recording threads take the recording (at most MAX_FILE_READERS). */
export function fileReaders(threads: number, recorders: number): number {
  return recorders > 0 ? Math.min(MAX_FILE_READERS, Math.max(READERS, threads - 1 - recorders)) : Math.min(READERS, threads);
}

/** Threads from which many large inputs are evaluated to states in parallel and merged. */
export const PARALLEL_INPUTS_MIN_THREADS = 4;

/** A gzip file counts as this many times its size (k6's NDJSON compresses ~20×). */
const GZIP_SIZE_FACTOR = 8;

/** Whether `path` is a regular file of at least `minBytes` of text (anything else is read here). */
async function bigFile(path: string, minBytes: number): Promise<boolean> {
  if (path === '-') return false;
  try {
    const st = await stat(path);
    if (!st.isFile()) return false;
    if (st.size >= minBytes) return true;
    return st.size * GZIP_SIZE_FACTOR >= minBytes && isGzipFile(path);
  } catch {
    return false; // readSource reports it
  }
}

/** Batches the main thread applies per turn of its event loop (timers and signals run between). */
const BATCHES_PER_TURN = 64;

/**
 * A plain NDJSON file read by a worker thread is parsed by READERS reading threads at once, in
 * blocks of at most BLOCK_BYTES (at least 8 blocks): parsing is most of the work, and one reading
 * thread left the main thread ~75 % idle (profile at 2 M points).
 */
const READERS = 2;
const BLOCK_BYTES = 8 << 20;
/**
 * Two readers from 4 × workerMinBytes (256 MB by default) on: the second reader's heap and tables
 * cost ~50 MB, which a 72 MB file of 500 k distinct metric names (bench:evaluator's cardinality
 * row) took from 287 to 335 MB peak RSS, over its 300 MB bound; at 2 M points (530 MB) and more
 * the second reader is what pays.
 */
const READERS_MIN_FACTOR = 4;

/**
 * Reading threads of a live source: every thread but the main one (which records), at most
 * LIVE_READERS. k6's fastest output here is ~20 MB/s, ~0.4 cores of parsing; 4 readers parse 4×
 * that and leave the other cores to k6. CSV (given as such) has a header every line depends on: one.
 */
const LIVE_READERS = 4;

export function liveReaders(threads: number, format: InputFormat | undefined): number {
  return format === 'csv' ? 1 : Math.max(1, Math.min(threads - 1, LIVE_READERS));
}

function blockBytes(fileBytes: number): number {
  return Math.max(1 << 16, Math.min(BLOCK_BYTES, Math.ceil(fileBytes / 8)));
}

/** Whether `path` is a plain file whose first byte opens a JSON object (NDJSON: no CSV header to share). */
function plainNdjson(path: string): boolean {
  try {
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(1);
      return readSync(fd, head, 0, 1, 0) === 1 && head[0] === 0x7b && !isGzipFile(path);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/**
 * Reads `path` in worker threads (lines checked and parsed there, gzip inflated on the thread pool)
 * while this thread records the points they hand on (Evaluation.ingestBatch, in file order): one
 * set of histograms. A plain NDJSON file is cut into blocks read by `readers` threads at once (block
 * k by thread k % readers); anything else is read by one.
 */
async function readInWorkers(
  ev: Evaluation,
  script: URL,
  path: string,
  {
    format,
    drain,
    readers,
    live,
    name = path,
    copyFd,
  }: {
    format: InputFormat | undefined;
    drain: PipeDrain | undefined;
    readers: number;
    live: boolean;
    /** The source's name in the report (a path by default). */
    name?: string;
    /** Live: cut in blocks (also for one reader), each also written gzip-compressed to this file. */
    copyFd?: number;
  },
): Promise<void> {
  // A small young generation for gzip (and live input, never opened twice): its output buffers
  // (native memory, freed only when their JS objects are collected) do not pile up. Peak RSS at
  // 20 M gzip points: 218–245 MB with 8 MB, 190–198 MB with 4 MB, 185–193 MB with 2 MB; speed
  // within noise. Plain files have no such buffers, and there 16 MB took ~17 % less CPU than 2 MB
  // (scavenges copying the 64 KB pieces being parsed) for +5–9 MB (2 M points of real k6 output),
  // but only where two readers share the work (from 256 MB on): on the 72 MB file of 500 k metric
  // names it took peak RSS from 280–295 MB to 299–312 MB, past that file's 300 MB bound.
  const youngMb = readers > 1 && !live ? 16 : 2;
  const bytes = readers > 1 && !live ? blockBytes((await stat(path)).size) : 0;
  // Several readers of a live source share one draining thread, and take turns cutting its ring.
  const blocks = live && (readers > 1 || copyFd !== undefined);
  const ownDrain = blocks && drain === undefined ? startPipeDrain(path) : null;
  drain ??= ownDrain?.drain;
  const cut = blocks ? createPipeCut() : null;
  let liveBytes = 0;
  const consumers: BatchConsumer[] = [];
  const rings: Float64Array[] = [];
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      /** The block being applied (its reader is block % readers), and the lines before it. */
      let block = 0;
      let lineBase = 0;
      let blockLines = 0;
      let scheduled = false;
      const pump = () => {
        try {
          for (let applied = 0; ; applied++) {
            if (applied === BATCHES_PER_TURN) {
              if (!scheduled) {
                scheduled = true;
                setImmediate(() => {
                  scheduled = false;
                  pump();
                });
              }
              return;
            }
            const reader = block % readers;
            const batch = consumers[reader]!.take();
            if (batch === null) {
              if (done === readers) resolve();
              return; // its reader sends a wake message when it publishes
            }
            // A block's line numbers start at 1: made the file's here.
            if (lineBase > 0) for (const e of batch.events) if (e.kind === 'declare' || e.kind === 'malformed') e.line += lineBase;
            ev.ingestBatch(name, batch, rings[reader]!, readers > 1 ? `${name}\u0000${reader}` : name, lineBase);
            consumers[reader]!.release();
            blockLines += batch.lines;
            if (batch.endOfBlock) {
              block++;
              lineBase += blockLines;
              blockLines = 0;
            }
          }
        } catch (err) {
          reject(err as Error);
        }
      };
      for (let index = 0; index < readers; index++) {
        const consumer = new BatchConsumer(RING_SLOTS);
        consumers.push(consumer);
        rings.push(createRing(RING_SLOTS));
        const task: ScanTask = {
          path,
          format: readers > 1 && !live ? 'ndjson' : format,
          ring: rings[index]!,
          channel: consumer.channel,
          drain,
          live,
          blocks: readers > 1 && !live ? { index, count: readers, bytes } : undefined,
          pipeBlocks: cut ? { index, count: readers, cut, copyFd } : undefined,
        };
        const worker = new Worker(script, { workerData: task, transferList: [consumer.channel.events], resourceLimits: { maxYoungGenerationSizeMb: youngMb } });
        workers.push(worker);
        let finished = false;
        worker.on('message', (msg: ScanMessage) => {
          // A failed write of the copy (copyFd) is no input error: its owner says what failed.
          if ('error' in msg) return reject(msg.copyCode !== undefined ? Object.assign(new Error(msg.error), { code: msg.copyCode, copyFailed: true }) : new InputError(msg.error));
          if ('done' in msg) {
            finished = true;
            done++;
            liveBytes += msg.bytes;
          }
          pump();
        });
        worker.once('error', reject);
        // A reader that is done may end while the others still read.
        worker.once('exit', (code) => finished || reject(new Error(`the reading thread for ${path} stopped (exit ${code})`)));
      }
    });
  } finally {
    for (const c of consumers) c.close();
    for (const w of workers) void w.terminate();
    ownDrain?.stop();
  }
  if (cut && pipeReadByOne(cut)) {
    ev.describeSource(name, { threads: 1 });
    return;
  }
  if (cut) ev.describeSource(name, { gzip: false, bytes: liveBytes });
  else if (readers > 1) ev.describeSource(name, { gzip: false, bytes: (await stat(path)).size });
  ev.describeSource(name, { threads: readers });
}

/** Whether live input can be read on reading threads here (the bundled worker exists: dist/, not a run from source). */
export function canReadLiveInWorkers(threads: number): boolean {
  return threads > 1 && workerScript() !== null;
}

/**
 * A live NDJSON source already drained by `drain` (run's k6 FIFO), read into `ev` by `readers`
 * reading threads while this thread records, under the source name `name`; every block is
 * also written gzip-compressed to `copyFd`. Needs canReadLiveInWorkers.
 */
export async function readLiveInWorkers(ev: Evaluation, path: string, opts: { name: string; readers: number; drain: PipeDrain; copyFd: number }): Promise<void> {
  const script = workerScript();
  if (script === null) throw new Error('the reading threads need the bundled worker (dist/evaluator-worker.mjs)');
  await readInWorkers(ev, script, path, { format: 'ndjson', drain: opts.drain, readers: opts.readers, live: true, name: opts.name, copyFd: opts.copyFd });
}

async function allBig(paths: string[], minBytes: number): Promise<boolean> {
  for (const p of paths) if (!(await bigFile(p, minBytes))) return false;
  return true;
}

/** Reads a previous run's JSON report for baseline gates; a bad one is unreadable input (exit 3). */
export async function loadReport(path: string): Promise<ReportModel> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InputError(`baseline report ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new InputError(`baseline report ${path}: not JSON (${(err as Error).message})`);
  }
  const result = parseReport(parsed);
  if (!result.success) {
    const first = result.error.issues[0]!;
    throw new InputError(`baseline report ${path}: not a chaosgate report (${first.path.join('.')}: ${first.message})`);
  }
  return result.data;
}

/**
 * A report.json, or a folder: every `*.json` in it and every `<dir>/report.json` one level down
 * (what `gh run download` leaves per run), newest first. An empty folder is exit 3, naming it.
 */
export async function loadBaseline(path: string): Promise<BaselineReports> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new InputError(`baseline report ${path}: ${err.code ?? err.message}`);
  });
  if (!info.isDirectory()) return loadReport(path);
  const files: string[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.isFile() && entry.name.endsWith('.json')) files.push(join(path, entry.name));
    else if (entry.isDirectory()) {
      const inner = join(path, entry.name, 'report.json');
      if (
        await stat(inner)
          .then((s) => s.isFile())
          .catch(() => false)
      )
        files.push(inner);
    }
  }
  if (files.length === 0) throw new InputError(`baseline reports ${path}: a folder without a report (*.json, or */report.json)`);
  const reports = await Promise.all(files.map((f) => loadReport(f)));
  return reports.sort((x, y) => (x.createdAt < y.createdAt ? 1 : -1));
}

/** The previous run(s) a run compares with: the newest report (its comparison) and all of them (the gates' median). */
export async function loadPrevious(path: string): Promise<{ source: string; report: ReportModel; all: BaselineReports }> {
  const all = await loadBaseline(path);
  return { source: path, report: newestBaseline(all)!, all };
}

/**
 * Zero samples is never a pass: inputs that together gave none (empty files, `</dev/null`, only
 * declarations) are unreadable input, whatever the gates are. Judged over all inputs together: an
 * idle shard's empty file beside the others' is no error (its summary shows 0 points).
 */
export function refuseNoSamples(inputs: readonly string[], summaries: readonly InputSummary[], trusted: boolean): void {
  if (summaries.some((s) => s.points > 0)) return;
  // Malformed lines beyond the tolerance are reported with file:line by the caller (exit 3 too).
  if (!trusted && summaries.some((s) => s.malformed > 0)) return;
  const each = inputs.map((input) => {
    const s = summaries.find((x) => x.source === input);
    const what = !s || s.lines === 0 ? 'it is empty' : `${s.lines} lines but not one sample${s.malformed ? `, ${s.malformed} malformed` : ''}`;
    return { name: input === '-' ? '(stdin)' : input, what };
  });
  if (each.length === 1) throw new InputError(`input ${each[0]!.name}: no samples (${each[0]!.what}); zero samples is never a pass`);
  const listed = each.slice(0, 5).map((e) => `${e.name} (${e.what})`);
  if (each.length > 5) listed.push(`… (${each.length} in all)`);
  throw new InputError(`inputs ${listed.join(', ')}: no samples in any of them; zero samples is never a pass`);
}

export async function evaluate(inputs: string[], opts: EvaluateOptions = {}): Promise<ReportModel> {
  await refuseRepeatedInputs(inputs);
  const parsed = evaluateSectionSchema.safeParse(opts.config?.evaluate ?? {});
  if (!parsed.success) throw new ConfigError('evaluate', formatIssues(parsed.error));
  const evaluateConfig = parsed.data;
  const baselinePath = evaluateConfig.baselineReport;
  const baselineReport = opts.baselineReport ?? (baselinePath ? await loadBaseline(baselinePath) : null);
  let ev;
  try {
    ev = createEvaluation(evaluateConfig, opts.config?.gates ?? [], {
      format: opts.format,
      phaseLabels: opts.phaseLabels === true || (opts.phaseEvents?.length ?? 0) > 0,
      baselineReport,
      deriveTags: opts.deriveTags,
      testRunDurationMs: opts.testRunDurationMs,
      bucketWidthPicked: opts.bucketWidthPicked,
    });
  } catch (err) {
    throw new ConfigError('gates', [(err as Error).message]);
  }
  for (const e of opts.phaseEvents ?? []) ev.addPhaseEvent(e);
  const script = workerScript();
  const threads = evaluateThreads(evaluateConfig);
  // Many large inputs (shards' outputs), when asked (evaluate.parallelInputs): one state per input
  // in worker threads, then the merge — its sums add each input's, so not to the bit. From 4
  // threads: on 2 cores one evaluation with its reading thread was faster (bench:merge, 20 M
  // points in 8 files: 36 s vs 47 s), as each state thread parses and records alone.
  const stateScript = stateWorkerScript();
  if (
    stateScript &&
    !opts.phaseLabels &&
    !opts.deriveTags &&
    (opts.parallelInputs ?? evaluateConfig.parallelInputs) &&
    threads >= PARALLEL_INPUTS_MIN_THREADS &&
    inputs.length > 1 &&
    !opts.statePath &&
    (await allBig(inputs, evaluateConfig.workerMinBytes))
  ) {
    ev.dispose();
    const model = await evaluateInParallel(inputs, {
      script: stateScript,
      threads,
      config: evaluateConfig,
      gates: opts.config?.gates ?? [],
      format: opts.format,
      phaseEvents: opts.phaseEvents ?? [],
      baselineReport,
      testRunDurationMs: opts.testRunDurationMs,
    });
    refuseNoSamples(inputs, model.inputs, model.totals.trusted);
    // The state threads, one input each (this thread waits, then merges).
    model.config.threads = { allowed: threads, used: Math.min(threads, inputs.length) };
    return model;
  }
  try {
    // Live input (stdin, a FIFO) too: a reading thread drains the pipe whatever this thread does.
    const plans = [];
    for (const input of inputs) {
      const live = await isLiveSource(input);
      const ownThread = live || (await bigFile(input, evaluateConfig.workerMinBytes));
      plans.push({ input, live, ownThread, large: !live && ownThread && (await bigFile(input, READERS_MIN_FACTOR * evaluateConfig.workerMinBytes)) });
    }
    // Large files (as for a second reading thread: the 72 MB file of 500 k metric names, one
    // reader, stays at 279–295 MB peak RSS; with a recording thread too, 330–420 MB) and threads to
    // spare: the recording moves off this thread too.
    const recorders = recordingThreads(threads);
    const recordScript = recorders > 0 && script && plans.every((p) => !p.live) && plans.some((p) => p.large) ? recordWorkerScript() : null;
    if (recordScript) ev.recordOnThreads(recordScript, recorders);
    for (const { input, live, ownThread, large } of plans) {
      // stdin's draining thread may be running already (the CLI's entry starts it for `evaluate -`).
      const drain = takeEarlyDrain(input);
      if (script && threads > 1 && ownThread) {
        const readers = live ? liveReaders(threads, opts.format) : opts.format !== 'csv' && large && plainNdjson(input) ? fileReaders(threads, recordScript ? recorders : 0) : 1;
        await readInWorkers(ev, script, input, { format: opts.format, drain, readers, live });
      } else await readSource(ev, input, drain);
    }
    await ev.collectRecorded();
    refuseRefusedGates(ev);
    // A shard's state may hold nothing (an idle runner): the merge judges all shards together.
    if (opts.statePath) await writeState(ev, opts.statePath);
    else refuseNoSamples(inputs, ev.inputSummaries(), ev.trusted);
  } catch (err) {
    ev.dispose(); // frees the histograms
    throw err;
  }
  return ev.finish();
}
