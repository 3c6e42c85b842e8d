// Recording on several threads (issue 23): the main thread still takes every point in stream order
// and makes every decision that depends on that order — which series a point goes to (the series
// cap, phases), its arrival number, the exact-value budget, the far-off check, the run's bucket
// range and width — but hands the recording itself (buckets, histograms, exact values) to
// recording threads, each owning some of the series. A series' points reach its thread in stream
// order, and every change of the run's bucket range reaches every thread at the point it happens,
// so each series ends exactly as one thread recording everything would leave it (to the bit, and
// with its histograms frozen alike); the series come back at the end (record-lane.ts).
import { existsSync } from 'node:fs';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { histogramBackend } from '../model/histogram.js';
import {
  CTL_SLOTS,
  DROP_EXACT,
  ENDED,
  FAILED,
  IS_ERROR,
  RANGE,
  READ,
  RECORD_VALUES,
  RING_MASK,
  RING_RECORDS,
  SLEEPING,
  WRITTEN,
  restoreSeries,
  type RecordTask,
  type RecorderMessage,
  type SeriesDefinition,
  type SeriesExport,
} from './record-lane.js';
import { EXACT_CHUNK, EXACT_PER_SERIES, ExactPool, type PointRouter, type Series, type SeriesRoute, type SeriesStore } from './series.js';

/** The bundled recording thread beside this module (dist/, or a test's bundle); null when run from source or without WebAssembly histograms. */
export function recordWorkerScript(): URL | null {
  const url = new URL('./evaluator-record-worker.mjs', import.meta.url);
  return url.protocol === 'file:' && existsSync(url) && histogramBackend() === 'wasm' ? url : null;
}

/** Records written before they are published to the recording thread (an atomic store). */
const PUBLISH_EVERY = 4096;
/**
 * Records waiting before a sleeping recording thread is woken: a wake is a system call (~30 µs
 * here), and one per publish took 0.17 s of the main thread at 20 M points. The end (finish) and
 * a full ring (makeRoom) wake it whatever waits.
 */
const WAKE_AT = RING_RECORDS / 4;
/** A full ring that does not drain for this long: its recording thread is taken as stuck (every wait ends). */
const STALL_MS = 60_000;
/** One wait for room in a full ring (its thread wakes the main thread sooner). */
const ROOM_WAIT_MS = 100;

interface Lane {
  ring: Float64Array;
  ctl: Int32Array;
  definitions: MessagePort;
  worker: Worker;
  result: Promise<SeriesExport[]>;
  /** Series defined on it. */
  defined: number;
  /** Records written, published, and the count at which the ring is full (all wrap at 2^32). */
  written: number;
  published: number;
  limit: number;
}

export class RecordRouter implements PointRouter {
  private readonly lanes: Lane[] = [];
  private definedSeries = 0;
  /**
   * The exact-value budget, handed out as one store's pool would: a pool of its own whose chunks
   * are only counted here (the values go to the recording threads' pools).
   */
  private readonly budget = new ExactPool();

  /** Starts `threads` recording threads for `store`, which must hold no series yet. */
  constructor(
    private readonly store: SeriesStore,
    script: URL,
    threads: number,
    bucketHistograms: string[],
  ) {
    if (store.byKey.size > 0) throw new Error('recording threads start before the first point');
    for (let t = 0; t < threads; t++) {
      const ring = new Float64Array(new SharedArrayBuffer(RING_RECORDS * RECORD_VALUES * Float64Array.BYTES_PER_ELEMENT));
      const ctl = new SharedArrayBuffer(CTL_SLOTS * Int32Array.BYTES_PER_ELEMENT);
      const { port1, port2 } = new MessageChannel();
      const task: RecordTask = { ring, ctl, definitions: port2, bucketWidthMs: store.bucketWidthMs, maxBuckets: store.opts.maxBuckets, bucketHistograms };
      const worker = new Worker(script, { workerData: task, transferList: [port2] });
      const result = new Promise<SeriesExport[]>((resolve, reject) => {
        worker.once('message', (m: RecorderMessage) => ('error' in m ? reject(new Error(`a recording thread failed: ${m.error}`)) : resolve(m.series)));
        worker.once('error', reject);
        worker.once('exit', (code) => reject(new Error(`a recording thread stopped (exit ${code})`)));
      });
      result.catch(() => {}); // awaited in finish; stop() may come first
      this.lanes.push({ ring, ctl: new Int32Array(ctl), definitions: port1, worker, result, defined: 0, written: 0, published: 0, limit: RING_RECORDS });
    }
    store.router = this;
  }

  define(s: Series): void {
    const thread = this.definedSeries++ % this.lanes.length;
    const lane = this.lanes[thread]!;
    s.route = { thread, id: lane.defined++, exactLength: s.histogram ? 0 : -1, exactChunks: [] };
    lane.definitions.postMessage({ key: s.key, metric: s.metric, tags: s.tags, overflow: s.overflow, histogram: s.histogram } satisfies SeriesDefinition);
  }

  point(s: Series, time: number, value: number, isError: boolean): void {
    const r = s.route!;
    const start = this.store.routedStart(time);
    if (start !== null) {
      for (let t = 0; t < this.lanes.length; t++) this.write(this.lanes[t]!, RANGE, start, t === r.thread ? r.id : -1, 0, 0);
    }
    const seq = this.store.seq++;
    s.routed++;
    let flags = isError ? IS_ERROR : 0;
    if (r.exactLength >= 0) {
      // As Series.recordNumbered with one pool: past the series' share, or no chunk left, the values go.
      if (r.exactLength < EXACT_PER_SERIES && (r.exactLength % EXACT_CHUNK !== 0 || this.takeChunk(r))) r.exactLength++;
      else {
        this.budget.give(r.exactChunks);
        r.exactChunks = [];
        r.exactLength = -1;
        flags |= DROP_EXACT;
      }
    }
    this.write(this.lanes[r.thread]!, r.id, time, value, seq, flags);
  }

  private takeChunk(r: SeriesRoute): boolean {
    const chunk = this.budget.take();
    if (chunk < 0) return false;
    r.exactChunks.push(chunk);
    return true;
  }

  private write(lane: Lane, a: number, b: number, c: number, d: number, e: number): void {
    if (((lane.written - lane.limit) | 0) >= 0) this.makeRoom(lane);
    const i = (lane.written & RING_MASK) * RECORD_VALUES;
    const ring = lane.ring;
    ring[i] = a;
    ring[i + 1] = b;
    ring[i + 2] = c;
    ring[i + 3] = d;
    ring[i + 4] = e;
    lane.written = (lane.written + 1) | 0;
    if (((lane.written - lane.published) | 0) >= PUBLISH_EVERY) this.publish(lane);
  }

  private publish(lane: Lane): void {
    if (lane.written === lane.published) return;
    Atomics.store(lane.ctl, WRITTEN, lane.written);
    if (Atomics.load(lane.ctl, SLEEPING) === 1 && ((lane.written - Atomics.load(lane.ctl, READ)) | 0) >= WAKE_AT) Atomics.notify(lane.ctl, WRITTEN);
    lane.published = lane.written;
  }

  /** Waits (blocking: the ring is shared memory) until the lane's thread has read enough to write on. */
  private makeRoom(lane: Lane): void {
    this.publish(lane);
    Atomics.notify(lane.ctl, WRITTEN);
    let seen = Atomics.load(lane.ctl, READ);
    let since = performance.now();
    for (;;) {
      const read = Atomics.load(lane.ctl, READ);
      lane.limit = (read + RING_RECORDS) | 0;
      if (((lane.written - lane.limit) | 0) < 0) return;
      if (Atomics.load(lane.ctl, FAILED) === 1) throw new Error('a recording thread failed (its message follows when the evaluation ends)');
      if (read !== seen) {
        seen = read;
        since = performance.now();
      } else if (performance.now() - since > STALL_MS) throw new Error(`a recording thread read nothing for ${STALL_MS / 1000} s`);
      Atomics.wait(lane.ctl, READ, read, ROOM_WAIT_MS);
    }
  }

  /** Ends the recording: every thread hands its series back into the store's (in the store's order). */
  async finish(): Promise<void> {
    for (const lane of this.lanes) {
      this.publish(lane);
      Atomics.store(lane.ctl, ENDED, 1);
      Atomics.notify(lane.ctl, WRITTEN);
    }
    try {
      const sent = await Promise.all(this.lanes.map((l) => l.result));
      // The threads' own series (heaps, WebAssembly memory) go before this thread builds its copies.
      await Promise.all(this.lanes.map((l) => l.worker.terminate()));
      this.store.router = null;
      for (const s of this.store.byKey.values()) {
        const r = s.route!;
        const got = sent[r.thread]![r.id];
        if (got === undefined) throw new Error(`recording thread ${r.thread} did not hand back series ${s.key}`);
        restoreSeries(s, this.store, got);
      }
    } finally {
      this.stop();
    }
  }

  /** Ends the threads now (on error, or after finish). */
  stop(): void {
    this.store.router = null;
    for (const lane of this.lanes) {
      lane.definitions.close();
      void lane.worker.terminate();
    }
  }
}
