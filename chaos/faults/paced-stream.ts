// A Transform that lets each chunk out at a computed time, in order, with bounded buffering: the
// shared mechanism behind latency, bandwidth and slow-body faults on both layers.
import { Transform, type TransformCallback } from 'node:stream';

/** The release time of a chunk (ms since epoch), or null to drop it. */
export type Pace = (now: number, lastReleaseAt: number, bytes: number) => number | null;

/** Bytes held back before the writer is made to wait (backpressure for throttled streams). */
const highWaterBytes = 64 * 1024;

export class PacedStream extends Transform {
  private readonly queue: { at: number; chunk: Buffer }[] = [];
  private queuedBytes = 0;
  private lastReleaseAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private waitingWrite: TransformCallback | undefined;
  private waitingFlush: TransformCallback | undefined;

  constructor(
    private readonly pace: Pace,
    /** Chunks are cut to at most this many bytes so pacing is smooth. */
    private readonly sliceBytes = Number.POSITIVE_INFINITY,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback): void {
    for (let offset = 0; offset < chunk.length; offset += this.sliceBytes) {
      const slice = this.sliceBytes >= chunk.length ? chunk : chunk.subarray(offset, offset + this.sliceBytes);
      const at = this.pace(Date.now(), this.lastReleaseAt, slice.length);
      if (at === null) continue;
      this.lastReleaseAt = at;
      this.queue.push({ at, chunk: slice });
      this.queuedBytes += slice.length;
    }
    this.release();
    if (this.queuedBytes > highWaterBytes) this.waitingWrite = callback;
    else callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.queue.length === 0) callback();
    else this.waitingFlush = callback;
  }

  override _destroy(err: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.timer);
    callback(err);
  }

  private release(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now) {
      const { chunk } = this.queue.shift()!;
      this.queuedBytes -= chunk.length;
      this.push(chunk);
    }
    if (this.queuedBytes <= highWaterBytes && this.waitingWrite) {
      const cb = this.waitingWrite;
      this.waitingWrite = undefined;
      cb();
    }
    if (this.queue.length > 0) {
      this.timer = setTimeout(() => this.release(), this.queue[0]!.at - now);
    } else if (this.waitingFlush) {
      const cb = this.waitingFlush;
      this.waitingFlush = undefined;
      cb();
    }
  }
}

/** Release after a fixed delay from arrival, never before the previous chunk. */
export function delayPace(delayMs: () => number): Pace {
  return (now, last) => Math.max(last, now + delayMs());
}

/** Release at a rate: each chunk waits for its own transmission time after the previous one. */
export function bandwidthPace(bytesPerSecond: number): Pace {
  return (now, last, bytes) => Math.max(last, now) + (bytes * 1000) / bytesPerSecond;
}

/** Slice size for a smooth rate: about 20 slices a second, at least 1 byte. */
export function sliceForRate(bytesPerSecond: number): number {
  return Math.max(1, Math.floor(bytesPerSecond / 20));
}

/** Latency with optional uniform jitter (±jitterMs), never negative. */
export function jittered(fixedMs: number, jitterMs: number): () => number {
  return () => Math.max(0, fixedMs + (jitterMs > 0 ? (Math.random() * 2 - 1) * jitterMs : 0));
}
