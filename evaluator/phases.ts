// Labels samples by time with the run's phase: `baseline` before the first fault, `fault:<id>`
// while faults are on (`fault:a+b` when several overlap), `recovery` after they end, or a name the
// orchestrator sets. Events arrive before the samples of their time (k6's output lags), but
// samples may arrive out of order, so the label is looked up by time, not by arrival.
import type { Phase } from '../model/report.js';

import type { PhaseEvent } from '../model/events.js';

export type { PhaseEvent };

export class PhaseTimeline {
  /** Distinct phase names; a sample's phase is an index into this list. */
  readonly names: string[] = [];
  private readonly starts: number[] = [];
  private readonly nameIndex: number[] = [];
  private readonly active = new Set<string>();

  constructor(initial = 'baseline') {
    this.push(-Infinity, initial);
  }

  add(event: PhaseEvent): void {
    if (!Number.isFinite(event.time)) throw new Error(`phase event time ${event.time} is not a number`);
    let name: string;
    if ('phase' in event) {
      name = event.phase;
    } else {
      if (event.action === 'on') this.active.add(event.faultId);
      else this.active.delete(event.faultId);
      name = this.active.size ? `fault:${[...this.active].sort().join('+')}` : 'recovery';
    }
    this.push(event.time, name);
  }

  private push(time: number, name: string): void {
    let idx = this.names.indexOf(name);
    if (idx < 0) idx = this.names.push(name) - 1;
    // Events come in time order almost always; keep the arrays sorted anyway.
    let at = this.starts.length;
    while (at > 0 && this.starts[at - 1]! > time) at--;
    this.starts.splice(at, 0, time);
    this.nameIndex.splice(at, 0, idx);
  }

  /** Index (into `names`) of the phase at `time`. */
  at(time: number): number {
    const s = this.starts;
    let hi = s.length - 1;
    if (time >= s[hi]!) return this.nameIndex[hi]!;
    let lo = 0;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= time) lo = mid;
      else hi = mid - 1;
    }
    return this.nameIndex[lo]!;
  }

  /** Consecutive segments; the first starts at the first sample, the last is open (end null). */
  segments(firstTime: number | null, lastTime: number | null): Phase[] {
    const out: Phase[] = [];
    for (let i = 0; i < this.starts.length; i++) {
      const start = i === 0 ? (firstTime ?? this.starts[1] ?? 0) : this.starts[i]!;
      const next = this.starts[i + 1];
      out.push({ name: this.names[this.nameIndex[i]!]!, start, end: next ?? lastTime ?? null });
    }
    return out.filter((p) => p.end === null || p.end >= p.start);
  }

  get hasEvents(): boolean {
    return this.starts.length > 1;
  }
}
