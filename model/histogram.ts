// The only module that imports hdr-histogram-js. Measured here (2 cores, Node 20): recording into
// the WebAssembly build is ~6x faster than the JS build (64 M vs 11 M records/s), so WASM is used
// when available; a WASM histogram lives outside the JS heap and leaks (~61 KB) unless destroyed,
// so every Histogram here must end with destroy() — the owners (series, buckets) do that in finish.
import * as hdr from 'hdr-histogram-js';

/** 3 significant digits: a recorded value is within 0.1 % of the true one. */
export const SIGNIFICANT_DIGITS = 3;
/** Per time bucket: 2 digits (1 %) keep a bucket's histogram ~7x smaller (~9 KB). */
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

/** A histogram as another thread receives it: raw HDR encodings that add up to it (see Histogram.parts). */
export interface HistogramTransfer {
  parts: Uint8Array[];
  count: number;
}

type DecodeRaw = (data: Uint8Array, bitBucketSize: 32) => hdr.Histogram;
/** Raw V2 encoding → JS histogram (read-only use: no WebAssembly memory touched). */
const decodeJs: DecodeRaw = (data, bits) => (hdr.JsHistogram as unknown as { decode: DecodeRaw }).decode(data, bits);
const decodeWasm: DecodeRaw = (data, bits) => hdr.WasmHistogram.decode(data, bits);

/**
 * An HDR histogram, live (recording) or frozen. A frozen one (WASM only) is kept as raw HDR
 * encodings (~0.2–1.5 KB each instead of ~9 KB of WebAssembly memory) and decoded when read,
 * merged into a live one, or recorded into again. Long runs freeze the time buckets they have
 * moved past (series.ts). Merging two frozen histograms only joins their encodings: a run that
 * coarsens its buckets merges thousands, and each merge through WebAssembly left decode/encode
 * buffers in its memory faster than its collector freed them (+33 MB at 20 M points). Reads
 * decode into JS histograms for the same reason. Raw, not compressed: every zlib call leaves
 * native buffers until the next GC (5 000 small deflates measured +15–25 MB RSS).
 */
export class Histogram {
  /** The encodings of a frozen histogram (its parts add up to it); null while live. */
  private frozen: Uint8Array[] | null = null;
  private frozenCount = 0;

  private constructor(
    private h: hdr.Histogram | null,
    /** Its significant digits (the WebAssembly build does not say). */
    readonly digits: number,
  ) {
    live++;
  }

  static create(significantDigits: 2 | 3 = SIGNIFICANT_DIGITS): Histogram {
    return new Histogram(
      hdr.build({
        bitBucketSize: 32,
        autoResize: true,
        numberOfSignificantValueDigits: significantDigits,
        useWebAssembly: useWasm(),
      }),
      significantDigits,
    );
  }

  /**
   * A histogram from another thread's `parts()`, frozen as they are, so it is encoded and read
   * exactly as the sender's would be. WASM only (see parts).
   */
  static fromParts(sent: HistogramTransfer, digits: number): Histogram {
    const out = new Histogram(null, digits);
    out.frozen = sent.parts;
    out.frozenCount = sent.count;
    return out;
  }

  /** `digits`: those it was recorded with (the encoding's own header is not read back). */
  static decode(base64: string, digits: number = SIGNIFICANT_DIGITS): Histogram {
    return new Histogram(hdr.decodeFromCompressedBase64(base64, 32, useWasm()), digits);
  }

  get isFrozen(): boolean {
    return this.h === null;
  }

  /** `value` must be a non-negative integer (callers scale and round). */
  record(value: number): void {
    (this.h ?? this.thaw()).recordValue(value);
  }

  get count(): number {
    return this.h !== null ? this.h.totalCount : this.frozenCount;
  }

  /** The value at `percentile` (0..100): the highest value equivalent to the bucket it falls in. */
  percentile(percentile: number): number {
    return this.h !== null ? this.h.getValueAtPercentile(percentile) : this.read((h) => h.getValueAtPercentile(percentile));
  }

  /**
   * For each 0-based rank (of `count` values, sorted), the middle of the HDR bucket holding the
   * value of that rank, in recorded units: within half a bucket (2^-11 relative at 3 digits, 2^-8
   * at 2) of every value the bucket holds. k6's percentile interpolates between two ranks
   * (evaluator/aggregates.ts); a frozen histogram is decoded once for all of them.
   */
  rankValues(ranks: readonly number[]): number[] {
    return this.h !== null ? this.ranksOf(this.h, ranks) : this.read((h) => this.ranksOf(h, ranks));
  }

  /** rankValues and the encoding, decoding a frozen histogram once for both. */
  rankValuesAndEncoding(ranks: readonly number[]): { values: number[]; encoded: string } {
    const both = (h: hdr.Histogram) => ({ values: this.ranksOf(h, ranks), encoded: hdr.encodeIntoCompressedBase64(h) });
    return this.h !== null ? both(this.h) : this.read(both);
  }

  private ranksOf(h: hdr.Histogram, ranks: readonly number[]): number[] {
    const n = h.totalCount;
    const halfMagnitude = Math.ceil(Math.log2(2 * 10 ** this.digits)) - 1;
    return ranks.map((r) => {
      // (r + 0.5) / n of the count: HDR rounds the count up to r + 1, the 1-based rank.
      const highest = h.getValueAtPercentile((100 * (r + 0.5)) / n);
      const size = highest <= 0 ? 1 : 2 ** Math.max(0, Math.floor(Math.log2(highest)) - halfMagnitude);
      return highest - (size - 1) / 2;
    });
  }

  /** Adds `other` into this one (`other` is unchanged). */
  merge(other: Histogram): void {
    if (this.h === null && other.h === null) {
      this.frozen!.push(...other.frozen!);
      this.frozenCount += other.frozenCount;
      return;
    }
    const target = this.h ?? this.thaw();
    if (other.h !== null) {
      target.add(other.h as never);
      return;
    }
    for (const part of other.frozen!) {
      const h = decodeWasm(part, 32); // a WASM histogram adds only WASM histograms
      try {
        target.add(h as never);
      } finally {
        h.destroy();
      }
    }
  }

  /** Adds a histogram in the reports' encoding (compressed base64, see encode) into this one. */
  mergeEncoded(base64: string): void {
    const h = Histogram.decode(base64);
    try {
      this.merge(h);
    } finally {
      h.destroy();
    }
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
    this.frozen = [(this.h as hdr.WasmHistogram).encode()];
    this.h.destroy();
    this.h = null;
  }

  /**
   * The raw encodings that add up to this histogram, for another thread (fromParts): a frozen one's
   * parts as they are (how a merged one is encoded depends on them), a live one's encoding.
   * WASM only (histogramBackend): the JS build has no raw encoding; its users record on one thread.
   */
  parts(): HistogramTransfer {
    if (this.frozen !== null) return { parts: this.frozen, count: this.frozenCount };
    return { parts: [(this.h as hdr.WasmHistogram).encode()], count: this.h!.totalCount };
  }

  destroy(): void {
    if (this.h === null && this.frozen === null) return;
    this.h?.destroy();
    this.h = null;
    this.frozen = null;
    live--;
  }

  /** The frozen parts added up into one histogram made by `decode` (auto-resizing). */
  private joined(decode: DecodeRaw): hdr.Histogram {
    const [first, ...rest] = this.frozen!;
    const h = decode(first!, 32);
    h.autoResize = true;
    for (const part of rest) {
      const p = decode(part, 32);
      h.add(p as never);
      p.destroy();
    }
    return h;
  }

  /** Calls `use` with the frozen histogram decoded for the moment (as a JS histogram). */
  private read<T>(use: (h: hdr.Histogram) => T): T {
    const h = this.joined(decodeJs);
    try {
      return use(h);
    } finally {
      h.destroy();
    }
  }

  private thaw(): hdr.Histogram {
    if (this.frozen === null) throw new Error('histogram used after destroy()');
    const h = this.joined(decodeWasm);
    this.h = h;
    this.frozen = null;
    return h;
  }
}

/**
 * What a compressed-base64 histogram holds, as text: its precision, total and every recorded value
 * with its count. Two encodings of the same contents can differ (the header carries the array
 * size, which depends on how the histogram grew); their contents compare equal.
 */
export function encodedContents(base64: string): string {
  const h = hdr.decodeFromCompressedBase64(base64, 32, false) as unknown as hdr.JsHistogram;
  const it = h.recordedValuesIterator;
  it.reset();
  const parts = [`digits=${h.numberOfSignificantValueDigits} total=${h.totalCount}`];
  while (it.hasNext()) {
    const v = it.next();
    parts.push(`${v.valueIteratedTo}:${v.countAtValueIteratedTo}`);
  }
  return parts.join(' ');
}
