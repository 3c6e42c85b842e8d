// `chaosgate merge <state…>`: shards' evaluation states (evaluate --state) merged exactly, the gates
// judged on the whole, reports written, exit code from the verdict — finished as `evaluate` and
// `run` finish theirs (run/finish.ts).
import { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { configFileOf, withConfigFlags, type ConfigFlags } from '../config-flags.js';
import { refuseNoGates } from '../../evaluator/gates.js';
import { refuseRepeatedInputs } from '../../evaluator/input.js';
import { refuseUnproducibleMetrics } from '../../config/known-metrics.js';
import { finishMerge, mergeStates, readState, type NamedState } from '../../evaluator/state.js';
import { ConfigError, InputError, UsageError } from '../../lib/errors.js';
import { withReportFlags, type ReportFlags } from '../report-flags.js';
import { readReplay, replayFinishOptions } from '../replay.js';
import { finishReport } from '../../run/finish.js';

interface MergeFlags extends ConfigFlags, ReportFlags {
  baseline?: string;
  declaredThresholds?: boolean;
  allowNoGates?: boolean;
  events?: string;
  profile?: string;
}

export function register(program: Command): void {
  withReportFlags(withConfigFlags(program.command('merge')))
    .description(
      'merge evaluation states of shards (evaluate --state) exactly and judge the gates of the config (without -c: ./chaosgate.config.json if present) on the whole; exit 0 pass, 99 gate failed, 2 usage/config or mismatched states, 3 unreadable state or no samples in any',
    )
    .argument('<state...>', 'state files written by `chaosgate evaluate --state` (plain or .gz)')
    .option('--events <file>', "the run's chaos-events.jsonl (the one each shard's evaluate had): the phase analysis, recovery and error budget as one evaluation gives them")
    .option('--profile <name>', "judge the profile's gates (as `run <profile>` does) and name the phase analysis after it")
    .option('--baseline <report>', 'the previous JSON report (a folder of reports: their median), for baseline: "report" and drift gates (overrides evaluate.baselineReport)')
    .option('--declared-thresholds', 'also judge the thresholds k6 declared (kept in the states)')
    .option('--allow-no-gates', 'accept a merge with no gates to judge (otherwise refused, exit 2)')
    .action(async (paths: string[], flags: MergeFlags) => {
      const config = await loadConfig({ file: configFileOf(flags), set: flags.set });
      if (flags.declaredThresholds) config.evaluate.declaredThresholds = true;
      const allowNoGates = flags.allowNoGates === true;
      await refuseRepeatedInputs(paths, 'state');
      const states: NamedState[] = [];
      for (const path of paths) states.push({ name: path, state: await readState(path) });
      const replay = await readReplay(config, flags);
      const { gates, services } = replay;
      // The phases are in the states (each shard's evaluate labelled its samples); the events file must be theirs.
      if (replay.events && JSON.stringify(replay.phaseEvents) !== JSON.stringify(states[0]!.state.phaseEvents)) {
        throw new UsageError(
          `--events ${flags.events}: its chaos events are not the ones the states were evaluated with (${states[0]!.name}); give each shard's \`evaluate\` the same --events`,
        );
      }
      let merged;
      try {
        merged = mergeStates(states, { config: services.evaluateConfig(config), gates, baselineReport: replay.previous?.all ?? null, bucketWidthPicked: replay.bucketWidthPicked });
      } catch (err) {
        if (err instanceof UsageError || err instanceof InputError) throw err;
        throw new ConfigError('gates', [(err as Error).message]);
      }
      for (const w of merged.warnings) process.stderr.write(`warning: ${w}\n`);
      const model = finishMerge(merged, paths);
      refuseUnproducibleMetrics(gates, { seen: Object.keys(model.totals.perMetric), typed: Object.keys(config.evaluate.metricTypes), strict: true });
      // Zero samples in all the shards together is never a pass (an idle shard beside others is fine).
      if (model.totals.points === 0 && model.totals.malformed === 0) {
        throw new InputError(`${paths.length > 1 ? 'states' : 'state'} ${paths.join(', ')}: no samples in any of them; zero samples is never a pass`);
      }
      // Nothing to judge is never a pass (after the merge: declared thresholds come from the states).
      refuseNoGates(model.gates.length, {
        allowNoGates,
        where: 'none in the config, and no k6 thresholds judged: add gates, or --declared-thresholds for the thresholds k6 declared',
      });
      const finished = await finishReport(model, { ...replayFinishOptions(replay, config, flags, 'merge'), what: `${paths.length} states merged: ` });
      for (const line of finished.lines) process.stdout.write(`${line}\n`);
      if (finished.error) throw finished.error;
      process.exitCode = finished.exitCode;
    });
}
