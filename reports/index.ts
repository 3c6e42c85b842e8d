// The report writers: each renders the report model to one file; adding one adds one line here.
import { writeFileAtomic } from '../lib/atomic-write.js';
import type { ReportModel } from '../model/report.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderHtml } from './html.js';

export interface ReportWriter {
  render(model: ReportModel): string;
  /** The file's name in a run's folder. */
  fileName: string;
  /** What it is, for the CLI's help and the docs. */
  what: string;
  /** A flag of its own beside `--report kind=path` (`--md <file>`), and a short kind name. */
  flag?: string;
}

export const reportWriters = {
  junit: { render: renderJunit, fileName: 'junit.xml', what: 'JUnit XML, a testcase per gate', flag: 'junit' },
  json: { render: renderJson, fileName: 'report.json', what: 'the JSON report (the report model, reports/schema/)', flag: 'json' },
  markdown: { render: renderMarkdown, fileName: 'summary.md', what: 'a Markdown summary, e.g. for $GITHUB_STEP_SUMMARY', flag: 'md' },
  html: { render: renderHtml, fileName: 'report.html', what: 'a self-contained HTML report with charts' },
} satisfies Record<string, ReportWriter>;

export type ReportFormat = keyof typeof reportWriters;

/** The report kinds, in registry order (the choices of `--report kind=path`). */
export const reportFormats = Object.keys(reportWriters) as ReportFormat[];

/** Short names accepted for a kind: each writer's flag (`md` as in --md). */
const reportKindAliases: Record<string, ReportFormat> = Object.fromEntries(
  reportFormats.flatMap((f) => {
    const flag = (reportWriters[f] as ReportWriter).flag;
    return flag && flag !== f ? [[flag, f]] : [];
  }),
);

/** `kind=path` as given to `--report`; throws a message naming the kinds on a bad one. */
export function parseReportTarget(text: string): { format: ReportFormat; path: string } {
  const eq = text.indexOf('=');
  const given = eq < 0 ? text : text.slice(0, eq);
  const kind = reportKindAliases[given] ?? given;
  const path = eq < 0 ? '' : text.slice(eq + 1);
  if (!(reportFormats as string[]).includes(kind)) throw new Error(`unknown report kind "${kind}" (one of ${reportFormats.join(', ')}; as kind=path)`);
  if (path === '') throw new Error(`no path for the ${kind} report (as ${kind}=path)`);
  return { format: kind as ReportFormat, path };
}

/** Renders and writes atomically (temp file + rename). */
export async function writeReport(format: ReportFormat, model: ReportModel, path: string): Promise<void> {
  await writeFileAtomic(path, reportWriters[format].render(model));
}
