// A process and all its descendants (`tree: true` on process-pause / process-kill): a Celery
// prefork worker is a main process and its pool children, and stopping only the main one leaves the
// children working. Descendants are found through /proc parent links at the moment of the signal.
import { readdirSync } from 'node:fs';
import { readProcStat } from '../../lib/proc.js';
import { refuseOwnProcesses } from './find-process.js';

/** The live descendants of `root` (children before grandchildren), from /proc. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const stat = readProcStat(pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X') continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length && out.length < 100_000) {
    for (const c of children.get(queue.shift()!) ?? []) {
      if (out.includes(c) || c === root) continue;
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Gone in between: nothing to signal.
  }
}

/**
 * Sends `sig` to the root's descendants, after SIGSTOP to the root so it cannot start new ones
 * meanwhile; repeats until no new descendant appears (a child forking while being listed), at most
 * a few rounds. Returns the descendants signalled. chaosgate and its ancestors are refused.
 */
export function signalTree(root: number, sig: 'SIGSTOP' | 'SIGKILL', target: string): number[] {
  refuseOwnProcesses(root, target);
  signal(root, 'SIGSTOP');
  const done = new Set<number>();
  for (let round = 0; round < 5; round++) {
    const fresh = descendants(root).filter((p) => !done.has(p));
    if (fresh.length === 0) break;
    for (const pid of fresh) refuseOwnProcesses(pid, target);
    // Stop them all first, so none reacts to a sibling's end by forking.
    for (const pid of fresh) signal(pid, 'SIGSTOP');
    for (const pid of fresh) done.add(pid);
  }
  if (sig === 'SIGKILL') {
    for (const pid of done) signal(pid, 'SIGKILL');
    signal(root, 'SIGKILL');
  }
  return [...done];
}

/** SIGCONT to the root's descendants (stopped ones keep their parent, so the tree is found again from the root alone) and the root. */
export function continueTree(root: number): void {
  for (const pid of descendants(root)) signal(pid, 'SIGCONT');
  signal(root, 'SIGCONT');
}
