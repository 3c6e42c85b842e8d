// The only module that imports hdr-histogram-js. Measured here (2 cores, Node 20): recording into
// the WebAssembly build is ~6x faster than the JS build (64 M vs 11 M records/s), so WASM is used
// when available; a WASM histogram lives outside the JS heap and leaks (~61 KB) unless destroyed,
// so every Histogram here must end with destroy() — the owners (series, buckets) do that in finish.
import * as hdr from 'hdr-histogram-js';

/** 3 significant digits: a recorded value is within 0.1 % of the true one. */
export const SIGNIFICANT_DIGITS = 3;
/** Per time bucket: 2 digits (1 %) and packed counts keep a bucket's histogram ~10x smaller. */
export const BUCKET_SIGNIFICANT_DIGITS = 2;

let wasmState: 'unknown' | 'on' | 'off' = 'unknown';
function useWasm(): boolean {
  if (wasmState === 'unknown') {
    wasmState = 'off';
    if (process.env.CHAOSGATE_HDR_WASM !== '0') {
      try {
        hdr.initWebAssemblySync();
        wasmState = 'on';
      } catch {
        wasmState = 'off';
      }
    }
  }
  return wasmState === 'on';
}

export function histogramBackend(): 'wasm' | 'js' {
  return useWasm() ? 'wasm' : 'js';
}

let live = 0;
/** Histograms created and not yet destroyed (a leak check for tests). */
export function liveHistograms(): number {
  return live;
}

/** A histogram as another thread receives it: raw HDR encoding (WASM) or compressed base64 (JS). */
export type HistogramTransfer = Uint8Array | string;

/**
 * An HDR histogram, live (recording) or frozen: a frozen one (WASM only) is kept as its raw HDR
 * encoding (~0.2–1 KB instead of several KB of WebAssembly memory, which never shrinks once grown)
 * and is decoded for a moment to be read or merged, or for good when it records again. Long runs
 * freeze the time buckets they have moved past (series.ts): thousands of live bucket histograms
 * measured ~50 MB of WebAssembly memory at 20 M points. Raw, not compressed: every zlib call
 * leaves native buffers until the next GC (5 000 small deflates measured +15–25 MB RSS).
 */
export class Histogram {
  private frozen: Uint8Array | null = null;
  private frozenCount = 0;

  private constructor(
    private h: hdr.Histogram | null,
    private readonly packed: boolean,
  ) {
    live++;
  }

  /**
   * `packed` stores only non-zero counts: a time bucket's histogram holds few samples, and packed
   * it took ~1.4 KB instead of ~15 KB here (measured with 80 latencies each, 2 digits).
   */
  static create(significantDigits: 2 | 3 = SIGNIFICANT_DIGITS, packed = false): Histogram {
    return new Histogram(
      hdr.build({
        bitBucketSize: packed ? 'packed' : 32,
        autoResize: true,
        numberOfSignificantValueDigits: significantDigits,
        useWebAssembly: useWasm(),
      }),
      packed,
    );
  }

  static decode(base64: string): Histogram {
    return new Histogram(hdr.decodeFromCompressedBase64(base64, 32, useWasm()), false);
  }

  /** A histogram from transfer(): raw bytes stay frozen until read, merged or recorded into. */
  static fromTransfer(data: HistogramTransfer, packed: boolean): Histogram {
    if (typeof data === 'string') {
      const h = hdr.decodeFromCompressedBase64(data, packed ? 'packed' : 32, useWasm());
      h.autoResize = true;
      return new Histogram(h, packed);
    }
    const out = new Histogram(null, packed);
    out.frozen = data;
    out.frozenCount = -1; // unknown until decoded
    return out;
  }

  /** This histogram for another thread (structured-clone safe). */
  transfer(): HistogramTransfer {
    if (this.h === null) return this.frozen!;
    return histogramBackend() === 'wasm' ? (this.h as hdr.WasmHistogram).encode() : hdr.encodeIntoCompressedBase64(this.h);
  }

  get isFrozen(): boolean {
    return this.h === null;
  }

  /** `value` must be a non-negative integer (callers scale and round). */
  record(value: number): void {
    (this.h ?? this.thaw()).recordValue(value);
  }

  get count(): number {
    if (this.h !== null) return this.h.totalCount;
    if (this.frozenCount < 0) this.frozenCount = this.read((h) => h.totalCount);
    return this.frozenCount;
  }

  /** The value at `percentile` (0..100): the highest value equivalent to the bucket it falls in. */
  percentile(percentile: number): number {
    return this.h !== null ? this.h.getValueAtPercentile(percentile) : this.read((h) => h.getValueAtPercentile(percentile));
  }

  merge(other: Histogram): void {
    const target = this.h ?? this.thaw();
    if (other.h !== null) target.add(other.h as never);
    else other.read((h) => target.add(h as never));
  }

  /** The standard compressed base64 encoding (reports). */
  encode(): string {
    return this.h !== null ? hdr.encodeIntoCompressedBase64(this.h) : this.read((h) => hdr.encodeIntoCompressedBase64(h));
  }

  /**
   * Keeps only the raw encoding and frees the live histogram (its memory goes back to the module
   * for the next histograms). WASM only: JS histograms live in the garbage-collected heap anyway.
   */
  freeze(): void {
    if (this.h === null || histogramBackend() !== 'wasm') return;
    this.frozenCount = this.h.totalCount;
    this.frozen = (this.h as hdr.WasmHistogram).encode();
    this.h.destroy();
    this.h = null;
  }

  destroy(): void {
    if (this.h === null && this.frozen === null) return;
    this.h?.destroy();
    this.h = null;
    this.frozen = null;
    live--;
  }

  /** Calls `use` with the frozen histogram decoded for the moment. */
  private read<T>(use: (h: hdr.Histogram) => T): T {
    const h = hdr.WasmHistogram.decode(this.frozen!, this.packed ? 'packed' : 32);
    try {
      return use(h);
    } finally {
      h.destroy();
    }
  }

  private thaw(): hdr.Histogram {
    if (this.frozen === null) throw new Error('histogram used after destroy()');
    const h = hdr.WasmHistogram.decode(this.frozen, this.packed ? 'packed' : 32);
    h.autoResize = true;
    this.h = h;
    this.frozen = null;
    return h;
  }
}
