// The JSON report: the report model itself, checked against its zod schema before it is written
// (so a file on disk always validates against reports/schema/report.schema.json).
// Figures stay as computed (rates as fractions); each gate's message reads as in every other
// report and on the console (percent for rates, the worst window's offset into the run).
import { reportSchema, type ReportModel } from '../model/report.js';
import { gateSentence, gateTextContext } from './gate-text.js';

export function renderJson(model: ReportModel): string {
  const ctx = gateTextContext(model);
  const shown = { ...model, gates: model.gates.map((g) => ({ ...g, message: gateSentence(g, ctx) })) };
  return JSON.stringify(reportSchema.parse(shown), null, 1) + '\n';
}
