// The reading half of an evaluation, for a worker thread: it reads and checks the lines of one
// source and emits batches of points as [series key id, time, value] triples, with the events
// between them (new keys, declarations, malformed lines) in stream order. The main thread applies
// the batches to its one Evaluation (Evaluation.ingestBatch), so there is one set of histograms,
// not one per thread, and reading (most of the work, and nearly all the garbage) runs beside it.
import { SourceReader, type InputFormat } from './readers/index.js';
import { tagsKey, type SampleSink } from './readers/types.js';
import type { TextTarget } from './input.js';

/** Points per batch: a 128 KB slot of the shared record ring. */
export const BATCH_POINTS = 4096;
/** Float64 values per point: [key id, time, value, line]. */
export const POINT_VALUES = 4;
/** Float64 values per slot. */
export const SLOT_VALUES = BATCH_POINTS * POINT_VALUES;

export type ScanEvent =
  | { kind: 'key'; id: number; metric: string; tagsRaw: string | null; tags: Record<string, string> | null }
  /** Key ids start again from 0 (the scanner's key table was full). */
  | { kind: 'reset-keys' }
  | { kind: 'declare'; metric: string; metricKind: string; isTime: boolean; thresholds: string[]; line: number }
  | { kind: 'malformed'; line: number; reason: string }
  | { kind: 'note'; line: number; text: string }
  | { kind: 'format'; format: InputFormat }
  | { kind: 'source'; gzip?: boolean; bytes?: number };

export interface ScanBatch {
  /**
   * The ring slot holding its points: count × [key id, time (ms since the epoch), value, line in
   * the block read] from index slot × SLOT_VALUES. The ring is shared memory, so points are never
   * copied or allocated. The line names a sample the main thread leaves out (far off in time).
   */
  slot: number;
  count: number;
  /** Events, each placed before the point of index at[i]. */
  events: ScanEvent[];
  at: number[];
  /** Lines read since the previous batch. */
  lines: number;
  /** The last batch of a block of the file (input.ts readBlocks: one of several reading threads). */
  endOfBlock?: boolean;
}

/** How stale a live source's last batch may get before the reader hands on a part-full one. */
const IDLE_FLUSH_MS = 100;

/** Distinct metric + tag keys one scanner keeps before it starts its ids again. */
const MAX_KEYS = 50_000;

/** A record ring of `slots` slots in shared memory (a SharedArrayBuffer crosses threads as is). */
export function createRing(slots: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(slots * SLOT_VALUES * Float64Array.BYTES_PER_ELEMENT));
}

export class Scanner implements SampleSink, TextTarget {
  private readonly source: SourceReader;
  private batch: ScanBatch;
  /** Where the current batch's records go in the ring. */
  private base = 0;
  private readonly slots: number;
  private readonly keys = new Map<string, Map<string, number>>();
  private keyCount = 0;
  private lastTagsRaw: string | null = null;
  private lastKeys: Map<string, number> | null = null;
  private flushedAt = 0;

  /**
   * `emit` gets each full (or flushed) batch and must return only once the next slot is free
   * (the slot after it, round the ring, has been consumed).
   */
  constructor(
    private readonly ring: Float64Array,
    private readonly emit: (batch: ScanBatch) => void,
    format?: InputFormat,
    private readonly maxKeys = MAX_KEYS,
  ) {
    this.source = new SourceReader(this, format, (detected) => this.event({ kind: 'format', format: detected }));
    this.slots = ring.length / SLOT_VALUES;
    this.batch = { slot: 0, count: 0, events: [], at: [], lines: 0 };
  }

  private event(e: ScanEvent): void {
    this.batch.events.push(e);
    this.batch.at.push(this.batch.count);
  }

  /** Sends what is batched (also when only events or lines are in it). */
  flush(): void {
    const b = this.batch;
    if (b.count === 0 && b.events.length === 0 && b.lines === 0) return;
    this.send();
  }

  /** Ends a block of the file (input.ts readBlocks): sends what is batched, marked so, even when empty. */
  endBlock(): void {
    this.batch.endOfBlock = true;
    this.send();
  }

  private send(): void {
    const b = this.batch;
    this.flushedAt = performance.now();
    const slot = (b.slot + 1) % this.slots;
    this.batch = { slot, count: 0, events: [], at: [], lines: 0 };
    this.base = slot * SLOT_VALUES;
    this.emit(b);
  }

  /**
   * A live source is about to wait: hand on what is batched if the last batch went out over
   * IDLE_FLUSH_MS ago. Not at every wait: a batch per pipe read (64 KB) would fill the ring's
   * slots with small batches, and a pause of the main thread would then stall the reader.
   */
  idle(): void {
    const now = performance.now();
    if (now - this.flushedAt < IDLE_FLUSH_MS) return;
    this.flush();
  }

  describeSource(_name: string, facts: { gzip?: boolean; bytes?: number }): void {
    this.event({ kind: 'source', ...facts });
  }

  ingestText(text: string, start: number, end: number, _source: string, firstLineNo: number): number {
    const lines = this.source.readText(text, start, end, firstLineNo);
    this.batch.lines += lines;
    return lines;
  }

  /** The key ids by metric of one tag set (the previous point's, most of the time). */
  private keysOf(tagsRaw: string | null, tags: Record<string, string> | null): Map<string, number> {
    if (tagsRaw !== null && tagsRaw === this.lastTagsRaw) return this.lastKeys!;
    const key = tagsKey(tagsRaw, tags);
    let perTags = this.keys.get(key);
    if (perTags === undefined) this.keys.set(key, (perTags = new Map()));
    this.lastTagsRaw = tagsRaw;
    this.lastKeys = perTags;
    return perTags;
  }

  point(metric: string, time: number, value: number, tagsRaw: string | null, tags: Record<string, string> | null, line: number): void {
    let perTags = this.keysOf(tagsRaw, tags);
    let id = perTags.get(metric);
    if (id === undefined) {
      if (this.keyCount >= this.maxKeys) {
        // Unbounded tag values (URLs with ids): forget every key, here and in the main thread.
        this.keys.clear();
        this.keyCount = 0;
        this.lastTagsRaw = null;
        this.event({ kind: 'reset-keys' });
        perTags = this.keysOf(tagsRaw, tags);
      }
      id = this.keyCount++;
      perTags.set(metric, id);
      this.event({ kind: 'key', id, metric, tagsRaw, tags: tagsRaw === null ? tags : null });
    }
    const b = this.batch;
    const k = this.base + b.count * POINT_VALUES;
    this.ring[k] = id;
    this.ring[k + 1] = time;
    this.ring[k + 2] = value;
    this.ring[k + 3] = line;
    if (++b.count === BATCH_POINTS) this.flush();
  }

  declare(metric: string, kind: string, isTime: boolean, thresholds: string[], line: number): void {
    this.event({ kind: 'declare', metric, metricKind: kind, isTime, thresholds, line });
  }

  malformed(line: number, reason: string): void {
    this.event({ kind: 'malformed', line, reason });
  }

  note(line: number, text: string): void {
    this.event({ kind: 'note', line, text });
  }
}
