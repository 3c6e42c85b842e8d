// The process journal: the processes a run starts (redis-server, the ingestion worker) and the files
// it leaves while running (the k6 FIFO, a server's data folder), written before they matter, so a
// run killed with SIGKILL leaves a list the next run or `chaos clear` reaps. One file per owner
// (processes-<pid>.json next to the chaos journal), so runs side by side never reap each other.
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { isSameProcess, pidAlive, processStartTicks, protectedPidReason, readProcStat, threadGroupOf } from './proc.js';

export interface JournaledProcess {
  pid: number;
  /** /proc/PID/stat field 22 when started: a PID reused by another process is never signalled. */
  startTicks: string;
  /** What it is, for messages: "redis-server", "ingestion worker". */
  role: string;
}

export interface ProcessJournalFile {
  version: 1;
  owner: { pid: number; startTicks: string };
  processes: JournaledProcess[];
  /** Paths to remove once the owner is gone (FIFOs, temp folders). */
  files: string[];
}

const FILE = /^processes-(\d+)\.json$/;
const UNKNOWN_START = '0';

export function processJournalPath(dir: string, ownerPid = process.pid): string {
  return join(dir, `processes-${ownerPid}.json`);
}

/** This process's journal; every change is written atomically before the call resolves. */
export class ProcessJournal {
  private readonly file: ProcessJournalFile;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {
    this.file = { version: 1, owner: { pid: process.pid, startTicks: processStartTicks(process.pid) ?? UNKNOWN_START }, processes: [], files: [] };
  }

  private static readonly open = new Map<string, ProcessJournal>();

  /** The one journal of this process in `dir`: every part of a run that starts a process shares it. */
  static forDir(dir: string): ProcessJournal {
    const path = processJournalPath(resolve(dir));
    let journal = ProcessJournal.open.get(path);
    if (!journal) ProcessJournal.open.set(path, (journal = new ProcessJournal(path)));
    return journal;
  }

  /** Records a started child; a child that is already gone is not recorded. */
  addProcess(pid: number | undefined, role: string): Promise<void> {
    const startTicks = pid === undefined ? undefined : processStartTicks(pid);
    if (pid === undefined || startTicks === undefined) return this.queue.then(() => {});
    return this.save(() => this.file.processes.push({ pid, startTicks, role }));
  }

  removeProcess(pid: number | undefined): Promise<void> {
    return this.save(() => (this.file.processes = this.file.processes.filter((p) => p.pid !== pid)));
  }

  addFile(path: string): Promise<void> {
    return this.save(() => this.file.files.includes(path) || this.file.files.push(path));
  }

  removeFile(path: string): Promise<void> {
    return this.save(() => (this.file.files = this.file.files.filter((f) => f !== path)));
  }

  private save(change: () => unknown): Promise<void> {
    const next = this.queue.then(async () => {
      change();
      if (this.file.processes.length === 0 && this.file.files.length === 0) await rm(this.path, { force: true });
      else await writeFileAtomic(this.path, `${JSON.stringify(this.file, null, 2)}\n`);
    });
    this.queue = next.catch(() => {});
    return next;
  }
}

/**
 * Journals a child started by any part of a run (e.g. k6) until it exits; resolves once written.
 * The journal is the one for `dir` (see ProcessJournal.forDir), so entries of a run share a file.
 */
export function journalChild(dir: string, child: ChildProcess, role: string): Promise<void> {
  const journal = ProcessJournal.forDir(dir);
  const added = journal.addProcess(child.pid, role);
  const forget = () => void added.then(() => journal.removeProcess(child.pid)).catch(() => {});
  if (child.exitCode !== null || child.signalCode !== null) forget();
  else child.once('exit', forget);
  return added;
}

export interface ReapedProcess extends JournaledProcess {
  /** The signal that ended it; "gone" when it had already exited (or its PID was reused). */
  how: 'SIGTERM' | 'SIGKILL' | 'gone';
}

export interface ReapReport {
  reaped: ReapedProcess[];
  removedFiles: string[];
  /** Journals of owners that still run: left alone. */
  ownersAlive: number[];
  problems: string[];
}

export interface ReapOptions {
  /** How long SIGTERM gets before SIGKILL; default 3 s. */
  graceMs?: number;
}

/** Without /proc (start time "0": unknown) a live PID counts as the owner: better kept than reaped. */
function ownerRuns(owner: ProcessJournalFile['owner']): boolean {
  if (owner.pid === process.pid || isSameProcess(owner.pid, owner.startTicks)) return true;
  if (owner.startTicks !== UNKNOWN_START) return false;
  return pidAlive(owner.pid);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Why a listed process is never signalled: chaosgate, its parents, PID 1, or a thread id. */
function refusal(p: JournaledProcess): string | undefined {
  const tgid = threadGroupOf(p.pid);
  return protectedPidReason(p.pid) ?? (tgid !== undefined && tgid !== p.pid ? `thread of process ${tgid}` : undefined);
}

function signal(p: JournaledProcess, sig: NodeJS.Signals): void {
  // Checked right before each signal: between two signals the PID may have been reused. A journal
  // is a file anyone may write: it never gets chaosgate, its parents, PID 1 or a thread signalled.
  if (!isSameProcess(p.pid, p.startTicks) || refusal(p) !== undefined) return;
  try {
    process.kill(p.pid, sig);
  } catch {
    // Gone in between, or not ours to signal (EPERM): the wait below reports what is left.
  }
}

async function waitGone(procs: JournaledProcess[], timeoutMs: number): Promise<JournaledProcess[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = procs.filter((p) => isSameProcess(p.pid, p.startTicks));
    if (left.length === 0 || Date.now() >= deadline) return left;
    await sleep(50);
  }
}

/**
 * What a listed path is, judged by itself (a journal is a file anyone may write): chaosgate lists
 * only FIFOs (`*.fifo`), PID files (`*.pid`, a few bytes) and its servers' temp folders
 * (`<tmpdir>/chaosgate-*`); anything else is never deleted.
 */
async function madeByChaosgate(file: string): Promise<'gone' | 'file' | 'folder' | 'other'> {
  const st = await lstat(file).catch(() => undefined);
  if (!st) return 'gone';
  const name = basename(file);
  if (st.isFIFO() && name.endsWith('.fifo')) return 'file';
  if (st.isFile() && name.endsWith('.pid') && st.size <= 64) return 'file';
  if (st.isDirectory() && dirname(resolve(file)) === resolve(tmpdir()) && name.startsWith('chaosgate-')) return 'folder';
  return 'other';
}

/** One process journal found in a folder: its content, or why it could not be read. */
export type FoundJournal = { path: string; journal: ProcessJournalFile; ownerRuns: boolean } | { path: string; error: string };

/** Every process journal in `dir` (none when the folder does not exist). */
export async function readProcessJournals(dir: string): Promise<FoundJournal[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const found: FoundJournal[] = [];
  for (const name of names.filter((n) => FILE.test(n)).sort()) {
    const path = join(dir, name);
    try {
      const journal = JSON.parse(await readFile(path, 'utf8')) as ProcessJournalFile;
      if (journal.version !== 1 || !journal.owner || !Array.isArray(journal.processes) || !Array.isArray(journal.files)) {
        throw new Error('not a version 1 process journal');
      }
      found.push({ path, journal, ownerRuns: ownerRuns(journal.owner) });
    } catch (err) {
      found.push({ path, error: (err as Error).message });
    }
  }
  return found;
}

/**
 * Stops what the process journals in `dir` list for owners that are gone: SIGCONT first (a stopped
 * worker cannot act on SIGTERM), SIGTERM, SIGKILL after `graceMs`; then removes their files and the
 * journal. Owners that still run (same PID and start time) are left alone. Never throws for a
 * process; what could not be stopped is in `problems` and its journal is kept for the next try.
 */
export async function reapLeftovers(dir: string, opts: ReapOptions = {}): Promise<ReapReport> {
  const report: ReapReport = { reaped: [], removedFiles: [], ownersAlive: [], problems: [] };
  for (const found of await readProcessJournals(dir)) {
    const { path } = found;
    if ('error' in found) {
      report.problems.push(`${path}: unreadable (${found.error}); stop what it lists by hand, then delete it`);
      continue;
    }
    const { journal } = found;
    if (found.ownerRuns) {
      report.ownersAlive.push(journal.owner.pid);
      continue;
    }
    const refused = journal.processes.filter((p) => isSameProcess(p.pid, p.startTicks) && refusal(p) !== undefined);
    for (const p of refused) report.problems.push(`${path} lists ${p.role} pid ${p.pid}, ${refusal(p)}: not signalled`);
    const live = journal.processes.filter((p) => isSameProcess(p.pid, p.startTicks) && !refused.includes(p));
    for (const p of journal.processes) if (!live.includes(p) && !refused.includes(p)) report.reaped.push({ ...p, how: 'gone' });
    for (const p of live) signal(p, 'SIGCONT');
    for (const p of live) signal(p, 'SIGTERM');
    const afterTerm = await waitGone(live, opts.graceMs ?? 3000);
    for (const p of live) if (!afterTerm.includes(p)) report.reaped.push({ ...p, how: 'SIGTERM' });
    for (const p of afterTerm) signal(p, 'SIGKILL');
    const afterKill = await waitGone(afterTerm, 2000);
    for (const p of afterTerm) if (!afterKill.includes(p)) report.reaped.push({ ...p, how: 'SIGKILL' });
    for (const p of afterKill) {
      report.problems.push(`${p.role} (pid ${p.pid}, state ${readProcStat(p.pid)?.state ?? '?'}) did not stop after SIGKILL`);
    }
    for (const file of journal.files) {
      const kind = await madeByChaosgate(file);
      if (kind === 'gone') continue;
      if (kind === 'other') {
        report.problems.push(`${path} lists ${file}, which is not a FIFO, PID file or temp folder chaosgate makes: not removed`);
        continue;
      }
      await rm(file, { recursive: kind === 'folder', force: true }).then(
        () => report.removedFiles.push(file),
        (err: Error) => report.problems.push(`${file}: ${err.message}`),
      );
    }
    if (afterKill.length === 0) await rm(path, { force: true });
  }
  return report;
}

/** What a reap did, one line each; nothing when there was nothing to do. */
export function describeReap(report: ReapReport): string[] {
  return [
    ...report.reaped.map((p) => `reaped ${p.role} (pid ${p.pid}) left by a killed run: ${p.how === 'gone' ? 'already gone' : `stopped with ${p.how}`}`),
    ...report.removedFiles.map((f) => `removed ${f} left by a killed run`),
    ...report.problems.map((p) => `could not clean up: ${p}`),
  ];
}
