// Undoes what the journals say is still applied: run at every session start and by `chaos clear`.
// Each session has its own journal; one whose session still runs is left to it (its events stay
// true) unless `force` asks to stop that session first, which then rolls back and logs it itself.
// Then stops the processes a killed run left (the process journals beside the chaos journal).
import { dirname, resolve } from 'node:path';
import { ChaosgateError } from '../lib/errors.js';
import { describeReap, reapLeftovers, type ReapReport } from '../lib/process-journal.js';
import { ExitCode } from '../lib/exit-codes.js';
import { protectedPidReason } from '../lib/proc.js';
import { redactUrl } from '../lib/redact.js';
import { drivers, isDriverKind } from './drivers/index.js';
import { driverContext } from './drivers/context.js';
import { EventLog, type ChaosEvent } from './events.js';
import { removeServed } from './proxy/served.js';
import { journalOwnerRuns, readJournal, readJournals, unredactUrls, writeJournal, type JournalEntry, type JournalFile } from './journal.js';

export interface RecoverOptions {
  /** Used instead of the journal's (credential-free) URL, e.g. the config's with credentials. */
  redisUrl?: string;
  eventsPath?: string;
  onEvent?: (event: ChaosEvent) => void;
  env?: NodeJS.ProcessEnv;
  /** `chaos clear --force`: SIGTERM a live session (it rolls back itself), then undo what it left. */
  force?: boolean;
  /** Full URLs (the config's plan targets) a journal's redacted ones are matched back to. */
  urls?: readonly string[];
  /** `chaos clear --forget ID`: drop these fault ids from dead sessions' journals without undoing them. */
  forget?: string[];
}

export interface UndoneEntry extends JournalEntry {
  ownerPid: number;
  /** Set when there was nothing to undo (the paused process is gone): why nothing was done. */
  nothingToUndo?: string;
}

export interface LiveSession {
  pid: number;
  path: string;
  entries: JournalEntry[];
}

export interface RecoveryReport {
  journalPath: string;
  undone: UndoneEntry[];
  /** Sessions still running, whose faults were left alone. */
  live: LiveSession[];
  /** Live sessions `force` stopped. */
  stopped: number[];
  forgotten: UndoneEntry[];
  /** Processes and files of killed runs, stopped and removed after the undo. */
  reaped: ReapReport;
}

export async function recoverJournal(journalPath: string, opts: RecoverOptions = {}): Promise<RecoveryReport> {
  // The undo first: a paused worker is continued, then stopped for good; the reap runs even when the
  // undo fails (Redis down), since leftover processes are independent of the toggles.
  const undone = await undoJournals(journalPath, opts).then(
    (report) => ({ report }),
    (error: unknown) => ({ error }),
  );
  const reaped = await reapLeftovers(dirname(resolve(journalPath)));
  if ('error' in undone) throw undone.error;
  return { ...undone.report, reaped };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM to a live session's owner, then waits (bounded) for its rollback to remove its journal. */
async function stopSession(path: string, journal: JournalFile): Promise<string | undefined> {
  const why = protectedPidReason(journal.owner.pid);
  if (why) return `pid ${journal.owner.pid} is ${why}: not signalled`;
  try {
    process.kill(journal.owner.pid, 'SIGTERM');
  } catch (err) {
    return `pid ${journal.owner.pid}: ${(err as Error).message}`;
  }
  for (let i = 0; i < 300 && journalOwnerRuns(path, journal); i++) await sleep(50);
  return journalOwnerRuns(path, journal) ? `pid ${journal.owner.pid} still runs 15 s after SIGTERM` : undefined;
}

async function undoJournals(journalPath: string, opts: RecoverOptions): Promise<Omit<RecoveryReport, 'reaped'>> {
  const report: Omit<RecoveryReport, 'reaped'> = { journalPath, undone: [], live: [], stopped: [], forgotten: [] };
  const failures: string[] = [];
  for (const found of await readJournals(journalPath)) {
    if ('error' in found) {
      failures.push(found.error);
      continue;
    }
    let { journal } = found;
    if (journalOwnerRuns(found.path, journal)) {
      if (!opts.force) {
        report.live.push({ pid: journal.owner.pid, path: found.path, entries: journal.entries });
        continue;
      }
      const problem = await stopSession(found.path, journal);
      if (problem) {
        failures.push(`${found.path}: ${problem}`);
        continue;
      }
      report.stopped.push(journal.owner.pid);
      // Its own rollback normally removed the journal; what it could not undo is still listed.
      const left = await readJournal(found.path).catch(() => undefined);
      if (!left) continue;
      journal = left;
    }
    failures.push(...(await undoOne(found.path, journal, opts, report)));
  }
  if (failures.length > 0) {
    throw new ChaosgateError(
      `could not undo what the chaos journals list (kept for the next try):\n${failures.map((f) => `  - ${f}`).join('\n')}\n` +
        'fix the cause (e.g. start the Redis or hook server it names) and run `chaosgate chaos clear` again; or, once you have undone a fault by hand, ' +
        '`chaosgate chaos clear --forget <id>` drops it from the journal',
      ExitCode.internal,
    );
  }
  return report;
}

/** Undoes one dead session's journal, newest entry first; returns what failed. */
async function undoOne(path: string, journal: JournalFile, opts: RecoverOptions, report: Omit<RecoveryReport, 'reaped'>): Promise<string[]> {
  // The Redis the session used, as its journal recorded it (without credentials); the caller's URL
  // only when it names the same server (it may carry the credentials the journal left out).
  const redisUrl = opts.redisUrl !== undefined && redactUrl(opts.redisUrl) === journal.redisUrl ? opts.redisUrl : journal.redisUrl;
  const ctx = driverContext(redisUrl, { url: '', timeoutMs: 2000 }, opts.env ?? process.env);
  const events = new EventLog(opts.eventsPath, opts.onEvent);
  const remaining = [...journal.entries];
  const failures: string[] = [];
  const ownerPid = journal.owner.pid;
  try {
    for (const entry of [...journal.entries].reverse()) {
      if (opts.forget?.includes(entry.faultId)) {
        remaining.splice(remaining.indexOf(entry), 1);
        report.forgotten.push({ ...entry, ownerPid });
        await writeJournal(path, { ...journal, entries: remaining });
        continue;
      }
      try {
        // Proxy faults lived in the owner's proxy: gone with the dead owner, unless a serving
        // process (`chaos proxy serve`) holds the route; that one is asked to take it off.
        const nothing = isDriverKind(entry.kind) ? await drivers[entry.kind].undo(unredactUrls(entry.undo, opts.urls ?? []) as never, ctx) : await undoServed(entry, ownerPid);
        remaining.splice(remaining.indexOf(entry), 1);
        report.undone.push({ ...entry, ownerPid, ...(typeof nothing === 'string' ? { nothingToUndo: nothing } : {}) });
        events.write({ faultId: entry.faultId, kind: entry.kind, target: entry.target, action: 'off', params: { recovered: true } });
        await writeJournal(path, { ...journal, entries: remaining });
      } catch (err) {
        const where = entry.kind === 'redis-toggle' ? ` (tried Redis ${journal.redisUrl})` : '';
        failures.push(`${entry.faultId} (${entry.kind} ${entry.target}, ${path}): ${(err as Error).message}${where}`);
      }
    }
    if (remaining.length === 0) await writeJournal(path, { ...journal, entries: [] });
  } finally {
    await ctx.close();
  }
  return failures;
}

/** A served proxy fault of a dead session: taken off through the serving process; a reason when there was nothing to take off. */
async function undoServed(entry: JournalEntry, ownerPid: number): Promise<string | undefined> {
  const servedBy = (entry.undo as { servedBy?: unknown } | null)?.servedBy;
  if (typeof servedBy !== 'string') return undefined;
  const answer = await removeServed(servedBy, entry.faultId, { pid: ownerPid });
  return 'gone' in answer ? answer.gone : undefined;
}

/**
 * What a session start undid and reaped, one line each, for the run's output and report notes:
 * every run says what an earlier one left, whichever stack it uses.
 */
export function recoveryNotes(report: RecoveryReport): string[] {
  return [
    ...report.undone.map((u) =>
      u.nothingToUndo
        ? `nothing to undo for ${u.faultId} (${u.kind} -> ${u.target}) left applied by an earlier run: ${u.nothingToUndo}`
        : `undid ${u.faultId} (${u.kind} -> ${u.target}) left applied by an earlier run`,
    ),
    // What was stopped or removed; a leftover already gone by itself changes nothing worth a note.
    ...describeReap({ ...report.reaped, reaped: report.reaped.reaped.filter((p) => p.how !== 'gone') }),
  ];
}
