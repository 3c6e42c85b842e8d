// Time buckets that do not fit the run: a one-minute run judged in six 10 s buckets, or a fault
// shorter than a bucket, gives recovery windows and fault spans that mix requests from before and
// after (issue 20: three faults "did not recover" at the 10 s default, all recovered at 1s). The run
// says so before k6 starts, with the width that fits; it does not change a width behind the
// user's back (`evaluate --events` replays a run with the config's width).
import { durationToMs } from '../lib/duration.js';

/** Fewer buckets than this over the planned length is too coarse. */
export const MIN_BUCKETS_PER_RUN = 30;

/** Whole seconds, at least 1 s: planned length / 60, no wider than the shortest fault. */
export function fittingBucketMs(plannedMs: number | null, faultMs: readonly number[]): number {
  let width = plannedMs === null ? Infinity : Math.floor(plannedMs / 60 / 1000) * 1000;
  for (const f of faultMs) width = Math.min(width, Math.floor(f / 1000) * 1000);
  return Math.max(1000, width);
}

/** The advice, or null when the width fits. */
export function bucketWidthAdvice(bucketMs: number, plannedMs: number | null, plan: readonly { id: string; duration?: unknown }[]): string | null {
  const faults = plan
    .map((p) => ({ id: p.id, ms: typeof p.duration === 'string' ? durationToMs(p.duration) : typeof p.duration === 'number' ? p.duration : null }))
    .filter((f): f is { id: string; ms: number } => f.ms !== null && f.ms > 0);
  // Buckets matter for the fault spans and recovery windows: a run without faults gets no advice.
  if (faults.length === 0) return null;
  const short = faults.filter((f) => f.ms < bucketMs);
  const coarse = plannedMs !== null && plannedMs / bucketMs < MIN_BUCKETS_PER_RUN;
  if (!short.length && !coarse) return null;
  const fit = fittingBucketMs(
    plannedMs,
    faults.map((f) => f.ms),
  );
  if (fit >= bucketMs) return null;
  const why = [
    ...(coarse ? [`a planned ${Math.round(plannedMs! / 1000)} s in ${bucketMs / 1000} s buckets`] : []),
    ...(short.length ? [`fault(s) ${short.map((f) => `${f.id} (${f.ms / 1000} s)`).join(', ')} shorter than a bucket`] : []),
  ];
  return `time buckets of ${bucketMs / 1000} s do not fit this run (${why.join('; ')}): recovery windows and fault spans mix in requests from around them; set evaluate.bucketWidth to ${fit / 1000}s`;
}
