// `chaosgate load <scenario>`: one k6 scenario; k6's NDJSON and summary land in the results
// folder and k6's exit code becomes ours.
import { join } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { runLoad } from '../../run/load-only.js';
import { requireScenario, SCENARIOS } from '../../load/scenarios.js';
import { withConfigFlags, type ConfigFlags } from '../config-flags.js';

const out = (line: string) => process.stdout.write(`${line}\n`);

async function load(scenario: string, flags: ConfigFlags & { outDir?: string; startTarget?: boolean }): Promise<void> {
  const name = requireScenario(scenario, '<scenario>');
  const config = await loadConfig({ file: flags.config, set: flags.set });
  const outDir = flags.outDir ?? join('results', new Date().toISOString().replace(/[:.]/g, '-'));
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await runLoad({ scenario: name, config, outDir, startTarget: flags.startTarget, signal: stop.signal, log: out });
    out(`k6 NDJSON: ${result.paths.ndjson}`);
    if (result.paths.summary) out(`k6 summary: ${result.paths.summary}`);
    out(`k6 exit code: ${result.exitCode ?? `killed by ${result.signal}`}`);
    process.exitCode = result.exitCode ?? 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function register(program: Command): void {
  withConfigFlags(program.command('load'))
    .description(`run one k6 scenario (${SCENARIOS.join(', ')}) and keep k6's NDJSON and summary`)
    .argument('<scenario>', SCENARIOS.join(' | '))
    .option('--out-dir <dir>', 'results folder (default: results/<timestamp>)')
    .option('--start-target', 'start the reference target (target section) and aim the load at it')
    .action(load);
}
