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

export class Histogram {
  private constructor(private h: hdr.Histogram) {
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
    );
  }

  static decode(base64: string): Histogram {
    return new Histogram(hdr.decodeFromCompressedBase64(base64, 32, useWasm()));
  }

  /** `value` must be a non-negative integer (callers scale and round). */
  record(value: number): void {
    this.h.recordValue(value);
  }

  get count(): number {
    return this.h.totalCount;
  }

  /** The value at `percentile` (0..100): the highest value equivalent to the bucket it falls in. */
  percentile(percentile: number): number {
    return this.h.getValueAtPercentile(percentile);
  }

  merge(other: Histogram): void {
    this.h.add(other.h as never);
  }

  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.h);
  }

  destroy(): void {
    if (!this.h) return;
    this.h.destroy();
    this.h = undefined as never;
    live--;
  }
}
