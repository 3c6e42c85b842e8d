// The whole-file API the CLI wraps: inputs in, report model out.
import { readFile } from 'node:fs/promises';
import { ConfigError, InputError } from '../lib/errors.js';
import type { EvaluateConfigInput, GateConfigInput } from './config.js';
import { createEvaluation } from './evaluation.js';
import { readSource } from './input.js';
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
  const evaluateConfig = opts.config?.evaluate ?? {};
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
  try {
    for (const input of inputs) await readSource(ev, input);
  } catch (err) {
    ev.finish(); // frees the histograms
    throw err;
  }
  return ev.finish();
}
