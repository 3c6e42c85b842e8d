// `chaosgate evaluate <input…>`: k6 output in, gates judged, reports written, exit code from the verdict.
import { Command, Option } from 'commander';
import { loadConfig } from '../../config/index.js';
import { configFileOf, THREADS_FLAG_HELP, threadsFlag, withConfigFlags, type ConfigFlags } from '../config-flags.js';
import { evaluate } from '../../evaluator/evaluate.js';
import { refuseNoGates } from '../../evaluator/gates.js';
import { refuseUnproducibleMetrics } from '../../config/known-metrics.js';
import { UsageError } from '../../lib/errors.js';
import { INPUT_FORMATS, type InputFormat } from '../../model/input-formats.js';
import { withReportFlags, type ReportFlags } from '../report-flags.js';
import { readReplay, replayFinishOptions } from '../replay.js';
import { finishReport } from '../../run/finish.js';

interface EvaluateFlags extends ConfigFlags, ReportFlags {
  format?: InputFormat;
  events?: string;
  profile?: string;
  baseline?: string;
  declaredThresholds?: boolean;
  allowNoGates?: boolean;
  state?: string;
  testRunDuration?: string;
  threads?: number;
}

export function register(program: Command): void {
  withReportFlags(withConfigFlags(program.command('evaluate')))
    .description(
      'judge k6 output (NDJSON, .gz, CSV, "-" for stdin; or Locust\'s --csv stats history, as an approximation) against the gates (without -c: ./chaosgate.config.json if present); exit 0 pass, 99 gate failed, 2 usage/config, 3 unreadable or empty input',
    )
    .argument('<input...>', 'k6 output files (--out json=… or csv=…), gzip or plain; "-" reads stdin')
    .addOption(new Option('--format <format>', 'input format instead of detecting it').choices(INPUT_FORMATS))
    .option('--events <file>', "a run's chaos-events.jsonl: label phases, tag services and compute the phase analysis and recovery as `run` does")
    .option('--profile <name>', "judge the profile's gates (as `run <profile>` does) and name the phase analysis after it")
    .option('--baseline <report>', 'the previous JSON report (a folder of reports: their median), for baseline: "report" and drift gates (overrides evaluate.baselineReport)')
    .option('--state <file>', 'also write the mergeable evaluation state (for `chaosgate merge`; .gz compresses)')
    .option('--declared-thresholds', "also judge the thresholds k6 declared in the NDJSON's Metric lines")
    .option('--allow-no-gates', 'accept an evaluation with no gates to judge (otherwise refused, exit 2)')
    .option(
      '--threads <n>',
      `${THREADS_FLAG_HELP}; from 2, big files are parsed by reading threads, from 4 large ones recorded by recording threads too (docs/evaluator.md)`,
      threadsFlag,
    )
    .option(
      '--test-run-duration <ms>',
      "k6's test run duration in ms (handleSummary's state.testRunDurationMs), which a counter's `rate` divides by as in k6; default: the input's first to last sample",
    )
    .action(async (inputs: string[], flags: EvaluateFlags) => {
      const config = await loadConfig({ file: configFileOf(flags), set: flags.set });
      if (flags.declaredThresholds) config.evaluate.declaredThresholds = true;
      if (flags.threads !== undefined) config.evaluate.threads = flags.threads;
      const replay = await readReplay(config, flags);
      const { profile, gates, services } = replay;
      // A shard's evaluation that writes a state for `chaosgate merge` needs no gates: the merge judges them.
      const allowNoGates = flags.allowNoGates === true || flags.state !== undefined;
      // Declared thresholds are only known once the input is read: checked again below.
      refuseNoGates(gates.length + (config.evaluate.declaredThresholds ? 1 : 0), {
        allowNoGates,
        where: profile ? `profile ${flags.profile} and the config have no \`gates\`` : 'the config has no `gates`',
      });
      const model = await evaluate(inputs, {
        config: { evaluate: services.evaluateConfig(config), gates },
        format: flags.format,
        baselineReport: replay.previous?.all,
        // The run's timeline replayed: the same phases, service tags and analysis as `run` computed live.
        phaseEvents: replay.phaseEvents,
        phaseLabels: replay.events !== undefined,
        statePath: flags.state,
        deriveTags: services.any ? services.deriveTags : undefined,
        testRunDurationMs: testRunDurationMs(flags.testRunDuration),
        bucketWidthPicked: replay.bucketWidthPicked,
      });
      // A gate on a metric that is no k6 built-in and that the input never had (a misspelling): a config error.
      refuseUnproducibleMetrics(gates, { seen: Object.keys(model.totals.perMetric), typed: Object.keys(config.evaluate.metricTypes), strict: !flags.state });
      refuseNoGates(model.gates.length, { allowNoGates, where: 'the config has no `gates` and the input declared no k6 thresholds' });
      if (model.gates.length === 0 && flags.state) process.stdout.write(`no gates judged here: the state in ${flags.state} is for \`chaosgate merge\`, which judges them\n`);
      const finished = await finishReport(model, replayFinishOptions(replay, config, flags, 'evaluate'));
      for (const line of finished.lines) process.stdout.write(`${line}\n`);
      if (finished.error) throw finished.error;
      process.exitCode = finished.exitCode;
    });
}

function testRunDurationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Number(text);
  if (text.trim() === '' || !Number.isFinite(ms) || ms <= 0) throw new UsageError(`--test-run-duration: "${text}" is not a positive number of milliseconds`);
  return ms;
}
