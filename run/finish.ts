// The one place a report is finished, for `run`, `evaluate` and `merge` alike. From the report model
// the evaluator made and what happened around it (the timeline, the services, notes, a run that was
// interrupted, failed or did not happen as planned) it makes the final report — abort reason,
// partial flag, verdict, notes, the phase analysis, the built-in failed-requests guard, each gate's
// sentence — writes the reports asked for, and says the console lines and the exit code. Nothing
// changes the report after it, so the three commands give the same report for the same config,
// samples and events.
import { analyseRun, comparisonNotes, type AnalyseRunOptions } from '../analysis/timeline.js';
import { overflowNote } from '../evaluator/evaluation.js';
import { ChaosgateError, InputError } from '../lib/errors.js';
import { ExitCode } from '../lib/exit-codes.js';
import type { ServiceSummary } from '../model/analysis.js';
import { ERROR_RATE_METRIC, FAILED_METRIC, errorCountsOf, errorRate } from '../model/error-rate.js';
import type { GateResult, ReportModel } from '../model/report.js';
import { gateLine, gateSentence, gateTextContext } from '../reports/gate-text.js';
import { writeReport, type ReportFormat } from '../reports/index.js';

/** What happened around the evaluation (a run knows all of it; evaluate and merge none of it). */
export interface Happened {
  /** Stopped by SIGINT/SIGTERM: exit 130, never a pass. */
  interrupted?: boolean;
  /** Why the run stopped itself early (an abort gate breached): partial, never a pass, exit 99. */
  stopped?: string | null;
  /** An error inside the run: partial, never a pass; its exit code (1 unless it is a ChaosgateError). */
  failure?: unknown;
  /** Why the run did not happen as planned (k6 died or ran short, a fault never ran): exit 1, never a pass. */
  incomplete?: readonly string[];
  /** What was observed beside the gates (report.notes). */
  notes?: readonly string[];
}

/** The services of a run (run/services.ts RunServices): their summaries and the untagged-requests note. */
export interface ServiceFacts {
  summaries(report: ReportModel): ServiceSummary[];
  untaggedNote(report: ReportModel): string | null;
}

export interface FinishOptions {
  happened?: Happened;
  /** The phase analysis (a run, or evaluate/merge with --events); none without a timeline. */
  analysis?: AnalyseRunOptions | null;
  services?: ServiceFacts | null;
  /** The reports to write. */
  reports?: ReadonlyArray<{ format: ReportFormat; path: string }>;
  /** Words before the totals line, e.g. "3 states merged: ". */
  what?: string;
  /** Where the reports are, for the totals line (a run's folder). */
  reportsIn?: string;
}

export interface Finished {
  report: ReportModel;
  /** The exit code (lib/exit-codes.ts); when `error` is set, the error's. */
  exitCode: number;
  /** The console lines: one per gate, the overflow, notes, what made the run incomplete, the totals and verdict. */
  lines: string[];
  /** To throw once the lines are out (the CLI prints its message and exits with its code): a failed run, untrusted input. */
  error: ChaosgateError | null;
}

/**
 * The built-in guard: a run in which at least this fraction of the requests failed (the error rate
 * of `chaosgate_error_rate`: failed requests plus dropped iterations) fails, unless a fail-level gate
 * judges the error rate itself (`http_req_failed` or `chaosgate_error_rate`). A service down for the
 * whole run answers every request at once with an error, so a run gated on latency alone would pass.
 */
export const FAILED_REQUESTS_GUARD = 0.5;
export const FAILED_REQUESTS_GUARD_ID = 'chaosgate: most requests failed';

const baseMetric = (metric: string) => (metric.includes('{') ? metric.slice(0, metric.indexOf('{')) : metric).trim();

/** The guard's gate result when it fires, else null (docs/gates.md "The failed-requests guard"). */
export function failedRequestsGuard(report: ReportModel): GateResult | null {
  // Nothing judged (--allow-no-gates, a shard's state for merge): nothing to guard.
  if (report.gates.length === 0) return null;
  if (report.gates.some((g) => g.severity === 'fail' && [FAILED_METRIC, ERROR_RATE_METRIC].includes(baseMetric(g.metric)))) return null;
  const rate = errorRate(errorCountsOf(report.series));
  if (rate === null || rate < FAILED_REQUESTS_GUARD) return null;
  return {
    id: FAILED_REQUESTS_GUARD_ID,
    group: 'chaosgate',
    metric: ERROR_RATE_METRIC,
    expression: `rate<${FAILED_REQUESTS_GUARD}`,
    severity: 'fail',
    window: null,
    phase: null,
    baseline: null,
    abortOnFail: false,
    observed: rate,
    limit: FAILED_REQUESTS_GUARD,
    worstWindowStart: null,
    verdict: 'fail',
    message: '',
    durationMs: 0,
  };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Finishes `report` (fresh from the evaluator, not yet shown to anyone): see the file comment.
 * Verdict rules: an interrupted, failed, self-stopped (abort gate) or incomplete run — or a report
 * already partial, which then counts as incomplete — is partial and never passes (verdict fail);
 * untrusted input fails (the evaluator says so); else the gates', the failed-requests guard among
 * them. Exit codes, first that applies: the failure's, 130 interrupted, 1 incomplete, 3 untrusted,
 * 99 verdict fail, 0.
 */
export async function finishReport(report: ReportModel, opts: FinishOptions = {}): Promise<Finished> {
  const happened = opts.happened ?? {};
  const incomplete = [...(happened.incomplete ?? [])];
  const notes = [...(happened.notes ?? [])];
  const interrupted = happened.interrupted === true;
  const failed = happened.failure !== undefined && happened.failure !== null;
  const now = Date.now();

  const guard = failedRequestsGuard(report);
  if (guard) {
    report.gates.push(guard);
    report.verdict = 'fail';
  }
  // The first reason wins (an abort gate or overrun the run recorded live comes first).
  const stopped = interrupted
    ? 'interrupted (SIGINT/SIGTERM)'
    : failed
      ? `run failed: ${errorMessage(happened.failure)}`
      : incomplete.length
        ? `the run did not happen as planned: ${incomplete.join('; ')}`
        : null;
  if (stopped !== null) report.abort ??= { reason: stopped, time: now };
  else if (happened.stopped) report.abort ??= { reason: happened.stopped, time: now };
  else if (report.partial) {
    // Partial before it came here (a stopped shard's state merged, input that ended early) and
    // nothing here says why: it did not happen as planned either.
    incomplete.push(`the report is partial: ${report.abort?.reason ?? 'the input ended early'}`);
  }
  report.partial ||= stopped !== null || Boolean(happened.stopped);
  // Never a pass for a run that did not happen as planned: interrupted, failed, stopped early, incomplete.
  if (report.partial) report.verdict = 'fail';

  const untagged = opts.services?.untaggedNote(report) ?? null;
  if (untagged) notes.push(untagged);
  if (notes.length) report.notes = [...(report.notes ?? []), ...notes];
  if (opts.analysis) {
    report.analysis = analyseRun(report, opts.analysis);
    const services = opts.services?.summaries(report) ?? [];
    if (services.length) report.analysis.services = services;
    const differ = comparisonNotes(report.analysis);
    if (differ.length) report.notes = [...(report.notes ?? []), ...differ];
  }
  // Each gate's sentence, built once from its fields: every writer and the console read it.
  const text = gateTextContext(report);
  for (const g of report.gates) g.message = gateSentence(g, text);

  // One report that does not fit (disk full) does not cost the others; the run then exits as an error.
  const written: string[] = [];
  const unwritten: Error[] = [];
  for (const { format, path } of opts.reports ?? []) {
    await writeReport(format, report, path).then(
      () => written.push(path),
      (err: Error) => unwritten.push(err),
    );
  }

  const lines = report.gates.map((g) => gateLine(g, text));
  const overflow = overflowNote(report);
  if (overflow) lines.push(overflow);
  for (const n of report.notes ?? []) lines.push(`note: ${n}`);
  for (const why of incomplete) lines.push(`INCOMPLETE ${why}`);
  const t = report.totals;
  lines.push(
    `${opts.what ?? ''}${t.points} samples, ${t.series} series, ${t.malformed} malformed${threadsText(report)}; verdict ${report.verdict}${report.partial ? ' (partial)' : ''}${opts.reportsIn ? `; reports in ${opts.reportsIn}` : ''}`,
  );

  let error: ChaosgateError | null = null;
  let exitCode: number;
  if (failed && !interrupted) {
    const f = happened.failure;
    error =
      f instanceof ChaosgateError ? f : new ChaosgateError(`run failed: ${errorMessage(f)}${opts.reportsIn ? `; partial reports in ${opts.reportsIn}` : ''}`, ExitCode.internal);
    exitCode = error.exitCode;
  } else if (interrupted) exitCode = ExitCode.interrupted;
  else if (incomplete.length) exitCode = ExitCode.internal;
  else if (!t.trusted) {
    const where = t.problems.map((p) => `\n  ${p.source}:${p.line}: ${p.reason}`).join('');
    error = new InputError(`input not trusted: ${t.malformed} of ${t.pointsRead} sample lines malformed (tolerance ${t.malformedTolerance})${where}`);
    exitCode = error.exitCode;
  } else exitCode = report.verdict === 'fail' ? ExitCode.gateFailed : ExitCode.pass;
  if (unwritten.length) {
    const what = `reports not written:\n${unwritten.map((u) => `  - ${u.message}`).join('\n')}${written.length ? `\nwritten: ${written.join(', ')}` : ''}`;
    // A path refused as a report target (a folder, a block device) is a usage error (exit 2); a write that failed (disk full) is 1.
    const refused = unwritten.find((u): u is ChaosgateError => u instanceof ChaosgateError && u.exitCode !== ExitCode.internal);
    if (error) lines.push(what);
    else {
      error = new ChaosgateError(what, refused?.exitCode ?? ExitCode.internal);
      exitCode = error.exitCode;
    }
  }
  return { report, exitCode, lines, error };
}

/** ", 3 of 8 threads": the threads the evaluation used and those it was allowed (none in older reports). */
export function threadsText(report: ReportModel): string {
  const th = report.config.threads;
  return th ? `, ${th.used} of ${th.allowed} thread${th.allowed === 1 ? '' : 's'}` : '';
}
