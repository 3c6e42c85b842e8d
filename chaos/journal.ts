// The rollback journal: what is applied, written before each change, so that whatever a run leaves
// behind (SIGKILL included) is undone by the next start or `chaos clear`.
import { readFile, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { InputError } from '../lib/errors.js';

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
  owner: { pid: number; startedAt: string };
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

/** Writes the journal, or removes it when nothing is applied. */
export async function writeJournal(path: string, journal: JournalFile): Promise<void> {
  if (journal.entries.length === 0) await rm(path, { force: true });
  else await writeFileAtomic(path, `${JSON.stringify(journal, null, 2)}\n`);
}
