// The rollback journal: what is applied, written before each change, so that whatever a run leaves
// behind (SIGKILL included) is undone by the next start or `chaos clear`. One file per session
// (`<name>.<pid>-<start ms>.json` beside the configured `chaos.journal`), each written only by its
// own session, atomically: sessions side by side never lose each other's entries.
import { readdir, readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { InputError } from '../lib/errors.js';
import { isSameProcess, pidAlive } from '../lib/proc.js';
import { redactUrl } from '../lib/redact.js';

export interface JournalEntry {
  faultId: string;
  kind: string;
  target: string;
  /** "applying" is written before the change, "applied" after it; both are undone on recovery. */
  state: 'applying' | 'applied';
  since: string;
  /** The driver's undo record; null for proxy faults, which die with their process. */
  undo: unknown;
}

export interface JournalFile {
  version: 1;
  /** startTicks: /proc start time of the owner, so a reused PID is not taken for a live owner. */
  owner: { pid: number; startedAt: string; startTicks?: string };
  /** Without credentials. */
  redisUrl: string;
  /** The running session's control endpoint, for `chaos status`. */
  controlUrl?: string;
  entries: JournalEntry[];
}

export async function readJournal(path: string): Promise<JournalFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new InputError(`chaos journal ${path}: ${(err as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as JournalFile;
    if (parsed.version !== 1 || !Array.isArray(parsed.entries)) throw new Error('not a version 1 journal');
    return parsed;
  } catch (err) {
    throw new InputError(`chaos journal ${path}: unreadable (${(err as Error).message}); undo its toggles by hand, then delete it`);
  }
}

/** The fields that hold URLs (entry targets, a hook's or Toxiproxy's url): values such as a Redis key's prior stay exact. */
const URL_FIELDS = new Set(['target', 'url', 'redisUrl', 'controlUrl']);

/** Writes the journal, or removes it when nothing is applied. */
export async function writeJournal(path: string, journal: JournalFile): Promise<void> {
  if (journal.entries.length === 0) await rm(path, { force: true });
  // No secret on disk: every URL in it (a hook's, Redis's) loses credentials and query values;
  // recovery matches a redacted URL back to the config's (unredactUrls).
  else await writeFileAtomic(path, `${JSON.stringify(journal, (k, v: unknown) => (typeof v === 'string' && URL_FIELDS.has(k) ? redactUrl(v) : v), 2)}\n`);
}

const stem = (configured: string) => basename(configured).replace(/\.json$/, '');

/** This session's own journal file beside the configured one. */
export function sessionJournalPath(configured: string, pid: number, startedMs: number, seq = 0): string {
  return join(dirname(configured), `${stem(configured)}.${pid}-${startedMs}${seq ? `-${seq}` : ''}.json`);
}

export type FoundChaosJournal = { path: string; journal: JournalFile } | { path: string; error: string };

/** Every journal of the configured path: the file itself (one per config, as older versions wrote it) and each session's. */
export async function readJournals(configured: string): Promise<FoundChaosJournal[]> {
  const dir = dirname(configured);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const own = new RegExp(`^${stem(configured).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\.\\d+-\\d+(-\\d+)?)?\\.json$`);
  const found: FoundChaosJournal[] = [];
  for (const name of names.filter((n) => own.test(n)).sort()) {
    const path = join(dir, name);
    try {
      const journal = await readJournal(path);
      if (journal) found.push({ path, journal });
    } catch (err) {
      found.push({ path, error: (err as Error).message });
    }
  }
  // Newest session first: undoing runs in the reverse order of applying.
  return found.sort((a, b) => ('journal' in b ? b.journal.owner.startedAt : '').localeCompare('journal' in a ? a.journal.owner.startedAt : ''));
}

/** Journals of sessions open in this process (several in tests): never undone from under them. */
export const openSessionJournals = new Set<string>();

/** True while the session that wrote the journal runs (same PID and start time, or open here). */
export function journalOwnerRuns(path: string, journal: JournalFile): boolean {
  if (openSessionJournals.has(path)) return true;
  const { pid, startTicks } = journal.owner;
  if (pid === process.pid) return false;
  if (startTicks !== undefined) return isSameProcess(pid, startTicks);
  return pidAlive(pid);
}

/**
 * A journalled record with each redacted URL replaced by the full one among `candidates` (the
 * config's plan targets) that redacts to it; a URL no candidate matches stays redacted.
 */
export function unredactUrls<T>(record: T, candidates: readonly string[]): T {
  const full = new Map(candidates.filter((c) => redactUrl(c) !== c).map((c) => [redactUrl(c), c]));
  if (full.size === 0) return record;
  return JSON.parse(JSON.stringify(record), (_k, v: unknown) => (typeof v === 'string' ? (full.get(v) ?? v) : v)) as T;
}
