// `chaosgate merge <state…>`: shards' evaluation states (evaluate --state) merged exactly, the gates
// judged on the whole, reports written, exit code from the verdict.
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config/index.js';
import { withConfigFlags, type ConfigFlags } from '../config-flags.js';
import { loadReport } from '../../evaluator/evaluate.js';
import { finishMerge, mergeStates, readState, type NamedState } from '../../evaluator/state.js';
import { ConfigError, InputError, UsageError } from '../../lib/errors.js';
import { ExitCode } from '../../lib/exit-codes.js';
import { reportWriters, writeReport, type ReportFormat } from '../../reports/index.js';

interface MergeFlags extends ConfigFlags {
  junit?: string;
  json?: string;
  md?: string;
  report: Array<[ReportFormat, string]>;
  baseline?: string;
  declaredThresholds?: boolean;
}

const kindAliases: Record<string, ReportFormat> = { md: 'markdown' };

function reportFlag(value: string, previous: Array<[ReportFormat, string]>): Array<[ReportFormat, string]> {
  const eq = value.indexOf('=');
  const kind = eq > 0 ? value.slice(0, eq) : '';
  const format = (kindAliases[kind] ?? kind) as ReportFormat;
  if (!(format in reportWriters) || eq === value.length - 1) {
    throw new InvalidArgumentError(`expected kind=path with kind one of ${Object.keys(reportWriters).join(', ')}`);
  }
  return [...previous, [format, value.slice(eq + 1)]];
}

export function register(program: Command): void {
  withConfigFlags(program.command('merge'))
    .description(
      'merge evaluation states of shards (evaluate --state) exactly and judge the gates of the config on the whole; exit 0 pass, 99 gate failed, 2 usage/config or mismatched states, 3 unreadable state',
    )
    .argument('<state...>', 'state files written by `chaosgate evaluate --state` (plain or .gz)')
    .option('--report <kind=path>', `write a report (kind: ${Object.keys(reportWriters).join(', ')}; repeatable)`, reportFlag, [])
    .option('--junit <file>', 'write JUnit XML')
    .option('--json <file>', 'write the JSON report')
    .option('--md <file>', 'write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)')
    .option('--baseline <report>', 'a previous JSON report for baseline: "report" gates')
    .option('--declared-thresholds', "also judge the thresholds k6 declared (kept in the states)")
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
          baselineReport: baseline ? await loadReport(baseline) : null,
        });
      } catch (err) {
        if (err instanceof UsageError || err instanceof InputError) throw err;
        throw new ConfigError('gates', [(err as Error).message]);
      }
      for (const w of merged.warnings) process.stderr.write(`warning: ${w}\n`);
      const model = finishMerge(merged, paths);
      // Nothing to judge is never a pass.
      if (model.gates.length === 0) {
        throw new UsageError('merge: no gates (none in the config, and no k6 thresholds judged: add gates, or --declared-thresholds for the thresholds k6 declared), so nothing could fail');
      }
      const outputs: Array<[ReportFormat, string | undefined]> = [
        ['junit', flags.junit],
        ['json', flags.json],
        ['markdown', flags.md],
        ...flags.report,
      ];
      for (const [format, path] of outputs) if (path) await writeReport(format, model, path);
      for (const g of model.gates) process.stdout.write(`${g.verdict.toUpperCase().padEnd(4)} ${g.message}\n`);
      const t = model.totals;
      process.stdout.write(`${paths.length} states merged: ${t.points} samples, ${t.series} series, ${t.malformed} malformed; verdict ${model.verdict}\n`);
      if (!t.trusted) {
        const where = t.problems.map((p) => `\n  ${p.source}:${p.line}: ${p.reason}`).join('');
        throw new InputError(`input not trusted: ${t.malformed} of ${t.pointsRead} sample lines malformed (tolerance ${t.malformedTolerance})${where}`);
      }
      process.exitCode = model.verdict === 'fail' ? ExitCode.gateFailed : ExitCode.pass;
    });
}
