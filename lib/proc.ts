// What Linux says about a process, from /proc/PID/stat: its state, parent and start time. The start
// time (field 22, clock ticks since boot) tells a process from a later one that reuses its PID, so
// nothing recorded earlier ever signals a stranger.
import { readFileSync } from 'node:fs';

export interface ProcStat {
  pid: number;
  /** R, S, D, T (stopped), t, Z (zombie), X … */
  state: string;
  ppid: number;
  /** Field 19: the nice value (per thread on Linux: a thread's own stat has its own). */
  nice: number;
  /** Field 22: start time in clock ticks since boot, kept as text (it can outgrow 2^53 in theory). */
  startTicks: string;
}

/**
 * The process's stat (or, given `tid`, that thread's), or undefined when there is no such process
 * or thread (or /proc cannot say).
 */
export function readProcStat(pid: number, tid?: number): ProcStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0 || (tid !== undefined && (!Number.isInteger(tid) || tid <= 0))) return undefined;
  let text: string;
  try {
    text = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  const fields = text
    .slice(text.lastIndexOf(')') + 2)
    .trim()
    .split(' ');
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  const state = fields[0];
  const ppid = Number(fields[1]);
  const nice = Number(fields[16]);
  const startTicks = fields[19];
  if (!state || !Number.isInteger(ppid) || !Number.isInteger(nice) || !startTicks || !/^\d+$/.test(startTicks)) return undefined;
  return { pid, state, ppid, nice, startTicks };
}

/** The start time of a live process (zombies count as gone), or undefined. */
export function processStartTicks(pid: number): string | undefined {
  const stat = readProcStat(pid);
  return stat && stat.state !== 'Z' && stat.state !== 'X' ? stat.startTicks : undefined;
}

/** True while the process that had `startTicks` when recorded still runs under `pid`. */
/** Whether a process with this PID exists (EPERM: it exists, owned by another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isSameProcess(pid: number, startTicks: string): boolean {
  return processStartTicks(pid) === startTicks;
}

/** This process and its ancestors up to PID 1 (inclusive): PIDs nothing of ours may stop or kill. */
export function selfAndAncestors(pid = process.pid): number[] {
  const chain: number[] = [];
  for (let p = pid, hops = 0; p > 0 && hops < 1000 && !chain.includes(p); hops++) {
    chain.push(p);
    const stat = readProcStat(p);
    if (!stat) break;
    p = stat.ppid;
  }
  if (!chain.includes(1)) chain.push(1);
  return chain;
}

/**
 * The process a PID or a thread id belongs to (Tgid in /proc/N/status: /proc answers for thread
 * ids too, and kill(2) with a thread id signals its whole process), or undefined when there is none.
 */
export function threadGroupOf(id: number): number | undefined {
  if (!Number.isInteger(id) || id <= 0) return undefined;
  try {
    const m = /^Tgid:\s*(\d+)/m.exec(readFileSync(`/proc/${id}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why no signal of chaosgate's may go to `id`, or undefined: PID 1, chaosgate itself, a process it
 * runs under, or a thread of any of them (resolved to its process first).
 */
export function protectedPidReason(id: number): string | undefined {
  const tgid = threadGroupOf(id) ?? id;
  const thread = tgid !== id ? `thread ${id} of ` : '';
  if (tgid === 1) return `${thread}PID 1 (init)`;
  if (tgid === process.pid) return `${thread}chaosgate itself`;
  if (selfAndAncestors().includes(tgid)) return `${thread}a parent of chaosgate (pid ${process.pid}), pid ${tgid}`;
  return undefined;
}
