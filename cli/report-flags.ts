// The report flags evaluate and merge share: `--report kind=path` (repeatable, kinds from the writer
// registry) and each writer's own flag (--junit/--json/--md, from the registry too); and writing
// what was asked for.
import { InvalidArgumentError, type Command } from 'commander';
import { parseReportTarget, reportFormats, reportWriters, type ReportFormat, type ReportWriter } from '../reports/index.js';

export interface ReportFlags {
  report: Array<{ format: ReportFormat; path: string }>;
  /** The writers' own flags (`md`, …): commander stores them under the flag's name. */
  [flag: string]: unknown;
}

/** Writers with a flag of their own, and the flag. */
function flaggedWriters(): Array<{ format: ReportFormat; flag: string; what: string }> {
  return reportFormats.flatMap((format) => {
    const w: ReportWriter = reportWriters[format];
    return w.flag ? [{ format, flag: w.flag, what: w.what }] : [];
  });
}

function reportTarget(value: string, previous: ReportFlags['report']): ReportFlags['report'] {
  try {
    return [...previous, parseReportTarget(value)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function withReportFlags(command: Command): Command {
  command.option('--report <kind=path>', `write a report (repeatable); kind: ${reportFormats.join(', ')}`, reportTarget, []);
  for (const { format, flag, what } of flaggedWriters()) command.option(`--${flag} <file>`, `write ${what} (same as --report ${format}=<file>)`);
  return command;
}

/** Every report the flags ask for: kind and path. */
export function requestedReports(flags: ReportFlags): Array<{ format: ReportFormat; path: string }> {
  const outputs: Array<{ format: ReportFormat; path: unknown }> = [...flags.report, ...flaggedWriters().map(({ format, flag }) => ({ format, path: flags[flag] }))];
  return outputs.flatMap(({ format, path }) => (typeof path === 'string' && path ? [{ format, path }] : []));
}
