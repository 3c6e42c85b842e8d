// Runs a snippet of project code in a worker thread with a deadline, so a test of a loop that must
// end fails (instead of hanging the test process) when the loop does not: a worker stuck in a
// synchronous loop can still be terminated, the test's own thread cannot.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { projectRoot } from '../../lib/tools.js';

export type Bounded<T> = { timedOut: true } | { timedOut: false; value: T };

/**
 * Bundles `source` (an ES module whose imports are relative to the project root, and which
 * posts its result once with `parentPort.postMessage`)
 * and runs it in a worker; resolves with what it posted, or timedOut after `timeoutMs`.
 */
export async function runBounded<T>(name: string, source: string, timeoutMs: number): Promise<Bounded<T>> {
  await mkdir(join(projectRoot, '.chaosgate'), { recursive: true });
  const dir = await mkdtemp(join(projectRoot, '.chaosgate', `bounded-${name}-`));
  try {
    const entry = join(dir, 'entry.mjs');
    const result = await build({
      stdin: { contents: source, resolveDir: projectRoot, loader: 'ts', sourcefile: `${name}.ts` },
      bundle: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      write: false,
      logLevel: 'error',
    });
    await writeFile(entry, result.outputFiles[0]!.text);
    const worker = new Worker(entry);
    return await new Promise<Bounded<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        void worker.terminate();
        resolve({ timedOut: true });
      }, timeoutMs);
      worker.once('message', (value: T) => {
        clearTimeout(timer);
        void worker.terminate();
        resolve({ timedOut: false, value });
      });
      worker.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
