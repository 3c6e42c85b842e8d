// Why a fault "did not recover", in words a reader can act on: the recovery window did not fit
// between the fault's end and the next fault (or the run's end); or, over the span after the fault,
// which condition was not met — p95 against baseline × factor, error rate against baseline + delta,
// queue depth against baseline + slack — observed against the limit; or that the span as a whole
// was within tolerance but no single window was. A fault shorter than a time bucket gets a warning
// whatever its status: its bucketed figures mix in requests from before or after it.
import type { Analysis, PhaseRow, Recovery } from '../model/analysis.js';
import type { ReportModel } from '../model/report.js';

const s1 = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
const ms1 = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(0)} ms`;
const pct = (v: number) => `${(v * 100).toFixed(2)} %`;

export function recoveryReasons(r: Recovery, phases: readonly PhaseRow[], faults: Analysis['faults'], bucketMs: number, runEnd: number): string[] {
  const reasons: string[] = [];
  const fault = faults.find((f) => f.id === r.faultId);
  if (fault && fault.off !== null && fault.off - fault.on < bucketMs) {
    reasons.push(
      `the fault lasted ${s1(fault.off - fault.on)}, shorter than the ${s1(bucketMs)} time buckets: its bucketed figures (recovery windows, split spans) mix in requests from outside it; set evaluate.bucketWidth to at most ${s1(Math.max(1000, Math.floor((fault.off - fault.on) / 1000) * 1000))}`,
    );
  }
  if (r.status !== 'did-not-recover') return reasons;
  if (r.faultEnd === null) return [...reasons, 'the fault was still on when the run ended'];
  const windowMs = Math.max(r.tolerance.windowMs, bucketMs);
  const sorted = [...faults].sort((a, b) => a.on - b.on);
  const next = sorted.find((f) => f.on >= r.faultEnd! && f.id !== r.faultId);
  const room = (next?.on ?? runEnd) - r.faultEnd;
  if (room < windowMs) {
    const until = next ? `the next fault (${next.id}) started` : 'the run ended';
    return [
      ...reasons,
      `the ${s1(windowMs)} recovery window did not fit: ${until} ${s1(Math.max(0, room))} after this fault ended (shorten run.recovery.window or evaluate.bucketWidth, or leave more time)`,
    ];
  }
  // The baseline row with requests (a named warm-up phase can leave an empty one before it).
  const base = phases.filter((p) => p.phase === 'baseline').sort((a, b) => b.requests - a.requests)[0];
  // The span after this fault: the row that starts where it ended (recovery:<id> or whatever phase follows).
  const after = phases.find((p) => p.start >= r.faultEnd! - 1 && !p.phase.startsWith('fault:'));
  if (!base || !after) return [...reasons, 'no window after the fault held requests within tolerance (no span after it to show figures for)'];
  const unmet: string[] = [];
  if (after.p95 !== null && base.p95 !== null && after.p95 > base.p95 * r.tolerance.p95Factor) {
    unmet.push(`p95 ${ms1(after.p95)} > ${ms1(base.p95 * r.tolerance.p95Factor)} (baseline ${ms1(base.p95)} × ${r.tolerance.p95Factor})`);
  }
  if (after.errorRate !== null && base.errorRate !== null && after.errorRate > base.errorRate + r.tolerance.errorRateDelta) {
    unmet.push(`error rate ${pct(after.errorRate)} > ${pct(base.errorRate + r.tolerance.errorRateDelta)} (baseline ${pct(base.errorRate)} + ${pct(r.tolerance.errorRateDelta)})`);
  }
  if (after.queueDepthMax !== null && base.queueDepthMax !== null && after.queueDepthMax > base.queueDepthMax + r.tolerance.queueDepthSlack) {
    unmet.push(
      `queue depth max ${after.queueDepthMax} > ${base.queueDepthMax + r.tolerance.queueDepthSlack} (baseline max ${base.queueDepthMax} + ${r.tolerance.queueDepthSlack})`,
    );
  }
  if (after.requests === 0) unmet.push(`no request in ${after.name} to judge`);
  if (unmet.length) return [...reasons, `over ${after.name} (${s1(after.end - after.start)}): ${unmet.join('; ')}`];
  return [
    ...reasons,
    `over ${after.name} as a whole p95, error rate and queue depth were within tolerance, but no ${s1(windowMs)} window starting on a ${s1(bucketMs)} bucket boundary was: the slow or failed requests sit in the first windows (a shorter evaluate.bucketWidth or run.recovery.window sees them pass sooner)`,
  ];
}

/** The analysis with each recovery's reasons (only where there is something to say). */
export function withRecoveryReasons(analysis: Analysis, report: ReportModel): Analysis {
  const runEnd = report.totals.lastTime ?? 0;
  return {
    ...analysis,
    recovery: analysis.recovery.map((r) => {
      const reasons = recoveryReasons(r, analysis.phases, analysis.faults, report.config.bucketWidthMs, runEnd);
      return reasons.length ? { ...r, reasons } : r;
    }),
  };
}
