// `chaosgate run <profile>`: the release gate in one command (a thin wrapper over runProfile).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { withConfigFlags, type ConfigFlags } from '../config-flags.js';
import { loadConfig } from '../../config/index.js';
import { durationToMs } from '../../lib/duration.js';
import { UsageError } from '../../lib/errors.js';
import { runProfile } from '../../run/orchestrate.js';

interface RunFlags extends ConfigFlags {
  outDir?: string;
  duration?: string;
}

/** The config a run uses without --config: ./chaosgate.config.json when there is one. */
export const DEFAULT_CONFIG_FILE = 'chaosgate.config.json';

export function register(program: Command): void {
  withConfigFlags(program.command('run'))
    .description('run a profile: load + chaos timeline + live evaluation + reports; exit 0 pass, 99 gate failed, 2 usage/config, 3 untrusted input, 130 interrupted')
    .argument('<profile>', `smoke, spike, soak, chaos-smoke, or a profile from the config (without -c: ./${DEFAULT_CONFIG_FILE} if present)`)
    .option('--out-dir <dir>', 'the run folder (default: <run.outDir>/<profile>-<timestamp>)')
    .option('--duration <duration>', 'the scenario length (soak, chaos-smoke, ocr), e.g. 90s, 4h')
    .action(async (profile: string, flags: RunFlags) => {
      if (flags.duration !== undefined && !durationToMs(flags.duration)) {
        throw new UsageError(`--duration ${flags.duration}: not a duration like 90s, 5m, 4h`);
      }
      const file = flags.config ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
      const config = await loadConfig({ file, set: flags.set });
      const controller = new AbortController();
      const onSignal = (signal: NodeJS.Signals) => {
        if (controller.signal.aborted) {
          process.stderr.write(`chaosgate: ${signal} again: still rolling back and writing partial reports\n`);
          return;
        }
        process.stderr.write(`\nchaosgate: ${signal}: stopping k6, rolling back chaos, writing partial reports\n`);
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        const result = await runProfile({ config, profile, outDir: flags.outDir, duration: flags.duration, signal: controller.signal });
        process.exitCode = result.exitCode;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
