// The report writers: each renders the report model to one file; adding one adds one line here.
import { writeFileAtomic } from '../lib/atomic-write.js';
import type { ReportModel } from '../evaluator/model.js';
import { renderJson } from './json.js';
import { renderJunit } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderHtml } from './html.js';

export interface ReportWriter {
  render(model: ReportModel): string;
}

export const reportWriters = {
  junit: { render: renderJunit },
  json: { render: renderJson },
  markdown: { render: renderMarkdown },
  html: { render: renderHtml },
} satisfies Record<string, ReportWriter>;

export type ReportFormat = keyof typeof reportWriters;

/** Renders and writes atomically (temp file + rename). */
export async function writeReport(format: ReportFormat, model: ReportModel, path: string): Promise<void> {
  await writeFileAtomic(path, reportWriters[format].render(model));
}
