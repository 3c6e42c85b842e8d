// Time buckets that fit the run: a one-minute run judged in six 10 s buckets, or a fault shorter
// than a bucket, gives recovery windows and fault spans that mix requests from before and after
// (issue 20: three faults "did not recover" at 10 s buckets, all recovered at 1 s). With
// `evaluate.bucketWidth: auto` (the default) the run picks the width that fits before k6 starts and
// records it in its events file, so `evaluate --events` replays with the same width; a width the
// user set is kept, with a note when it does not fit.
import { AUTO_FALLBACK_BUCKET_MS } from '../evaluator/config.js';
import { durationToMs, validatedMs } from '../lib/duration.js';

/** Fewer buckets than this over the planned length is too coarse. */
export const MIN_BUCKETS_PER_RUN = 30;

/** Whole seconds, at least 1 s: planned length / 60, no wider than the shortest fault. */
export function fittingBucketMs(plannedMs: number | null, faultMs: readonly number[]): number {
  let width = plannedMs === null ? Infinity : Math.floor(plannedMs / 60 / 1000) * 1000;
  for (const f of faultMs) width = Math.min(width, Math.floor(f / 1000) * 1000);
  return Math.max(1000, width);
}

type PlanFaults = readonly { id: string; duration?: unknown }[];

/** The plan's faults with a duration, in ms. */
function faultSpans(plan: PlanFaults): { id: string; ms: number }[] {
  return plan
    .map((p) => ({ id: p.id, ms: typeof p.duration === 'string' ? durationToMs(p.duration) : typeof p.duration === 'number' ? p.duration : null }))
    .filter((f): f is { id: string; ms: number } => f.ms !== null && f.ms > 0);
}

const sec = (ms: number) => `${Number((ms / 1000).toFixed(3))} s`;

export interface RunBucketWidth {
  ms: number;
  /** Set when `auto` picked it: how (the report's config and the events file's record say it). */
  picked?: string;
  /** `auto` and faults shorter than the narrowest bucket (1 s): what that means. */
  note?: string;
}

/**
 * The run's bucket width: the one set, or for `auto` the widest whole second (1–10 s) giving at
 * least 60 buckets over the planned length (k6 inspect), no wider than the shortest fault, and
 * dividing every gate window (so each window is judged over exactly its length).
 * Unknown length and no faults: 10 s, the width before `auto`.
 */
export function runBucketWidth(setting: string, plannedMs: number | null, plan: PlanFaults, gateWindowsMs: readonly number[] = []): RunBucketWidth {
  if (setting !== 'auto') return { ms: validatedMs(setting) };
  const faults = faultSpans(plan);
  const fitted = Math.min(
    AUTO_FALLBACK_BUCKET_MS,
    fittingBucketMs(
      plannedMs,
      faults.map((f) => f.ms),
    ),
  );
  // A gate's window is judged in whole buckets: a 10 s window in 3 s buckets would be judged over
  // 12 s, which can average a short breach away. Narrower, so that every window is whole buckets.
  const windows = [...new Set(gateWindowsMs)];
  let ms = fitted;
  while (ms > 1000 && windows.some((w) => w % ms !== 0)) ms -= 1000;
  const shortest = faults.reduce<{ id: string; ms: number } | undefined>((a, f) => (a === undefined || f.ms < a.ms ? f : a), undefined);
  const from = [
    plannedMs === null ? 'the planned length unknown' : `at least 60 buckets over the planned ${sec(plannedMs)} (k6 inspect)`,
    ...(shortest ? [`no wider than the shortest fault ${shortest.id} (${sec(shortest.ms)})`] : []),
    ...(ms < fitted ? [`dividing every gate window (${windows.map(sec).join(', ')})`] : []),
  ];
  const short = faults.filter((f) => f.ms < ms);
  return {
    ms,
    picked: `auto: ${sec(ms)}, picked by the run (${from.join('; ')}; whole seconds, 1 to 10 s)`,
    ...(short.length
      ? {
          note: `fault(s) ${short.map((f) => `${f.id} (${sec(f.ms)})`).join(', ')} shorter than the narrowest time bucket (${sec(ms)}): their bucketed figures (fault span, recovery windows) mix in requests from around them; each recovery says so`,
        }
      : {}),
  };
}

/** The advice, or null when the width fits. */
export function bucketWidthAdvice(bucketMs: number, plannedMs: number | null, plan: PlanFaults): string | null {
  const faults = faultSpans(plan);
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
