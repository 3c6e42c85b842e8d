// A recording thread: records the points the main thread routes to it (record-router.ts) into the
// series it owns — buckets, histograms, exact values — in the order the main thread saw them, and
// hands the series back at the end. Bundled as its own entry (dist/evaluator-record-worker.mjs).
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
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
  SLEEPING,
  WRITTEN,
  exportSeries,
  type RecordTask,
  type RecorderMessage,
  type SeriesDefinition,
} from './record-lane.js';
import { Series, SeriesStore } from './series.js';

/** How long one wait for records lasts before it looks again (the writer wakes it sooner). */
const WAIT_MS = 1000;
const READ_BATCH = 4096;

const task = workerData as RecordTask;
const post = (msg: RecorderMessage) => parentPort!.postMessage(msg);

function record(): RecorderMessage {
  if (histogramBackend() !== 'wasm') throw new Error('recording threads need the WebAssembly histograms');
  const bucketHistograms = new Set(task.bucketHistograms);
  const store = new SeriesStore({
    bucketWidthMs: task.bucketWidthMs,
    maxBuckets: task.maxBuckets,
    // The main thread applied the cap: every series it defines is one of the store's.
    seriesCap: Number.MAX_SAFE_INTEGER,
    wantsHistogram: () => false, // each definition says (Series is built from it)
    wantsBucketHistogram: (m) => bucketHistograms.has(m),
  });
  const series: Series[] = [];
  /** Takes the next definition off the port; false when there is none. */
  const defineNext = (): boolean => {
    const got = receiveMessageOnPort(task.definitions);
    if (got === undefined) return false;
    const d = got.message as SeriesDefinition;
    series.push(store.add(new Series(store, d.key, d.metric, d.tags, d.overflow, d.histogram)));
    return true;
  };
  const seriesAt = (id: number): Series => {
    while (series.length <= id) if (!defineNext()) throw new Error(`recording thread: series ${id} was never defined`);
    return series[id]!;
  };
  const ctl = new Int32Array(task.ctl, 0, CTL_SLOTS);
  const ring = task.ring;
  let read = 0;
  for (;;) {
    const written = Atomics.load(ctl, WRITTEN);
    if (written === read) {
      if (Atomics.load(ctl, ENDED) === 1 && Atomics.load(ctl, WRITTEN) === read) break;
      Atomics.store(ctl, SLEEPING, 1);
      // Published (or ended) since the look above: no sleep, or the wake would be missed.
      if (Atomics.load(ctl, WRITTEN) === written && Atomics.load(ctl, ENDED) === 0) Atomics.wait(ctl, WRITTEN, written, WAIT_MS);
      Atomics.store(ctl, SLEEPING, 0);
      continue;
    }
    // Room is given back every READ_BATCH records, so the main thread seldom waits for a full ring.
    const upTo = ((written - read) | 0) > READ_BATCH ? (read + READ_BATCH) | 0 : written;
    for (; read !== upTo; read = (read + 1) | 0) {
      const i = (read & RING_MASK) * RECORD_VALUES;
      const id = ring[i]!;
      if (id === RANGE) {
        // The run's bucket range changed at this point: the owner's series opens the bucket, as
        // one store would (SeriesStore.newBucket), the others only follow the range.
        const owner = ring[i + 2]!;
        if (owner >= 0) store.newBucket(seriesAt(owner), ring[i + 1]!);
        else store.joinRange(ring[i + 1]!);
        continue;
      }
      const flags = ring[i + 4]!;
      seriesAt(id).recordNumbered(ring[i + 1]!, ring[i + 2]!, (flags & IS_ERROR) !== 0, ring[i + 3]!, (flags & DROP_EXACT) === 0);
    }
    Atomics.store(ctl, READ, read);
    Atomics.notify(ctl, READ);
  }
  // Every series defined is handed back, also one that never got a point.
  while (defineNext());
  return { series: series.map(exportSeries) };
}

try {
  post(record());
} catch (err) {
  const ctl = new Int32Array(task.ctl, 0, CTL_SLOTS);
  Atomics.store(ctl, FAILED, 1);
  Atomics.notify(ctl, READ);
  post({ error: err instanceof Error ? err.message : String(err) });
}
