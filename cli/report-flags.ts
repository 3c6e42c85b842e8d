// The report flags evaluate and merge share: `--report kind=path` (repeatable, kinds from the writer
// registry) and the aliases --junit/--json/--md; and writing what was asked for.
import { InvalidArgumentError, type Command } from 'commander';
import type { ReportModel } from '../model/report.js';
import { parseReportTarget, reportFormats, writeReport, type ReportFormat } from '../reports/index.js';

export interface ReportFlags {
  report: Array<{ format: ReportFormat; path: string }>;
  junit?: string;
  json?: string;
  md?: string;
}

function reportTarget(value: string, previous: ReportFlags['report']): ReportFlags['report'] {
  try {
    return [...previous, parseReportTarget(value)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function withReportFlags(command: Command): Command {
  return command
    .option('--report <kind=path>', `write a report (repeatable); kind: ${reportFormats.join(', ')}`, reportTarget, [])
    .option('--junit <file>', 'write JUnit XML (same as --report junit=<file>)')
    .option('--json <file>', 'write the JSON report (same as --report json=<file>)')
    .option('--md <file>', 'write a Markdown summary, e.g. $GITHUB_STEP_SUMMARY (same as --report markdown=<file>)');
}

/** Writes every report the flags ask for (atomically, each to its path). */
export async function writeRequestedReports(flags: ReportFlags, model: ReportModel): Promise<void> {
  const outputs: Array<{ format: ReportFormat; path: string | undefined }> = [
    ...flags.report,
    { format: 'junit', path: flags.junit },
    { format: 'json', path: flags.json },
    { format: 'markdown', path: flags.md },
  ];
  for (const { format, path } of outputs) if (path) await writeReport(format, model, path);
}
