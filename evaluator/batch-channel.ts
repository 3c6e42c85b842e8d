// How a reading thread hands its batches (scan.ts) to the main thread: through shared memory, not a
// message per batch. A message per 4096-point batch cost the reading thread ~14 % of its time
// (postMessage, at 20 M points ~4 900 of them) and the main thread a turn of its event loop each;
// here the reader publishes a batch with two atomic writes and wakes the main thread only when it
// waits. Events (new keys, declarations, malformed lines; rare) travel on their own port, which the
// main thread reads synchronously when it reaches their batch, so order is kept.
import { MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { ScanBatch, ScanEvent } from './scan.js';

/** ctl: batches published, batches consumed, 1 while the main thread waits for a wake message. */
const PUBLISHED = 0;
const CONSUMED = 1;
const WAITING = 2;
/** meta per slot: point count, lines, flags. */
const META = 3;
const HAS_EVENTS = 1;
const END_OF_BLOCK = 2;

/** The shared parts, created by the main thread and given to the reading thread in its task. */
export interface BatchChannel {
  slots: number;
  ctl: SharedArrayBuffer;
  meta: SharedArrayBuffer;
  /** The reading thread's end of the events port (transferred). */
  events: MessagePort;
}

/** The reading thread's side. `wake` tells the main thread to look (a message on its port). */
export class BatchPublisher {
  private readonly ctl: Int32Array;
  private readonly meta: Int32Array;

  constructor(
    private readonly channel: BatchChannel,
    private readonly wake: () => void,
  ) {
    this.ctl = new Int32Array(channel.ctl);
    this.meta = new Int32Array(channel.meta);
  }

  /** Publishes `batch` and returns once the slot after it is free (scan.ts's emit contract). */
  publish(batch: ScanBatch): void {
    const m = batch.slot * META;
    this.meta[m] = batch.count;
    this.meta[m + 1] = batch.lines;
    this.meta[m + 2] = (batch.events.length > 0 ? HAS_EVENTS : 0) | (batch.endOfBlock ? END_OF_BLOCK : 0);
    if (batch.events.length > 0) this.channel.events.postMessage({ events: batch.events, at: batch.at });
    const published = Atomics.add(this.ctl, PUBLISHED, 1) + 1;
    if (Atomics.compareExchange(this.ctl, WAITING, 1, 0) === 1) this.wake();
    for (let c = Atomics.load(this.ctl, CONSUMED); published - c >= this.channel.slots; c = Atomics.load(this.ctl, CONSUMED)) {
      Atomics.wait(this.ctl, CONSUMED, c, 1000);
    }
  }
}

/** The main thread's side: creates the channel; takes published batches in order. */
export class BatchConsumer {
  readonly channel: BatchChannel;
  private readonly ctl: Int32Array;
  private readonly meta: Int32Array;
  private readonly events: MessagePort;
  private consumed = 0;

  constructor(slots: number) {
    const ctl = new SharedArrayBuffer(3 * 4);
    const meta = new SharedArrayBuffer(slots * META * 4);
    const { port1, port2 } = new MessageChannel();
    this.channel = { slots, ctl, meta, events: port2 };
    this.ctl = new Int32Array(ctl);
    this.meta = new Int32Array(meta);
    this.events = port1;
    // Nothing taken yet: the first batch published wakes the main thread.
    Atomics.store(this.ctl, WAITING, 1);
  }

  /**
   * The next published batch (its slot stays the reader's until release()), or null when there is
   * none yet: then the reading thread sends a wake message when it publishes one.
   */
  take(): ScanBatch | null {
    if (this.consumed === Atomics.load(this.ctl, PUBLISHED)) {
      Atomics.store(this.ctl, WAITING, 1);
      if (this.consumed === Atomics.load(this.ctl, PUBLISHED)) return null;
      Atomics.store(this.ctl, WAITING, 0);
    }
    const slot = this.consumed % this.channel.slots;
    const m = slot * META;
    let events: ScanEvent[] = [];
    let at: number[] = [];
    if ((this.meta[m + 2]! & HAS_EVENTS) !== 0) {
      const msg = receiveMessageOnPort(this.events)?.message as { events: ScanEvent[]; at: number[] } | undefined;
      if (msg === undefined) throw new Error('the reading thread published a batch without its events');
      ({ events, at } = msg);
    }
    return { slot, count: this.meta[m]!, lines: this.meta[m + 1]!, events, at, endOfBlock: (this.meta[m + 2]! & END_OF_BLOCK) !== 0 };
  }

  /** The batch take() gave is applied: its slot is the reader's again. */
  release(): void {
    this.consumed++;
    Atomics.store(this.ctl, CONSUMED, this.consumed);
    Atomics.notify(this.ctl, CONSUMED);
  }

  close(): void {
    this.events.close();
  }
}
