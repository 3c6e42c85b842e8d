// What the probes found wrong over a run (a Celery queue that never existed: a misspelt name reads
// 0 and passes every depth gate) becomes a failed check in the report, beside the gates, and a note:
// the run cannot pass on a probe that measured nothing real.
import type { GateResult, ReportModel } from '../model/report.js';
import type { ProbeFinding } from '../probes/index.js';
import { drainCheck, drainNote, type QueueDrainResult } from './queue-drain.js';

export const PROBE_CHECK_GROUP = 'probe checks';

export function probeCheck(f: ProbeFinding): GateResult {
  return {
    id: `probe ${f.probe}${f.queue !== undefined ? ` (queue ${f.queue})` : ''}: measured something real`,
    group: PROBE_CHECK_GROUP,
    metric: 'probe_errors',
    expression: 'the probed key existed',
    severity: 'fail',
    window: null,
    phase: null,
    baseline: null,
    abortOnFail: false,
    observed: null,
    limit: null,
    worstWindowStart: null,
    verdict: 'fail',
    message: f.message,
    durationMs: 0,
  };
}

/**
 * Adds a failed check and a note per finding and per queue that did not drain (the verdict becomes
 * fail), and a note of how long each drained queue took. Returns the notes.
 */
export function addProbeChecks(report: ReportModel, findings: readonly ProbeFinding[], drained: readonly QueueDrainResult[] = []): string[] {
  // A queue that never existed drained nothing: its finding says so, a drain line would not.
  const real = drained.filter((d) => !findings.some((f) => f.probe === d.probe));
  const failed = [...findings.map(probeCheck), ...real.filter((d) => !d.drained).map(drainCheck)];
  report.gates.push(...failed);
  if (failed.length) report.verdict = 'fail';
  return [...findings.map((f) => `probe ${f.probe}: ${f.message}`), ...real.map(drainNote)];
}
