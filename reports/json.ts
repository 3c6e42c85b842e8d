// The JSON report: the report model itself, checked against its zod schema before it is written
// (so a file on disk always validates against reports/schema/report.schema.json).
import { reportSchema, type ReportModel } from '../evaluator/model.js';

export function renderJson(model: ReportModel): string {
  return JSON.stringify(reportSchema.parse(model), null, 1) + '\n';
}
