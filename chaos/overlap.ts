// Plan entries that would overlap on one target in a way no undo order can put right are refused when
// the plan is read (exit 2), before anything runs: a process kill sharing its process with another
// fault, and http hooks on one URL whose on/off bodies differ (the endpoint's own stacking is unknown).
// Everything else composes at run time (docs/chaos.md "Overlapping faults").
import { isDeepStrictEqual } from 'node:util';

interface OverlapEntry {
  id: string;
  kind: string;
  target: string;
  at: number;
  duration?: number;
  params: Record<string, unknown>;
}

const overlaps = (a: OverlapEntry, b: OverlapEntry) => a.at < b.at + (b.duration ?? Infinity) && b.at < a.at + (a.duration ?? Infinity);

function conflict(a: OverlapEntry, b: OverlapEntry): string | undefined {
  if (a.target !== b.target) return undefined;
  const process = (k: string) => k === 'process-kill' || k === 'process-pause';
  if (process(a.kind) && process(b.kind) && (a.kind === 'process-kill' || b.kind === 'process-kill')) {
    return `a process-kill and another process fault on one process at once: the kill ends what the other would undo`;
  }
  if (a.kind === 'http-hook' && b.kind === 'http-hook') {
    const same = (k: string) => isDeepStrictEqual(a.params[k], b.params[k]);
    if (!same('method') || !same('on') || !same('off'))
      return `http hooks on one URL at once with different method/on/off bodies: which state the endpoint holds when one ends is unknown`;
  }
  return undefined;
}

/** Issues at `plan.<i>.at` for entries that overlap another on the same target and cannot compose. */
export function planOverlapIssues(plan: readonly OverlapEntry[]): Array<{ path: (string | number)[]; message: string }> {
  const issues: Array<{ path: (string | number)[]; message: string }> = [];
  plan.forEach((b, j) => {
    for (const a of plan.slice(0, j)) {
      const why = overlaps(a, b) ? conflict(a, b) : undefined;
      if (why) issues.push({ path: ['plan', j, 'at'], message: `"${b.id}" overlaps "${a.id}" on ${b.target}: ${why}; refused (let one end before the other starts)` });
    }
  });
  return issues;
}
