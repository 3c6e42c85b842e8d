// The published JSON Schema of the JSON report, generated from the zod model (the one definition).
import { z } from 'zod';
import { REPORT_SCHEMA_VERSION, reportSchema } from '../../model/report.js';

export const REPORT_SCHEMA_FILE = new URL('./report.schema.json', import.meta.url);

export function generateReportJsonSchema(): string {
  const schema = z.toJSONSchema(reportSchema, { target: 'draft-2020-12', io: 'output' }) as Record<string, unknown>;
  return JSON.stringify({ ...schema, $id: `https://chaosgate.local/schema/report-v${REPORT_SCHEMA_VERSION}.json`, title: 'chaosgate report' }, null, 2) + '\n';
}
