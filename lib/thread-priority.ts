// Lowers the CPU priority of the calling thread only (Linux: nice is per thread, and a thread's
// id names it to setpriority). Used by the reading thread of live input, so that parsing k6's
// samples gives way to the k6 run that makes them (docs/benchmarks.md, "Live input").
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** Highest nice value Linux has. */
const MAX_NICE = 19;

/** The calling thread's id, from /proc/thread-self (`<pid>/task/<tid>`); null where there is none. */
export function threadId(): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/**
 * Makes the calling thread `steps` nice levels nicer than it is (never less nice: any user may).
 * Returns the nice value it now has, or null where threads cannot be told apart (not Linux).
 */
export function lowerThreadPriority(steps: number): number | null {
  const tid = threadId();
  if (tid === null) return null;
  try {
    const nice = Math.min(MAX_NICE, getPriority(tid) + steps);
    setPriority(tid, nice);
    return getPriority(tid);
  } catch {
    return null;
  }
}
