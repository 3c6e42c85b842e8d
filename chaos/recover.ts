// Undoes what a journal says is still applied: run at every session start and by `chaos clear`.
// Then stops the processes a killed run left (the process journals beside the chaos journal).
import { dirname, resolve } from 'node:path';
import { ChaosgateError, UsageError } from '../lib/errors.js';
import { reapLeftovers, type ReapReport } from '../lib/process-journal.js';
import { ExitCode } from '../lib/exit-codes.js';
import { drivers, isDriverKind } from './drivers/index.js';
import { isAlive } from './drivers/find-process.js';
import { driverContext } from './drivers/context.js';
import { EventLog, type ChaosEvent } from './events.js';
import { readJournal, writeJournal, type JournalEntry } from './journal.js';

export interface RecoverOptions {
  /** Used instead of the journal's (credential-free) URL, e.g. the config's with credentials. */
  redisUrl?: string;
  eventsPath?: string;
  onEvent?: (event: ChaosEvent) => void;
  env?: NodeJS.ProcessEnv;
  /** Session start: refuse while the journal's owner still runs. `chaos clear` undoes regardless. */
  refuseIfOwnerAlive?: boolean;
}

export interface RecoveryReport {
  journalPath: string;
  ownerPid?: number;
  ownerAlive: boolean;
  undone: JournalEntry[];
  /** Processes and files of killed runs, stopped and removed after the undo. */
  reaped: ReapReport;
}

export async function recoverJournal(journalPath: string, opts: RecoverOptions = {}): Promise<RecoveryReport> {
  // The undo first: a paused worker is continued, then stopped for good; the reap runs even when the
  // undo fails (Redis down), since leftover processes are independent of the toggles.
  const undone = await undoJournal(journalPath, opts).then(
    (report) => ({ report }),
    (error: unknown) => ({ error }),
  );
  const reaped = await reapLeftovers(dirname(resolve(journalPath)));
  if ('error' in undone) throw undone.error;
  return { ...undone.report, reaped };
}

async function undoJournal(journalPath: string, opts: RecoverOptions): Promise<Omit<RecoveryReport, 'reaped'>> {
  const journal = await readJournal(journalPath);
  if (!journal || journal.entries.length === 0) return { journalPath, ownerAlive: false, undone: [] };
  const ownerAlive = journal.owner.pid !== process.pid && isAlive(journal.owner.pid);
  if (ownerAlive && opts.refuseIfOwnerAlive) {
    throw new UsageError(`chaos journal ${journalPath} belongs to a running chaosgate (pid ${journal.owner.pid}); stop it, or undo its faults with \`chaosgate chaos clear\``);
  }
  const ctx = driverContext(opts.redisUrl ?? journal.redisUrl, { url: '', timeoutMs: 2000 }, opts.env ?? process.env);
  const events = new EventLog(opts.eventsPath, opts.onEvent);
  const remaining = [...journal.entries];
  const undone: JournalEntry[] = [];
  const failures: string[] = [];
  try {
    for (const entry of [...journal.entries].reverse()) {
      try {
        // Proxy faults live in the owner's proxy: gone with a dead owner, not reachable from here.
        if (isDriverKind(entry.kind)) await drivers[entry.kind].undo(entry.undo as never, ctx);
        else if (ownerAlive) continue;
        remaining.splice(remaining.indexOf(entry), 1);
        undone.push(entry);
        events.write({ faultId: entry.faultId, kind: entry.kind, target: entry.target, action: 'off', params: { recovered: true } });
        await writeJournal(journalPath, { ...journal, entries: remaining });
      } catch (err) {
        failures.push(`${entry.faultId} (${entry.kind} ${entry.target}): ${(err as Error).message}`);
      }
    }
  } finally {
    await ctx.close();
  }
  if (failures.length > 0) {
    throw new ChaosgateError(
      `could not undo what chaos journal ${journalPath} lists (kept there for the next try):\n${failures.map((f) => `  - ${f}`).join('\n')}`,
      ExitCode.internal,
    );
  }
  return { journalPath, ownerPid: journal.owner.pid, ownerAlive, undone };
}
