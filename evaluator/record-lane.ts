// What the main thread (record-router.ts) and a recording thread (record-worker.ts) share: a ring of
// records in shared memory, one writer and one reader, the series definitions on a port beside it,
// and the series as the thread hands them back at the end.
import type { MessagePort } from 'node:worker_threads';
import { BUCKET_SIGNIFICANT_DIGITS, Histogram, SIGNIFICANT_DIGITS, type HistogramTransfer } from '../model/histogram.js';
import { ExactValues, bucketOf, bucketStats, type BucketStats, type Series, type SeriesStore } from './series.js';

/** Float64 values per record: [series id, time, value, arrival number, flags], or a range record. */
export const RECORD_VALUES = 5;
/** Records per ring (2.6 MB): a power of two, so counters that wrap at 2^32 still index it. */
export const RING_RECORDS = 1 << 16;
export const RING_MASK = RING_RECORDS - 1;
/** The series id of a range record: [RANGE, bucket start, owner series id or -1, 0, 0] (SeriesStore.joinRange). */
export const RANGE = -1;
/** flags: the sample is an error; the series' exact values go for good, before this point (the budget is spent). */
export const IS_ERROR = 1;
export const DROP_EXACT = 2;

/**
 * ctl (Int32): records written (published), records read, 1 once the writer is done, 1 if the
 * reader failed, 1 while the reader sleeps (the writer wakes it only then: a wake is a system call).
 */
export const WRITTEN = 0;
export const READ = 1;
export const ENDED = 2;
export const FAILED = 3;
export const SLEEPING = 4;
export const CTL_SLOTS = 5;

export interface RecordTask {
  ring: Float64Array;
  ctl: SharedArrayBuffer;
  /** Series definitions (SeriesDefinition), in id order; posted before any record names them. */
  definitions: MessagePort;
  bucketWidthMs: number;
  maxBuckets: number;
  /** Metrics whose time buckets keep a histogram. */
  bucketHistograms: string[];
}

export interface SeriesDefinition {
  key: string;
  metric: string;
  tags: Record<string, string>;
  overflow: boolean;
  histogram: boolean;
}

interface BucketExport extends BucketStats {
  inexact: boolean;
  histIncomplete: boolean;
  hist: HistogramTransfer | null;
}

/** One series as its recording thread hands it back (in its own id order). */
export interface SeriesExport {
  hist: HistogramTransfer | null;
  histIncomplete: boolean;
  exact: { values: Float64Array; seqs: Float64Array } | null;
  /** In the series' own bucket order (whole-run sums add the buckets in it). */
  buckets: BucketExport[];
}

export type RecorderMessage = { series: SeriesExport[] } | { error: string };

export function exportSeries(s: Series): SeriesExport {
  return {
    hist: s.hist?.parts() ?? null,
    histIncomplete: s.histIncomplete,
    exact: s.exact === null ? null : { values: s.exact.values(), seqs: s.exact.seqs() },
    buckets: [...s.buckets.values()].map((b) => ({ ...bucketStats(b), inexact: b.inexact, histIncomplete: b.histIncomplete, hist: b.hist?.parts() ?? null })),
  };
}

/** Gives `s` (a routed store's series, still empty) what its recording thread recorded. */
export function restoreSeries(s: Series, store: SeriesStore, sent: SeriesExport): void {
  s.hist = sent.hist === null ? null : Histogram.fromParts(sent.hist, SIGNIFICANT_DIGITS);
  s.histIncomplete = sent.histIncomplete;
  if (sent.exact !== null) {
    const exact = new ExactValues(store.exactPool);
    // The router kept the budget for every series together: what one store would hold fits its pool.
    for (let i = 0; i < sent.exact.values.length; i++) {
      if (!exact.push(sent.exact.values[i]!, sent.exact.seqs[i]!)) throw new Error('recording threads: exact values past the budget');
    }
    s.exact = exact;
  } else s.exact = null;
  for (const sb of sent.buckets) {
    const b = bucketOf(sb);
    b.inexact = sb.inexact;
    b.histIncomplete = sb.histIncomplete;
    b.hist = sb.hist === null ? null : Histogram.fromParts(sb.hist, BUCKET_SIGNIFICANT_DIGITS);
    s.buckets.set(b.start, b);
  }
}
