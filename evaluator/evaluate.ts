// The whole-file API the CLI wraps: inputs in, report model out.
import { existsSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { formatIssues } from '../config/index.js';
import { ConfigError, InputError } from '../lib/errors.js';
import { evaluateSectionSchema, type EvaluateConfigInput, type GateConfigInput } from './config.js';
import { createEvaluation, type Evaluation, type EvaluationState } from './evaluation.js';
import { fileChunks, forEachText, readSource } from './input.js';
import { reportSchema, type ReportModel } from './model.js';
import type { PhaseEvent } from './phases.js';
import type { InputFormat } from './readers/index.js';

export interface EvaluateOptions {
  config?: { evaluate?: EvaluateConfigInput; gates?: GateConfigInput[] };
  format?: InputFormat;
  /** Chaos events of the run, to label samples with phases. */
  phaseEvents?: PhaseEvent[];
  /** A previous report (overrides evaluate.baselineReport). */
  baselineReport?: ReportModel;
}

/** What one worker thread evaluates: whole lines in bytes [start, end) of a plain NDJSON file. */
export interface WorkerTask {
  path: string;
  start: number;
  end: number;
  evaluate: EvaluateConfigInput;
  phaseEvents: PhaseEvent[];
}

/** The bundled worker beside this module (dist/, or the benchmark's bundle); null when run from source. */
function workerScript(): URL | null {
  const url = new URL('./evaluator-worker.mjs', import.meta.url);
  return url.protocol === 'file:' && existsSync(url) ? url : null;
}

/**
 * Byte ranges on line boundaries for `workers` threads, or null when the input cannot be split:
 * stdin/FIFO, gzip (one stream), CSV (the header is in the first range only), or a small file.
 */
async function planRanges(path: string, workers: number, minBytes: number, format: InputFormat | undefined): Promise<number[] | null> {
  if (path === '-' || workers < 2 || format === 'csv') return null;
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile() || st.size < minBytes) return null;
    size = st.size;
  } catch {
    return null; // readSource reports it
  }
  const fh = await open(path, 'r');
  try {
    const probe = Buffer.alloc(1 << 16);
    const { bytesRead } = await fh.read(probe, 0, probe.length, 0);
    const head = probe.subarray(0, bytesRead);
    if (head[0] === 0x1f && head[1] === 0x8b) return null;
    if (!head.toString('latin1').trimStart().startsWith('{')) return null;
    const bounds = [0];
    for (let k = 1; k < workers; k++) {
      const from = Math.floor((size * k) / workers);
      const { bytesRead: n } = await fh.read(probe, 0, probe.length, from);
      const nl = probe.subarray(0, n).indexOf(0x0a);
      if (nl < 0) continue;
      const at = from + nl + 1;
      if (at > bounds.at(-1)! && at < size) bounds.push(at);
    }
    bounds.push(size);
    return bounds.length > 2 ? bounds : null;
  } finally {
    await fh.close();
  }
}

/**
 * Reads `path` split at `bounds`: the main thread reads the first range itself while one worker
 * thread per further range reads the others (one isolate fewer than a worker per range, and the
 * main thread's share needs no merging); then the workers' states are merged in, exactly.
 */
async function readSplit(ev: Evaluation, script: URL, path: string, bounds: number[], base: Omit<WorkerTask, 'start' | 'end'>): Promise<void> {
  const workers: Worker[] = [];
  const runs = bounds.slice(1, -1).map(
    (start, i) =>
      new Promise<EvaluationState>((resolve, reject) => {
        const task: WorkerTask = { ...base, start, end: bounds[i + 2]! };
        // A small young generation: the scanner's garbage dies young anyway, and peak RSS
        // measured ~45 MB lower with 8 MB (2 M points, 2 workers) at no cost in time.
        const w = new Worker(script, { workerData: task, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
        workers.push(w);
        w.once('message', (msg: EvaluationState | { error: string }) => {
          if ('error' in msg) reject(new InputError(`${path}: ${msg.error}`));
          else resolve(msg);
          void w.terminate();
        });
        w.once('error', reject);
      }),
  );
  try {
    await forEachText(fileChunks(path, 0, bounds[1]!), (text, start, end, lineNo) => ev.ingestText(text, start, end, path, lineNo));
  } catch (err) {
    for (const w of workers) void w.terminate();
    await Promise.allSettled(runs);
    throw new InputError(`${path}: ${(err as Error).message}`);
  }
  const states = await Promise.all(runs);
  ev.describeSource(path, { gzip: false, bytes: bounds.at(-1)!, threads: states.length + 1 });
  ev.absorbStates(states, path);
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
  const result = reportSchema.safeParse(parsed);
  if (!result.success) {
    const first = result.error.issues[0]!;
    throw new InputError(`baseline report ${path}: not a chaosgate report (${first.path.join('.')}: ${first.message})`);
  }
  return result.data;
}

export async function evaluate(inputs: string[], opts: EvaluateOptions = {}): Promise<ReportModel> {
  const parsed = evaluateSectionSchema.safeParse(opts.config?.evaluate ?? {});
  if (!parsed.success) throw new ConfigError('evaluate', formatIssues(parsed.error));
  const evaluateConfig = parsed.data;
  const baselinePath = evaluateConfig.baselineReport;
  const baselineReport = opts.baselineReport ?? (baselinePath ? await loadReport(baselinePath) : null);
  let ev;
  try {
    ev = createEvaluation(evaluateConfig, opts.config?.gates ?? [], {
      format: opts.format,
      phaseLabels: (opts.phaseEvents?.length ?? 0) > 0,
      baselineReport,
    });
  } catch (err) {
    throw new ConfigError('gates', [(err as Error).message]);
  }
  for (const e of opts.phaseEvents ?? []) ev.addPhaseEvent(e);
  const script = workerScript();
  const workers = evaluateConfig.workers || availableParallelism();
  const splitMinBytes = evaluateConfig.splitMinBytes;
  try {
    for (const input of inputs) {
      const bounds = script ? await planRanges(input, workers, splitMinBytes, opts.format) : null;
      if (bounds && script) {
        await readSplit(ev, script, input, bounds, { path: input, evaluate: evaluateConfig, phaseEvents: opts.phaseEvents ?? [] });
      } else {
        await readSource(ev, input);
      }
    }
  } catch (err) {
    ev.dispose(); // frees the histograms
    throw err;
  }
  return ev.finish();
}
