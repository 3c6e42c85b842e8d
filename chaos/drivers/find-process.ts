// Finds the process a process driver acts on: a target "cmd:<text>" matches a command line in
// /proc, any other target is a PID file. What is found is checked before anything is signalled:
// never PID 1, chaosgate itself or a process it runs under, and never a PID that now belongs to
// another process than the one recorded (its /proc start time changed: the PID was reused).
import { readdir, readFile } from 'node:fs/promises';
import { SafetyError } from '../../lib/errors.js';
import { PreflightFailure } from './checks.js';
import { isSameProcess, pidAlive, processStartTicks, selfAndAncestors, threadGroupOf } from '../../lib/proc.js';

async function pidFromFile(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function pidFromCommand(text: string): Promise<number | undefined> {
  const own = selfAndAncestors();
  for (const name of await readdir('/proc')) {
    const pid = Number(name);
    // The shell that started chaosgate has the text in its command line too: not a candidate.
    if (!Number.isInteger(pid) || own.includes(pid)) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.replaceAll('\0', ' ').includes(text)) return pid;
  }
  return undefined;
}

/** The live PID the target names, or undefined. A zombie (killed, not yet collected by its parent) is not live. */
export async function findProcess(target: string): Promise<number | undefined> {
  const pid = target.startsWith('cmd:') ? await pidFromCommand(target.slice(4)) : await pidFromFile(target);
  return pid !== undefined && pidAlive(pid) && processStartTicks(pid) !== undefined ? pid : undefined;
}

/** A process to signal: its PID and its start time when found. */
export interface ProcessRef {
  pid: number;
  /** /proc/PID/stat field 22; absent in journals written before it was recorded. */
  startTicks?: string;
}

/**
 * Throws a SafetyError when `pid` is PID 1, chaosgate itself or one of its ancestors, or a thread
 * (kill(2) with a thread id signals the whole process it belongs to: resolved to that first).
 */
export function refuseOwnProcesses(pid: number, target: string): void {
  const tgid = threadGroupOf(pid) ?? pid;
  const thread = tgid !== pid ? `thread ${pid} of ` : '';
  if (tgid === 1) throw new SafetyError(`${target} names ${thread}PID 1 (init): refused`);
  if (tgid === process.pid) throw new SafetyError(`${target} names ${thread}PID ${tgid}, chaosgate itself: refused (it would stop the process that has to undo it)`);
  if (selfAndAncestors().includes(tgid)) {
    throw new SafetyError(`${target} names ${thread}PID ${tgid}, a parent of chaosgate (pid ${process.pid}): refused (it would stop the process that runs chaosgate)`);
  }
  if (thread) throw new SafetyError(`${target} names thread ${pid} of process ${tgid}, not a process: refused (a signal to it would reach the whole process ${tgid})`);
}

/** The live, permitted process the target names, with its start time; throws otherwise. */
export async function requireProcess(target: string): Promise<ProcessRef> {
  const pid = await findProcess(target);
  if (pid === undefined) throw new Error(`no running process for ${target}`);
  refuseOwnProcesses(pid, target);
  const startTicks = processStartTicks(pid);
  if (startTicks === undefined) throw new Error(`no running process for ${target} (pid ${pid} is gone or a zombie)`);
  return { pid, startTicks };
}

/** Throws unless `ref` still names the process recorded (same start time). */
export function requireSameProcess(ref: ProcessRef, target: string): void {
  refuseOwnProcesses(ref.pid, target);
  if (ref.startTicks !== undefined && !isSameProcess(ref.pid, ref.startTicks)) {
    const now = processStartTicks(ref.pid);
    throw new SafetyError(
      now === undefined
        ? `${target}: pid ${ref.pid} has exited`
        : `${target}: pid ${ref.pid} now belongs to another process (start time ${now}, recorded ${ref.startTicks}: the PID was reused); not signalled`,
    );
  }
}

/** True when `ref` still names the recorded process (or, without a start time, any live one). */
export function stillSameProcess(ref: ProcessRef): boolean {
  return ref.startTicks !== undefined ? isSameProcess(ref.pid, ref.startTicks) : pidAlive(ref.pid);
}

/** A process as a shared fault target: its PID and start time (a reused PID is another target). */
export function processKey(ref: ProcessRef): string {
  return `process ${ref.pid}${ref.startTicks ? `/${ref.startTicks}` : ''}`;
}

/** Preflight of a process target: the PID file exists (else exit 2), names a live, permitted process. */
export async function checkProcessTarget(target: string): Promise<void> {
  if (!target.startsWith('cmd:')) {
    const text = await readFile(target, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new PreflightFailure(`PID file ${target}: ${err.code === 'ENOENT' ? 'does not exist' : (err.code ?? err.message)}`, true);
    });
    if (!/^\s*\d+\s*$/.test(text)) throw new PreflightFailure(`PID file ${target}: holds no PID`, true);
  }
  try {
    await requireProcess(target);
  } catch (err) {
    if (err instanceof SafetyError) throw new PreflightFailure(err.message, true);
    throw err;
  }
}
