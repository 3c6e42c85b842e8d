// `chaosgate run [profile] [--script FILE] [-- k6 args]`: the release gate in one command (a thin
// wrapper over runProfile).
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { configFileOf, DEFAULT_CONFIG_FILE, THREADS_FLAG_HELP, threadsFlag, withConfigFlags, type ConfigFlags } from '../config-flags.js';
import { loadConfig } from '../../config/index.js';
import { durationToMs } from '../../lib/duration.js';
import { UsageError } from '../../lib/errors.js';
import { configDirOf, runProfile } from '../../run/orchestrate.js';
import { checkShards } from '../../run/shards.js';

interface RunFlags extends ConfigFlags {
  outDir?: string;
  duration?: string;
  script?: string;
  allowNoGates?: boolean;
  shards?: string;
  baseline?: string;
  threads?: number;
}

/** The arguments after `--` (passed to `k6 run`), and the operands before it. */
function splitPassThrough(operands: string[], argv: string[]): { before: string[]; k6Args: string[] } {
  const dd = argv.indexOf('--');
  const k6Args = dd >= 0 ? argv.slice(dd + 1) : [];
  return { before: operands.slice(0, Math.max(0, operands.length - k6Args.length)), k6Args };
}

export function register(program: Command): void {
  withConfigFlags(program.command('run'))
    .description(
      'run a profile or a k6 script: load + chaos timeline + live evaluation + reports; exit 0 pass, 99 gate failed, 1 the run did not happen as planned (k6 died, ran short), 2 usage/config, 3 untrusted input, 130 interrupted',
    )
    .argument('[profile]', `smoke, spike, soak, chaos-smoke, or a profile from the config (without -c: ./${DEFAULT_CONFIG_FILE} if present)`)
    .option('--script <file>', "a k6 script to run (without a profile: with the config's gates and chaos.plan; with one: instead of its script)")
    .option('--out-dir <dir>', 'the run folder (default: <run.outDir>/<profile>-<timestamp>)')
    .option('--duration <duration>', 'the scenario length (soak, chaos-smoke, ocr; a script gets it as CHAOSGATE_DURATION), e.g. 90s, 4h')
    .option('--shards <n>', 'run k6 as N processes with the execution segments k6-operator gives its runners, all judged as one load (docs/scale-out.md)')
    .option(
      '--baseline <report>',
      'the previous JSON report (a folder of reports: their median), for baseline: "report" and drift gates and the comparison (overrides evaluate.baselineReport)',
    )
    .option('--allow-no-gates', 'run even when there is no gate at all (no config gates, no k6 thresholds)')
    .option('--threads <n>', `${THREADS_FLAG_HELP}; from 2, k6's stream is parsed by threads − 1 of them (at most 4) while the main thread records`, threadsFlag)
    .allowExcessArguments()
    .usage('[options] [profile] [-- k6 run arguments]')
    .action(async (_profile: string | undefined, flags: RunFlags, cmd: Command) => {
      const { before, k6Args } = splitPassThrough(cmd.args, process.argv);
      if (before.length > 1) throw new UsageError(`run: one profile at a time (got ${before.join(', ')}); k6 arguments go after --`);
      const profile = before[0];
      if (profile === undefined && flags.script === undefined) throw new UsageError('run: name a profile or give --script FILE');
      if (flags.duration !== undefined && !durationToMs(flags.duration)) {
        throw new UsageError(`--duration ${flags.duration}: not a duration like 90s, 5m, 4h`);
      }
      const shards = flags.shards === undefined ? undefined : Number(flags.shards);
      if (shards !== undefined) {
        try {
          checkShards(/^\d+$/.test(flags.shards!) ? shards : NaN);
        } catch (err) {
          throw new UsageError((err as Error).message.replace('NaN', flags.shards!));
        }
      }
      if (flags.script !== undefined && !existsSync(flags.script)) throw new UsageError(`--script ${flags.script}: no such file`);
      const file = configFileOf(flags);
      const loaded = await loadConfig({ file, set: flags.set });
      const evaluate = {
        ...loaded.evaluate,
        ...(flags.baseline !== undefined && { baselineReport: flags.baseline }),
        ...(flags.threads !== undefined && { threads: flags.threads }),
      };
      const config = { ...loaded, evaluate };
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
        const result = await runProfile({
          config,
          profile,
          script: flags.script,
          configDir: configDirOf(file),
          k6Args,
          allowNoGates: flags.allowNoGates,
          outDir: flags.outDir,
          duration: flags.duration,
          shards,
          signal: controller.signal,
        });
        process.exitCode = result.exitCode;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
