// `chaosgate evaluate <input…>`: k6 output in, gates judged, reports written, exit code from the verdict.
import { Command, Option } from 'commander';
import { loadConfig } from '../../config/index.js';
import { withConfigFlags, type ConfigFlags } from '../config-flags.js';
import { evaluate, loadReport } from '../../evaluator/evaluate.js';
import { InputError } from '../../lib/errors.js';
import { ExitCode } from '../../lib/exit-codes.js';
import { writeReport, type ReportFormat } from '../../reports/index.js';

interface EvaluateFlags extends ConfigFlags {
  format?: 'ndjson' | 'csv';
  junit?: string;
  json?: string;
  md?: string;
  baseline?: string;
  declaredThresholds?: boolean;
  state?: string;
}

export function register(program: Command): void {
  withConfigFlags(program.command('evaluate'))
    .description('judge k6 output (NDJSON, .gz, CSV, "-" for stdin) against the gates; exit 0 pass, 99 gate failed, 2 usage/config, 3 unreadable input')
    .argument('<input...>', 'k6 output files (--out json=… or csv=…), gzip or plain; "-" reads stdin')
    .addOption(new Option('--format <format>', 'input format instead of detecting it').choices(['ndjson', 'csv']))
    .option('--junit <file>', 'write JUnit XML')
    .option('--json <file>', 'write the JSON report')
    .option('--md <file>', 'write a Markdown summary (e.g. $GITHUB_STEP_SUMMARY)')
    .option('--baseline <report>', 'a previous JSON report for baseline: "report" gates')
    .option('--state <file>', 'also write the mergeable evaluation state (for `chaosgate merge`; .gz compresses)')
    .option('--declared-thresholds', "also judge the thresholds k6 declared in the NDJSON's Metric lines")
    .action(async (inputs: string[], flags: EvaluateFlags) => {
      const config = await loadConfig({ file: flags.config, set: flags.set });
      if (flags.declaredThresholds) config.evaluate.declaredThresholds = true;
      const model = await evaluate(inputs, {
        config,
        format: flags.format,
        baselineReport: flags.baseline ? await loadReport(flags.baseline) : undefined,
        statePath: flags.state,
      });
      const outputs: Array<[ReportFormat, string | undefined]> = [
        ['junit', flags.junit],
        ['json', flags.json],
        ['markdown', flags.md],
      ];
      for (const [format, path] of outputs) if (path) await writeReport(format, model, path);
      for (const g of model.gates) process.stdout.write(`${g.verdict.toUpperCase().padEnd(4)} ${g.message}\n`);
      const t = model.totals;
      process.stdout.write(`${t.points} samples, ${t.series} series, ${t.malformed} malformed; verdict ${model.verdict}\n`);
      if (!t.trusted) {
        const where = t.problems.map((p) => `\n  ${p.source}:${p.line}: ${p.reason}`).join('');
        throw new InputError(
          `input not trusted: ${t.malformed} of ${t.pointsRead} sample lines malformed (tolerance ${t.malformedTolerance})${where}`,
        );
      }
      process.exitCode = model.verdict === 'fail' ? ExitCode.gateFailed : ExitCode.pass;
    });
}
