// `chaosgate evaluate <input…>`: k6 output in, gates judged, reports written, exit code from the verdict.
import { Command, Option } from 'commander';
import { loadConfig } from '../../config/index.js';
import { withConfigFlags, type ConfigFlags } from '../config-flags.js';
import { evaluate, loadBaseline } from '../../evaluator/evaluate.js';
import { overflowNote } from '../../evaluator/evaluation.js';
import { refuseNoGates } from '../../evaluator/gates.js';
import { refuseUnproducibleMetrics } from '../../config/known-metrics.js';
import { analyseRun, readTimelineEvents, RunTimeline } from '../../analysis/timeline.js';
import type { PhaseEvent } from '../../model/events.js';
import { InputError } from '../../lib/errors.js';
import { INPUT_FORMATS, type InputFormat } from '../../model/input-formats.js';
import { ExitCode } from '../../lib/exit-codes.js';
import { withReportFlags, writeRequestedReports, type ReportFlags } from '../report-flags.js';
import { gateLine } from '../../reports/gate-text.js';

interface EvaluateFlags extends ConfigFlags, ReportFlags {
  format?: InputFormat;
  events?: string;
  profile?: string;
  baseline?: string;
  declaredThresholds?: boolean;
  allowNoGates?: boolean;
  state?: string;
}

export function register(program: Command): void {
  withReportFlags(withConfigFlags(program.command('evaluate')))
    .description('judge k6 output (NDJSON, .gz, CSV, "-" for stdin) against the gates; exit 0 pass, 99 gate failed, 2 usage/config, 3 unreadable or empty input')
    .argument('<input...>', 'k6 output files (--out json=… or csv=…), gzip or plain; "-" reads stdin')
    .addOption(new Option('--format <format>', 'input format instead of detecting it').choices(INPUT_FORMATS))
    .option('--events <file>', "a run's chaos-events.jsonl: label phases and compute the phase analysis and recovery as `run` does")
    .option('--profile <name>', 'the name the phase analysis carries (with --events)', 'evaluate')
    .option('--baseline <report>', 'the previous JSON report (a folder of reports: their median), for baseline: "report" and drift gates (overrides evaluate.baselineReport)')
    .option('--state <file>', 'also write the mergeable evaluation state (for `chaosgate merge`; .gz compresses)')
    .option('--declared-thresholds', "also judge the thresholds k6 declared in the NDJSON's Metric lines")
    .option('--allow-no-gates', 'accept an evaluation with no gates to judge (otherwise refused, exit 2)')
    .action(async (inputs: string[], flags: EvaluateFlags) => {
      const config = await loadConfig({ file: flags.config, set: flags.set });
      if (flags.declaredThresholds) config.evaluate.declaredThresholds = true;
      // A shard's evaluation that writes a state for `chaosgate merge` needs no gates: the merge judges them.
      const allowNoGates = flags.allowNoGates === true || flags.state !== undefined;
      // Declared thresholds are only known once the input is read: checked again below.
      refuseNoGates(config.gates.length + (config.evaluate.declaredThresholds ? 1 : 0), {
        allowNoGates,
        where: 'the config has no `gates`',
      });
      // The run's timeline replayed: the same phases and analysis as `run` computed live.
      const events = flags.events ? await readTimelineEvents(flags.events) : undefined;
      const phaseEvents: PhaseEvent[] = [];
      const timeline = new RunTimeline((e) => phaseEvents.push(e));
      timeline.replay(events ?? []);
      const model = await evaluate(inputs, {
        config,
        format: flags.format,
        baselineReport: flags.baseline ? await loadBaseline(flags.baseline) : undefined,
        phaseEvents,
        phaseLabels: events !== undefined,
        statePath: flags.state,
      });
      if (events) model.analysis = analyseRun(model, { profile: flags.profile ?? 'evaluate', faults: timeline.faults(), settings: config.run });
      // A gate on a queue_/drain_/chaosgate_ metric that the input never had: a config error.
      refuseUnproducibleMetrics(config.gates, { seen: Object.keys(model.totals.perMetric) });
      refuseNoGates(model.gates.length, { allowNoGates, where: 'the config has no `gates` and the input declared no k6 thresholds' });
      await writeRequestedReports(flags, model);
      for (const g of model.gates) process.stdout.write(`${gateLine(g, model)}\n`);
      if (model.gates.length === 0 && flags.state) process.stdout.write(`no gates judged here: the state in ${flags.state} is for \`chaosgate merge\`, which judges them\n`);
      const t = model.totals;
      const overflow = overflowNote(model);
      if (overflow) process.stdout.write(`${overflow}\n`);
      process.stdout.write(`${t.points} samples, ${t.series} series, ${t.malformed} malformed; verdict ${model.verdict}\n`);
      if (!t.trusted) {
        const where = t.problems.map((p) => `\n  ${p.source}:${p.line}: ${p.reason}`).join('');
        throw new InputError(`input not trusted: ${t.malformed} of ${t.pointsRead} sample lines malformed (tolerance ${t.malformedTolerance})${where}`);
      }
      process.exitCode = model.verdict === 'fail' ? ExitCode.gateFailed : ExitCode.pass;
    });
}
