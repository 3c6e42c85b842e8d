// A private bundle of the CLI and its evaluator worker, built from the sources under test (the
// same entries as scripts/build.mjs), for end-to-end tests that run `chaosgate` as a user does.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from '../../lib/tools.js';

export interface CliBundle {
  /** The bundle's folder. */
  dir: string;
  /** The CLI entry: run it with `node <cli> …`. */
  cli: string;
  remove(): Promise<void>;
}

export async function bundleCli(name: string): Promise<CliBundle> {
  // Inside the project so the bundle's bare imports resolve from node_modules.
  await mkdir(join(projectRoot, '.chaosgate'), { recursive: true });
  const dir = await mkdtemp(join(projectRoot, '.chaosgate', `test-${name}-`));
  await build({
    entryPoints: {
      cli: join(projectRoot, 'cli/main.ts'),
      'evaluator-worker': join(projectRoot, 'evaluator/worker.ts'),
      'evaluator-state-worker': join(projectRoot, 'evaluator/state-worker.ts'),
    },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'error',
  });
  return { dir, cli: join(dir, 'cli.mjs'), remove: () => rm(dir, { recursive: true, force: true }) };
}
