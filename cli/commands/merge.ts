// `chaosgate merge <state…>`: shards' evaluation states (evaluate --state) merged exactly, the gates
// judged on the whole, reports written, exit code from the verdict.
import { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { withConfigFlags, type ConfigFlags } from '../config-flags.js';
import { loadBaseline } from '../../evaluator/evaluate.js';
import { finishMerge, mergeStates, readState, type NamedState } from '../../evaluator/state.js';
import { ConfigError, InputError, UsageError } from '../../lib/errors.js';
import { ExitCode } from '../../lib/exit-codes.js';
import { withReportFlags, writeRequestedReports, type ReportFlags } from '../report-flags.js';
import { gateLine } from '../../reports/gate-text.js';

interface MergeFlags extends ConfigFlags, ReportFlags {
  baseline?: string;
  declaredThresholds?: boolean;
}

export function register(program: Command): void {
  withReportFlags(withConfigFlags(program.command('merge')))
    .description(
      'merge evaluation states of shards (evaluate --state) exactly and judge the gates of the config on the whole; exit 0 pass, 99 gate failed, 2 usage/config or mismatched states, 3 unreadable state',
    )
    .argument('<state...>', 'state files written by `chaosgate evaluate --state` (plain or .gz)')
    .option('--baseline <report>', 'the previous JSON report (a folder of reports: their median), for baseline: "report" and drift gates (overrides evaluate.baselineReport)')
    .option('--declared-thresholds', 'also judge the thresholds k6 declared (kept in the states)')
    .action(async (paths: string[], flags: MergeFlags) => {
      const config = await loadConfig({ file: flags.config, set: flags.set });
      if (flags.declaredThresholds) config.evaluate.declaredThresholds = true;
      const states: NamedState[] = [];
      for (const path of paths) states.push({ name: path, state: await readState(path) });
      const baseline = flags.baseline ?? config.evaluate.baselineReport;
      let merged;
      try {
        merged = mergeStates(states, {
          config: config.evaluate,
          gates: config.gates,
          baselineReport: baseline ? await loadBaseline(baseline) : null,
        });
      } catch (err) {
        if (err instanceof UsageError || err instanceof InputError) throw err;
        throw new ConfigError('gates', [(err as Error).message]);
      }
      for (const w of merged.warnings) process.stderr.write(`warning: ${w}\n`);
      const model = finishMerge(merged, paths);
      // Nothing to judge is never a pass.
      if (model.gates.length === 0) {
        throw new UsageError(
          'merge: no gates (none in the config, and no k6 thresholds judged: add gates, or --declared-thresholds for the thresholds k6 declared), so nothing could fail',
        );
      }
      await writeRequestedReports(flags, model);
      for (const g of model.gates) process.stdout.write(`${gateLine(g, model)}\n`);
      const t = model.totals;
      process.stdout.write(`${paths.length} states merged: ${t.points} samples, ${t.series} series, ${t.malformed} malformed; verdict ${model.verdict}\n`);
      if (!t.trusted) {
        const where = t.problems.map((p) => `\n  ${p.source}:${p.line}: ${p.reason}`).join('');
        throw new InputError(`input not trusted: ${t.malformed} of ${t.pointsRead} sample lines malformed (tolerance ${t.malformedTolerance})${where}`);
      }
      process.exitCode = model.verdict === 'fail' ? ExitCode.gateFailed : ExitCode.pass;
    });
}
