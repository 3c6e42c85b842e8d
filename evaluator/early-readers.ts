// Reading threads for a big plain NDJSON file, started by the CLI's entry (cli/launch.ts) before
// the commands load. A reading thread takes ~50 ms from its start to its first line (Node's
// bootstrap in the thread, its bundle), and the main thread needs ~120 ms to load the commands and
// the config before evaluate.ts starts its readers: started there, the threads waited for that and
// the other core idled. Started here, they boot meanwhile and wait for their task (worker.ts);
// evaluate.ts takes them only for the same file, reader count and young generation it would have
// started them with, so the report cannot differ. Untaken ones are unreferenced: they never keep
// the process alive (a guess that missed costs their boot, ~30 ms of CPU each).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

/** The reading threads evaluate.ts starts for a big plain NDJSON file, and their young generation (MB). */
export const FILE_READERS = 2;
export const FILE_READERS_YOUNG_MB = 16;
/** The size from which a plain file gets FILE_READERS threads with the default workerMinBytes (64 MB × 4). */
export const EARLY_READERS_MIN_BYTES = 4 * 64 * 1024 * 1024;

const EARLY = Symbol.for('chaosgate.earlyReaders');

interface Early {
  path: string;
  workers: { worker: Worker; exited: boolean }[];
}

/** A file evaluate will very likely read with FILE_READERS threads: its absolute path, or null. */
export function earlyReadersFile(args: string[]): string | null {
  if (args[0] !== 'evaluate') return null;
  const threads = args.findIndex((a) => a === '--threads' || a.startsWith('--threads='));
  if (threads >= 0) {
    const value = args[threads]!.includes('=') ? args[threads]!.slice('--threads='.length) : args[threads + 1];
    if (Number(value) < 2) return null;
  }
  // Options' values (-c FILE, --json FILE) are small files; only one big input is guessed.
  const big = args.slice(1).filter((a) => !a.startsWith('-') && plainBigNdjson(a));
  return big.length === 1 ? resolve(big[0]!) : null;
}

function plainBigNdjson(path: string): boolean {
  try {
    const st = statSync(path);
    if (!st.isFile() || st.size < EARLY_READERS_MIN_BYTES) return false;
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(1);
      return readSync(fd, head, 0, 1, 0) === 1 && head[0] === 0x7b; // `{`: not gzip, not CSV
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}

/** Starts FILE_READERS reading threads (script: the bundled worker) waiting for their task on `path`. */
export function startEarlyReaders(path: string, script: URL): void {
  const workers = [];
  for (let i = 0; i < FILE_READERS; i++) {
    const worker = new Worker(script, { workerData: null, resourceLimits: { maxYoungGenerationSizeMb: FILE_READERS_YOUNG_MB } });
    const entry = { worker, exited: false };
    worker.once('exit', () => (entry.exited = true));
    worker.on('error', () => {}); // one that failed is not taken (exited)
    worker.unref();
    workers.push(entry);
  }
  (globalThis as { [EARLY]?: Early })[EARLY] = { path, workers };
}

/**
 * The threads startEarlyReaders started, once, when they are for `path` with `readers` threads of
 * `youngMb` and all still run (else none; the caller starts its own). Referenced again: the caller
 * sends each its task (worker.ts) and listens to it in the same turn.
 */
export function takeEarlyReaders(path: string, readers: number, youngMb: number): Worker[] | null {
  const g = globalThis as { [EARLY]?: Early };
  const early = g[EARLY];
  if (early === undefined) return null;
  delete g[EARLY];
  if (early.path !== resolve(path) || readers !== early.workers.length || youngMb !== FILE_READERS_YOUNG_MB || early.workers.some((w) => w.exited)) {
    for (const w of early.workers) void w.worker.terminate();
    return null;
  }
  return early.workers.map(({ worker }) => {
    worker.removeAllListeners('exit');
    worker.removeAllListeners('error');
    worker.ref();
    return worker;
  });
}
