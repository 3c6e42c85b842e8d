import { describe, expect, it } from 'vitest';
import { Histogram, histogramBackend, liveHistograms } from '../model/histogram.js';
import { HISTOGRAM_SCALE, SeriesStore } from './series.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('frozen histograms', () => {
  it('answer, merge, encode and record exactly like a histogram never frozen', () => {
    expect(histogramBackend()).toBe('wasm');
    const r = rng(3);
    const frozen = Histogram.create(2);
    const twin = Histogram.create(2);
    const record = (v: number) => {
      frozen.record(v);
      twin.record(v);
    };
    for (let i = 0; i < 500; i++) record(Math.round(1000 + r() * 900_000));
    frozen.freeze();
    expect(frozen.isFrozen).toBe(true);
    expect(frozen.count).toBe(500);
    for (const p of [50, 95, 99, 100]) expect(frozen.percentile(p)).toBe(twin.percentile(p));
    expect(frozen.encode()).toBe(twin.encode());
    expect(frozen.isFrozen).toBe(true); // reading does not thaw it
    const sum = Histogram.create(2);
    sum.merge(frozen);
    expect(sum.percentile(95)).toBe(twin.percentile(95));
    // A late sample thaws it for good, beyond the range it held (auto-resize kept).
    record(5_000_000_000);
    expect(frozen.isFrozen).toBe(false);
    expect(frozen.count).toBe(501);
    expect(frozen.percentile(100)).toBe(twin.percentile(100));
    // Two frozen histograms merge by joining their encodings, and read as their sum.
    const other = Histogram.create(2);
    for (let i = 0; i < 300; i++) {
      const v = Math.round(r() * 3_000_000);
      other.record(v);
      twin.record(v);
    }
    other.freeze();
    frozen.freeze();
    frozen.merge(other);
    expect(frozen.isFrozen).toBe(true);
    expect(frozen.count).toBe(801);
    for (const p of [50, 95, 99.9, 100]) expect(frozen.percentile(p)).toBe(twin.percentile(p));
    const live2 = Histogram.create(2);
    live2.merge(frozen);
    expect(live2.percentile(99)).toBe(twin.percentile(99));
    frozen.record(1);
    twin.record(1);
    expect(frozen.isFrozen).toBe(false);
    expect(frozen.percentile(1)).toBe(twin.percentile(1));
    expect(frozen.count).toBe(802);
    for (const h of [frozen, twin, sum, other, live2]) h.destroy();
    expect(liveHistograms()).toBe(0);
  });
});

describe('series store', () => {
  it('freezes buckets the run has moved past and keeps every bucket exact', () => {
    const store = new SeriesStore({ bucketWidthMs: 1000, maxBuckets: 1000, seriesCap: 1000, wantsHistogram: () => true, wantsBucketHistogram: () => true });
    const r = rng(11);
    const expected = new Map<string, Histogram>();
    const T0 = Date.UTC(2026, 0, 1);
    const add = (name: string, time: number, ms: number) => {
      store.get('http_req_duration', { name }).record(time, ms, false);
      const key = `${name}@${Math.floor((time - T0) / 1000)}`;
      let h = expected.get(key);
      if (!h) expected.set(key, (h = Histogram.create(2)));
      h.record(Math.round(ms * HISTOGRAM_SCALE));
    };
    // 60 series × 40 seconds = 2 400 bucket histograms, over the live limit of 128.
    for (let ms = 0; ms < 40_000; ms += 50) for (let s = 0; s < 60; s++) add(`s${s}`, T0 + ms + (s % 7), 1 + r() * 500);
    const buckets = [...store.byKey.values()].flatMap((s) => [...s.buckets.values()]);
    const frozen = buckets.filter((b) => b.hist!.isFrozen).length;
    expect(buckets).toHaveLength(2400);
    expect(frozen).toBeGreaterThan(2100);
    // The newest two seconds stay live; a late sample for second 0 thaws that bucket.
    expect(buckets.filter((b) => b.start >= T0 + 38_000).every((b) => !b.hist!.isFrozen)).toBe(true);
    add('s0', T0 + 10, 9999);
    const late = store.get('http_req_duration', { name: 's0' }).buckets.get(T0)!;
    expect(late.hist!.isFrozen).toBe(false);
    expect(late.count).toBe(21);
    for (const s of store.byKey.values()) {
      for (const b of s.buckets.values()) {
        const want = expected.get(`${s.tags.name}@${(b.start - T0) / 1000}`)!;
        expect(b.hist!.count).toBe(want.count);
        expect(b.hist!.percentile(95)).toBe(want.percentile(95));
        expect(b.hist!.percentile(100)).toBe(want.percentile(100));
      }
    }
    store.destroy();
    for (const h of expected.values()) h.destroy();
    expect(liveHistograms()).toBe(0);
  });

  it('freezes again the buckets of a series that lags the run (its current bucket thawed by its next sample)', () => {
    const store = new SeriesStore({ bucketWidthMs: 1000, maxBuckets: 1000, seriesCap: 1000, wantsHistogram: () => true, wantsBucketHistogram: () => true });
    const T0 = Date.UTC(2026, 0, 1);
    // 150 series on time, one 5.5 s behind them (so a sweep comes mid-bucket), every 10 ms for 60 s.
    for (let ms = 0; ms < 60_000; ms += 10) {
      for (let s = 0; s < 150; s++) store.get('http_req_duration', { name: `s${s}` }).record(T0 + ms, 5, false);
      if (ms >= 5_500) store.get('http_req_duration', { name: 'late' }).record(T0 + ms - 5_500, 7, false);
    }
    const late = [...store.get('http_req_duration', { name: 'late' }).buckets.values()];
    expect(late).toHaveLength(55);
    // All but its newest few are frozen again, though each was thawed while still current.
    expect(late.filter((b) => !b.hist!.isFrozen).length).toBeLessThanOrEqual(8);
    expect(late.reduce((n, b) => n + b.count, 0)).toBe(5_450);
    store.destroy();
    expect(liveHistograms()).toBe(0);
  });

  it("a store told every change of the run's bucket range, as a recording thread is, ends each of its series like one store of every series", () => {
    const opts = { bucketWidthMs: 100, maxBuckets: 8, seriesCap: 100, wantsHistogram: () => true, wantsBucketHistogram: () => true };
    const whole = new SeriesStore(opts);
    const range = new SeriesStore(opts); // the router's: it only tracks the range
    const threads = [new SeriesStore(opts), new SeriesStore(opts)];
    const r = rng(11);
    let seq = 0;
    for (let i = 0; i < 30_000; i++) {
      const k = Math.floor(r() * 6);
      // Mostly in order, some late by up to 3 s, one far ahead now and then: the range grows on both sides.
      const time = 1_700_000_000_000 + i * 2 - (r() < 0.02 ? r() * 3000 : 0) + (r() < 0.0005 ? 20_000 : 0);
      const value = Math.round(r() * 5000) / 7;
      whole.get(`m${k}`, {}).record(time, value, false);
      const owner = threads[k % 2]!;
      const series = owner.get(`m${k}`, {});
      const start = range.routedStart(time);
      if (start !== null) {
        for (const t of threads) {
          if (t === owner) t.newBucket(series, start);
          else t.joinRange(start);
        }
      }
      series.recordNumbered(time, value, false, seq++, true);
    }
    expect(whole.bucketWidthMs).toBeGreaterThanOrEqual(800); // it coarsened
    for (const t of [range, ...threads]) expect(t.bucketWidthMs).toBe(whole.bucketWidthMs);
    let frozenSeen = 0;
    for (let k = 0; k < 6; k++) {
      const a = whole.byKey.get(`m${k}{}`)!;
      const b = threads[k % 2]!.byKey.get(`m${k}{}`)!;
      expect([...b.buckets.keys()]).toEqual([...a.buckets.keys()]);
      for (const [start, x] of a.buckets) {
        const y = b.buckets.get(start)!;
        expect([y.count, y.sum, y.min, y.max, y.last, y.firstTime, y.lastTime]).toEqual([x.count, x.sum, x.min, x.max, x.last, x.firstTime, x.lastTime]);
        expect(y.hist!.isFrozen).toBe(x.hist!.isFrozen);
        if (x.hist!.isFrozen) frozenSeen++;
        expect(y.hist!.encode()).toBe(x.hist!.encode());
      }
      expect(Object.is(b.summary().sum, a.summary().sum)).toBe(true);
      expect(b.hist!.encode()).toBe(a.hist!.encode());
      // Handed to another thread and back (record-lane.ts), a histogram reads and encodes the same.
      const back = Histogram.fromParts(a.hist!.parts(), 3);
      expect(back.encode()).toBe(a.hist!.encode());
      expect(back.count).toBe(a.hist!.count);
      back.destroy();
    }
    expect(frozenSeen).toBeGreaterThan(0);
    for (const t of [whole, range, ...threads]) t.destroy();
    expect(liveHistograms()).toBe(0);
  });
});
