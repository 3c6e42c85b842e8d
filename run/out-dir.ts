// The run folder: chaosgate never deletes or overwrites a file it did not make there. A folder it
// made carries a marker; an existing folder without one is used only when none of the files a run
// writes is already in it (a user's k6.fifo, report.json … → exit 2, naming them). An earlier run's
// folder (marker present) is reused: that run's files are removed first, so nothing of it mixes in.
import { lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../lib/errors.js';
import { reportWriters } from '../reports/index.js';

export const RUN_MARKER = '.chaosgate-run';

/** Files a run writes into its folder (shards write `k6-<n>.*` beside them). */
const RUN_FILES = /^(k6(-\d+)?\.(fifo|ndjson|ndjson\.gz|log)|k6-summary\.json|samples\.ndjson|chaos-events\.jsonl|worker\.pid)$/;

const isRunFile = (name: string) => RUN_FILES.test(name) || Object.values(reportWriters).some((w) => w.fileName === name);

/** Creates or checks the run folder; returns true when it held an earlier run (its files now removed). */
export async function prepareOutDir(outDir: string): Promise<boolean> {
  const names = await readdir(outDir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new UsageError(`--out-dir ${outDir}: ${err.code ?? err.message}`);
  });
  if (names === undefined) {
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, RUN_MARKER), 'a chaosgate run folder: a later run with this --out-dir replaces its files\n');
    return false;
  }
  const ours = names.filter(isRunFile);
  if (!names.includes(RUN_MARKER)) {
    if (ours.length > 0) {
      throw new UsageError(
        `--out-dir ${outDir}: already holds ${ours.join(', ')}, not made by a chaosgate run there: refused (a run would replace them); choose a new folder or move them`,
      );
    }
    await writeFile(join(outDir, RUN_MARKER), 'a chaosgate run folder: a later run with this --out-dir replaces its files\n');
    return false;
  }
  for (const name of ours) {
    const st = await lstat(join(outDir, name));
    // Only files and FIFOs: a folder or link under one of these names is not something a run made.
    if (st.isFile() || st.isFIFO()) await rm(join(outDir, name), { force: true });
    else throw new UsageError(`--out-dir ${outDir}: ${name} is not a regular file (a ${st.isDirectory() ? 'folder' : 'link or device'}): refused`);
  }
  return ours.length > 0;
}
