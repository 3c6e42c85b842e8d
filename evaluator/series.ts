// Series: samples grouped by metric + selected tags, each with exact running stats, an HDR
// histogram for trends and time buckets. Memory is bounded by the series cap (extra series fold
// into one overflow series per metric) and by the bucket count (the width doubles past the cap).
import { Histogram, BUCKET_SIGNIFICANT_DIGITS } from '../model/histogram.js';

/**
 * Trend values are recorded in the HDR histograms as round(value * 1e6): nanoseconds for
 * millisecond metrics, so a value down to 0.0005 (0.5 µs) is still within 0.1 %. HDR takes
 * integers up to 2^53: values above HISTOGRAM_MAX_VALUE (~9e9) or below 0 cannot be recorded
 * (the series then says so, see Series.histogramIncomplete); they are still kept exactly while
 * the series fits the exact-value budget.
 */
export const HISTOGRAM_SCALE = 1e6;
export const HISTOGRAM_MAX_VALUE = Math.floor(Number.MAX_SAFE_INTEGER / HISTOGRAM_SCALE);

/**
 * The exact-value budget (k6 parity): a series with a histogram (a Trend, or a metric of unknown
 * kind) also keeps every value exactly, with its arrival number, while it holds at most
 * EXACT_PER_SERIES values and the store's pool (EXACT_TOTAL values, in chunks of EXACT_CHUNK) has
 * room; its percentiles, median and mean are then k6's to the bit. A series that goes past either
 * drops its values for good (its chunks go back to the pool) and is judged from its histogram.
 */
export const EXACT_PER_SERIES = 100_000;
export const EXACT_TOTAL = 200_000;
// Small chunks: many series with few values each (one per URL) must not spend the pool on empty
// slots (with 256, 4 000 one-value series ran it dry after 781 and fell back to the histogram).
export const EXACT_CHUNK = 16;

/**
 * The store's exact values: one allocation of EXACT_TOTAL values and arrival numbers (3.2 MB,
 * made at the first value; its pages count only once written), handed out in chunks. Growable
 * arrays per series measured +12 MB peak RSS at 20 M points for 3.2 MB of values: their freed
 * growth steps stayed in malloc's arenas.
 */
export class ExactPool {
  private values: Float64Array | null = null;
  private seqs: Float64Array | null = null;
  private readonly free: number[] = [];
  private next = 0;

  /** A free chunk's index, or -1 when the budget is spent. */
  take(): number {
    if (this.free.length > 0) return this.free.pop()!;
    if ((this.next + 1) * EXACT_CHUNK > EXACT_TOTAL) return -1; // whole chunks only
    this.values ??= new Float64Array(EXACT_TOTAL);
    this.seqs ??= new Float64Array(EXACT_TOTAL);
    return this.next++;
  }

  give(chunks: readonly number[]): void {
    this.free.push(...chunks);
  }

  set(chunk: number, at: number, value: number, seq: number): void {
    this.values![chunk * EXACT_CHUNK + at] = value;
    this.seqs![chunk * EXACT_CHUNK + at] = seq;
  }

  copy(which: 'values' | 'seqs', chunks: readonly number[], length: number): Float64Array {
    const from = which === 'values' ? this.values! : this.seqs!;
    const out = new Float64Array(length);
    for (let c = 0; c < chunks.length; c++) {
      const n = Math.min(EXACT_CHUNK, length - c * EXACT_CHUNK);
      out.set(from.subarray(chunks[c]! * EXACT_CHUNK, chunks[c]! * EXACT_CHUNK + n), c * EXACT_CHUNK);
    }
    return out;
  }
}

/**
 * A series' values in arrival order with their arrival numbers (the evaluation's running point
 * count): sums in arrival order equal k6's, which adds in the order it receives.
 */
export class ExactValues {
  private readonly chunks: number[] = [];
  length = 0;

  constructor(private readonly pool: ExactPool) {}

  /** False when the pool has no room (the caller drops the values). */
  push(value: number, seq: number): boolean {
    const at = this.length % EXACT_CHUNK;
    if (at === 0) {
      const c = this.pool.take();
      if (c < 0) return false;
      this.chunks.push(c);
    }
    this.pool.set(this.chunks[this.chunks.length - 1]!, at, value, seq);
    this.length++;
    return true;
  }

  /** The values in arrival order (a copy). */
  values(): Float64Array {
    return this.pool.copy('values', this.chunks, this.length);
  }

  /** Their arrival numbers, in the same order (a copy). */
  seqs(): Float64Array {
    return this.pool.copy('seqs', this.chunks, this.length);
  }

  /** Gives the chunks back to the pool. */
  release(): void {
    this.pool.give(this.chunks);
    this.chunks.length = 0;
    this.length = 0;
  }
}

/** Exact stats of a set of samples: a series, a bucket, or a merge of them. */
export class Bag {
  count = 0;
  errors = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  /** Samples with a non-zero value: a rate's passes. */
  nonzero = 0;
  last = 0;
  lastTime = -Infinity;
  firstTime = Infinity;
  hist: Histogram | null = null;
  /** Some values could not go into `hist` (negative, or above HISTOGRAM_MAX_VALUE). */
  histIncomplete = false;
  /**
   * The exact values of every sample (lent from the series, never changed here); null when they
   * are not all kept (a time bucket, a series past the budget, or a bag holding either).
   */
  exact: ExactValues[] | null = null;
  /** Holds samples whose exact values are not kept (so merging keeps `exact` null). */
  inexact = false;

  add(time: number, value: number, isError: boolean): void {
    this.count++;
    if (isError) this.errors++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value !== 0) this.nonzero++;
    if (time >= this.lastTime) {
      this.lastTime = time;
      this.last = value;
    }
    if (time < this.firstTime) this.firstTime = time;
    if (this.hist !== null) {
      if (value >= 0 && value <= HISTOGRAM_MAX_VALUE) this.hist.record(Math.round(value * HISTOGRAM_SCALE));
      else this.histIncomplete = true;
    }
    this.inexact = true;
  }

  /**
   * Adds `other`'s stats (and histogram) into this bag. With `take`, a histogram this bag lacks is
   * moved over from `other` instead of copied (other is about to be destroyed).
   */
  absorb(other: Bag, take = false): void {
    this.count += other.count;
    this.errors += other.errors;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    this.nonzero += other.nonzero;
    if (other.lastTime >= this.lastTime) {
      this.lastTime = other.lastTime;
      this.last = other.last;
    }
    if (other.firstTime < this.firstTime) this.firstTime = other.firstTime;
    if (other.histIncomplete) this.histIncomplete = true;
    if (other.count > 0) {
      if (other.inexact || other.exact === null) {
        this.inexact = true;
        this.exact = null;
      } else if (!this.inexact) {
        // `this` is a merge's own bag: its list is its own (the parts stay the series')
        (this.exact ??= []).push(...other.exact);
      }
    }
    if (other.hist !== null && take && this.hist === null) {
      this.hist = other.hist;
      other.hist = null;
    } else if (other.hist !== null) {
      if (this.hist === null) this.hist = Histogram.create(other.hist.digits === BUCKET_SIGNIFICANT_DIGITS ? BUCKET_SIGNIFICANT_DIGITS : 3);
      this.hist.merge(other.hist);
    }
  }

  destroy(): void {
    this.hist?.destroy();
    this.hist = null;
  }
}

export class Bucket extends Bag {
  constructor(readonly start: number) {
    super();
  }
}

/** A bucket's exact stats as plain numbers: what a state file or another thread carries. */
export interface BucketStats {
  start: number;
  count: number;
  errors: number;
  sum: number;
  min: number;
  max: number;
  nonzero: number;
  last: number;
  lastTime: number;
  firstTime: number;
}

export function bucketStats(b: Bucket): BucketStats {
  return { start: b.start, count: b.count, errors: b.errors, sum: b.sum, min: b.min, max: b.max, nonzero: b.nonzero, last: b.last, lastTime: b.lastTime, firstTime: b.firstTime };
}

/** A bucket holding `stats` (its histogram, if any, is the caller's to add). */
export function bucketOf(stats: BucketStats): Bucket {
  const b = new Bucket(stats.start);
  b.count = stats.count;
  b.errors = stats.errors;
  b.sum = stats.sum;
  b.min = stats.min;
  b.max = stats.max;
  b.nonzero = stats.nonzero;
  b.last = stats.last;
  b.lastTime = stats.lastTime;
  b.firstTime = stats.firstTime;
  return b;
}

/**
 * A series keeps its exact stats only per time bucket (one update per sample, not two); the
 * whole-run stats are the buckets added up, exactly. Its histogram is whole-run, 3 digits.
 */
export class Series {
  buckets = new Map<number, Bucket>();
  hist: Histogram | null;
  /** Some values could not go into `hist` (negative, or above HISTOGRAM_MAX_VALUE). */
  histIncomplete = false;
  /** Every value exactly, while the series fits the exact-value budget; null past it (or no histogram). */
  exact: ExactValues | null;
  /** Recorded into since the store's last sweep of idle histograms. */
  touched = true;
  private current: Bucket | null = null;
  private currentEnd = -Infinity;
  /** Points handed to a recording thread (a routed store, see SeriesStore.router). */
  routed = 0;
  /** Where a routed store sends this series' points (record-router.ts); null otherwise. */
  route: SeriesRoute | null = null;

  constructor(
    readonly store: SeriesStore,
    readonly key: string,
    readonly metric: string,
    readonly tags: Record<string, string>,
    readonly overflow: boolean,
    /** Whether it keeps a histogram (and exact values): on a routed store its recording thread does. */
    readonly histogram: boolean,
  ) {
    this.hist = histogram && store.router === null ? Histogram.create(3) : null;
    this.exact = this.hist !== null ? new ExactValues(store.exactPool) : null;
  }

  /** Whether any sample went into it (here, or to its recording thread). */
  hasSamples(): boolean {
    return this.buckets.size > 0 || this.routed > 0;
  }

  record(time: number, value: number, isError: boolean): void {
    const router = this.store.router;
    if (router !== null) router.point(this, time, value, isError);
    else this.recordNumbered(time, value, isError, this.store.seq++, true);
  }

  /**
   * Records a point with its arrival number `seq`. `keepExact` false: the exact values go for good
   * (a recording thread's series, told so by the router, which keeps the whole budget).
   */
  recordNumbered(time: number, value: number, isError: boolean, seq: number, keepExact: boolean): void {
    let b = this.current;
    if (b === null || time < b.start || time >= this.currentEnd) {
      const width = this.store.bucketWidthMs;
      const start = Math.floor(time / width) * width;
      b = this.buckets.get(start) ?? this.store.newBucket(this, start);
      this.current = b;
      this.currentEnd = b.start + this.store.bucketWidthMs;
    }
    // A late sample thaws a frozen bucket (also this series' current one, when the series lags
    // the run by more than a bucket): tracked again, so it is frozen again later.
    if (b.hist !== null && b.hist.isFrozen) this.store.noteLive(b);
    b.add(time, value, isError);
    if (this.hist !== null) {
      if (this.hist.isFrozen) this.store.noteLiveSeries(this);
      this.touched = true;
      if (value >= 0 && value <= HISTOGRAM_MAX_VALUE) this.hist.record(Math.round(value * HISTOGRAM_SCALE));
      else this.histIncomplete = true;
      const exact = this.exact;
      if (exact !== null && (!keepExact || exact.length >= EXACT_PER_SERIES || !exact.push(value, seq))) this.dropExact();
    }
  }

  /** Past the budget: the exact values go, for good (the histogram answers from now on). */
  dropExact(): void {
    this.exact?.release();
    this.exact = null;
  }

  /** Whole-run stats: the buckets added up, with this series' histogram lent (never destroy it). */
  summary(): Bag {
    const total = new Bag();
    for (const b of this.buckets.values()) {
      const h = b.hist;
      b.hist = null;
      total.absorb(b);
      b.hist = h;
    }
    total.hist = this.hist;
    total.histIncomplete = this.histIncomplete;
    total.exact = this.exact !== null ? [this.exact] : null;
    total.inexact = this.exact === null && total.count > 0;
    return total;
  }

  /**
   * Merges pairs of buckets into the doubled width. Merged buckets that start before
   * `freezeBefore` are frozen at once, so the merge never holds every bucket histogram live.
   */
  rebucket(width: number, freezeBefore = -Infinity): void {
    const merged = new Map<number, Bucket>();
    for (const b of this.buckets.values()) {
      const start = Math.floor(b.start / width) * width;
      let target = merged.get(start);
      if (!target) {
        target = new Bucket(start);
        merged.set(start, target);
      }
      target.absorb(b, true);
      b.destroy();
      if (start < freezeBefore) target.hist?.freeze();
    }
    this.buckets = merged;
    this.current = null;
  }

  destroy(): void {
    this.hist?.destroy();
    this.dropExact();
    for (const b of this.buckets.values()) b.destroy();
    this.buckets.clear();
    this.current = null;
  }
}

/** A routed store's recording threads (record-router.ts). */
export interface PointRouter {
  /** A series was created (in creation order: the store's order). */
  define(series: Series): void;
  point(series: Series, time: number, value: number, isError: boolean): void;
}

/** Where a routed series' points go: its recording thread and its number there, and the router's account of its exact values. */
export interface SeriesRoute {
  thread: number;
  id: number;
  /** Exact values it would hold now (-1: dropped for good), and the budget's chunks they take. */
  exactLength: number;
  exactChunks: number[];
}

export interface SeriesStoreOptions {
  bucketWidthMs: number;
  maxBuckets: number;
  seriesCap: number;
  /** Whether a metric's samples go into a histogram (trends, and metrics of unknown kind). */
  wantsHistogram: (metric: string) => boolean;
  /** Whether a metric's time buckets keep a histogram too (percentiles over time). */
  wantsBucketHistogram: (metric: string) => boolean;
  /**
   * The tags a sample past the cap keeps (its phase, and the gate filters' tag pairs it matches), so
   * every gate still counts exactly the samples it would without the cap. Omitted: none.
   */
  overflowTags?: (metric: string, tags: Record<string, string>) => Record<string, string>;
}

/** Series key: metric{k=v,...} with tags sorted, so it is the same in every run and worker. */
export function seriesKey(metric: string, tags: Record<string, string>): string {
  const keys = Object.keys(tags).sort();
  return `${metric}{${keys.map((k) => `${k}=${tags[k]}`).join(',')}}`;
}

/** An overflow series' key: `metric{__overflow__}`, with the tags it keeps after the marker. */
export function overflowKey(metric: string, tags: Record<string, string>): string {
  const keys = Object.keys(tags).sort();
  return `${metric}{__overflow__${keys.map((k) => `,${k}=${tags[k]}`).join('')}}`;
}

/**
 * Bucket histograms older than the newest two widths are frozen once the run spans more than
 * LIVE_BUCKET_SPAN widths (each live one costs ~9–13 KB of WebAssembly memory, which grows by
 * doubling and never shrinks; a frozen one ~0.2–1.5 KB). The rule depends only on the run's time
 * range, never on how many live ones one store holds: recording threads (record-router.ts) each
 * hold some of the series, and a bucket must be frozen — which decides how merged histograms are
 * encoded in the report — exactly when one store holding every series would freeze it. A short run
 * never gets here, so its gates never decode anything.
 */
const LIVE_BUCKET_SPAN = 8;

/**
 * Live whole-series histograms kept before idle ones are frozen (~61 KB of WebAssembly memory
 * each when live, more since values are recorded × 1e6; ~0.2–1.5 KB frozen). Without it a
 * cardinality bomb (10 000 series, each recorded once) held 10 000 live ones: 628 MB peak RSS at
 * 500 k distinct names; with 256, 325–327 MB (bench:evaluator's cardinality row, 5 Dec 2026,
 * WebAssembly memory 133 MB), over that row's 300 MB bound; with 64, 279–295 MB (69 MB) at the
 * same speed. Series recorded into between two sweeps stay live whatever the number.
 */
const LIVE_SERIES_HISTOGRAMS = 64;

export class SeriesStore {
  readonly byKey = new Map<string, Series>();
  bucketWidthMs: number;
  /** Buckets whose histogram may be live (recording), for freezeOldBuckets. */
  private liveBuckets: Bucket[] = [];
  /** Series whose histogram may be live, for freezeIdleSeries. */
  private liveSeries: Series[] = [];
  private sweepSeriesAt = LIVE_SERIES_HISTOGRAMS;
  /** Points recorded (any series): the next point's arrival number. */
  seq = 0;
  /** The exact values of all series (the EXACT_TOTAL budget). */
  readonly exactPool = new ExactPool();
  private minStart = Infinity;
  private maxStart = -Infinity;
  /**
   * Set: the points go to recording threads (record-router.ts) and this store only keeps the
   * series (in creation order), the arrival numbers and the bucket range; what the threads
   * recorded goes into these series at the end (record-lane.ts restoreSeries).
   */
  router: PointRouter | null = null;

  constructor(readonly opts: SeriesStoreOptions) {
    this.bucketWidthMs = opts.bucketWidthMs;
  }

  /** The series for metric + selected tags, or the metric's overflow series past the cap. */
  get(metric: string, tags: Record<string, string>): Series {
    const key = seriesKey(metric, tags);
    const s = this.byKey.get(key);
    if (s) return s;
    if (this.byKey.size >= this.opts.seriesCap) return this.overflowFor(metric, this.opts.overflowTags?.(metric, tags) ?? {});
    return this.add(new Series(this, key, metric, tags, false, this.opts.wantsHistogram(metric)));
  }

  /** Takes a new series into the store (and to its recording thread, when routed). */
  add(s: Series): Series {
    this.byKey.set(s.key, s);
    if (s.hist !== null) this.noteLiveSeries(s);
    this.router?.define(s);
    return s;
  }

  newBucket(series: Series, start: number): Bucket {
    const b = new Bucket(start);
    if (series.hist !== null && this.opts.wantsBucketHistogram(series.metric)) {
      b.hist = Histogram.create(BUCKET_SIGNIFICANT_DIGITS);
      this.liveBuckets.push(b);
    }
    series.buckets.set(start, b);
    this.joinRange(start);
    return series.buckets.get(Math.floor(start / this.bucketWidthMs) * this.bucketWidthMs)!;
  }

  /**
   * A bucket starting at `start` exists now: widens the run's bucket range, freezing old bucket
   * histograms when it moves on and coarsening when it outgrows maxBuckets. A recording thread
   * (record-worker.ts) is told every change of the run's range in stream order and calls this
   * itself, so its buckets freeze and coarsen exactly when one store of every series would.
   */
  joinRange(start: number): void {
    if (start < this.minStart) this.minStart = start;
    if (start > this.maxStart) {
      this.maxStart = start;
      this.freezeOldBuckets();
    }
    if (this.spanBuckets() > this.opts.maxBuckets) this.coarsen();
  }

  /** Buckets of the current width from the run's first to its last. */
  private spanBuckets(): number {
    return (this.maxStart - this.minStart) / this.bucketWidthMs + 1;
  }

  /**
   * Routed (see router): the start of the bucket a point at `time` falls in when it lies outside
   * the run's bucket range (which it then joins), else null. Such a point always opens a new
   * bucket of its series, and a point inside the range never changes the range, so this tracks
   * the range (and the width) exactly as newBucket does in one store of every series.
   */
  routedStart(time: number): number | null {
    const width = this.bucketWidthMs;
    const start = Math.floor(time / width) * width;
    if (start >= this.minStart && start <= this.maxStart) return null;
    this.joinRange(start);
    return start;
  }

  /** `s`'s histogram is live (new, or frozen and about to record again). */
  noteLiveSeries(s: Series): void {
    this.liveSeries.push(s);
    if (this.liveSeries.length > this.sweepSeriesAt) this.freezeIdleSeries();
  }

  /**
   * Second chance: freezes the histograms of series not recorded into since the last sweep; the
   * next sweep comes when the live list has doubled, so sweeping stays linear in the samples.
   */
  private freezeIdleSeries(): void {
    this.liveSeries = this.liveSeries.filter((s) => {
      if (s.hist === null || s.hist.isFrozen) return false;
      if (s.touched) {
        s.touched = false;
        return true;
      }
      s.hist.freeze();
      return false;
    });
    this.sweepSeriesAt = Math.max(LIVE_SERIES_HISTOGRAMS, 2 * this.liveSeries.length);
  }

  /** `b`'s frozen histogram is about to record again. */
  noteLive(b: Bucket): void {
    this.liveBuckets.push(b);
  }

  /** Whether the run spans enough bucket widths for old bucket histograms to be frozen (LIVE_BUCKET_SPAN). */
  private freezesBuckets(): boolean {
    return this.spanBuckets() > LIVE_BUCKET_SPAN;
  }

  /**
   * Freezes the histograms of buckets older than the newest two widths (samples arrive slightly
   * out of order, so the last two stay live), once the run is long enough. `rescan` first looks at
   * every bucket (after a coarsening merged them).
   */
  private freezeOldBuckets(rescan = false): void {
    if (rescan) {
      this.liveBuckets = [];
      for (const s of this.byKey.values()) for (const b of s.buckets.values()) if (b.hist !== null && !b.hist.isFrozen) this.liveBuckets.push(b);
    }
    if (!this.freezesBuckets()) return;
    const keepFrom = this.maxStart - this.bucketWidthMs;
    this.liveBuckets = this.liveBuckets.filter((b) => {
      if (b.hist === null || b.hist.isFrozen) return false;
      if (b.start >= keepFrom) return true;
      b.hist.freeze(); // a no-op for JS histograms: they leave the list all the same
      return false;
    });
  }

  private coarsen(): void {
    while (this.spanBuckets() > this.opts.maxBuckets) {
      this.bucketWidthMs *= 2;
      this.minStart = Math.floor(this.minStart / this.bucketWidthMs) * this.bucketWidthMs;
      this.maxStart = Math.floor(this.maxStart / this.bucketWidthMs) * this.bucketWidthMs;
    }
    const freezeBefore = this.freezesBuckets() ? this.maxStart - this.bucketWidthMs : -Infinity;
    for (const s of this.byKey.values()) s.rebucket(this.bucketWidthMs, freezeBefore);
    this.freezeOldBuckets(true);
  }

  /**
   * The metric's overflow series for samples past the cap with `tags` kept (or of metric names past
   * the cap): one per metric and kept tag set, which the gates' filters and the phases bound.
   */
  overflowFor(metric: string, tags: Record<string, string> = {}): Series {
    const okey = overflowKey(metric, tags);
    const s = this.byKey.get(okey);
    return s ?? this.add(new Series(this, okey, metric, tags, true, this.opts.wantsHistogram(metric)));
  }

  destroy(): void {
    for (const s of this.byKey.values()) s.destroy();
    this.byKey.clear();
  }
}
