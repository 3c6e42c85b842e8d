// Shared pieces of the `chaosgate run` end-to-end tests: the seeds' gates from the example
// config, a config with test profiles, and a progress printer that collects lines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, type ChaosgateConfig } from '../../config/index.js';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { projectRoot } from '../../lib/tools.js';
import type { ProgressPrinter } from '../../run/progress.js';

export interface ExampleConfig {
  evaluate: Record<string, unknown>;
  run: Record<string, unknown>;
  gates: Array<Record<string, unknown> & { id: string; severity?: string }>;
}

export function exampleConfig(): ExampleConfig {
  return JSON.parse(readFileSync(join(projectRoot, 'chaosgate.config.json'), 'utf8')) as ExampleConfig;
}

/** Writes `raw` as a config file in `dir` and loads it as the CLI would. */
export async function configFile(dir: string, raw: Record<string, unknown>): Promise<{ path: string; config: ChaosgateConfig }> {
  const path = join(dir, 'chaosgate.config.json');
  await writeFileAtomic(path, JSON.stringify(raw, null, 2));
  return { path, config: await loadConfig({ file: path }) };
}

export function collectingPrinter(): ProgressPrinter & { lines: string[] } {
  const lines: string[] = [];
  return { lines, tick: () => {}, line: (t) => lines.push(t), end: () => {} };
}
