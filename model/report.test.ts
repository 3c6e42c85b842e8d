import { describe, expect, it } from 'vitest';
import { createEvaluation } from '../evaluator/evaluation.js';
import { parseReport, REPORT_SCHEMA_VERSION } from './report.js';

function smallReport() {
  const ev = createEvaluation({}, [{ metric: 'http_req_duration', expression: 'p(95)<300' }]);
  const t0 = Date.UTC(2026, 0, 1);
  for (let i = 0; i < 20; i++) ev.ingestSample({ metric: 'http_req_duration', time: t0 + i * 100, value: 10 + i, tags: { name: 'GET /' } });
  return JSON.parse(JSON.stringify(ev.finish()));
}

describe('parseReport', () => {
  it('reads a report of this version', () => {
    const r = parseReport(smallReport());
    expect(r.success).toBe(true);
    expect(r.data?.schemaVersion).toBe(REPORT_SCHEMA_VERSION);
  });

  it('reads a version-1 merge report: analysis.merge becomes merge, and no analysis is left', () => {
    const v1 = { ...smallReport(), schemaVersion: 1, analysis: { merge: { states: ['a.json', 'b.json'], warnings: ['skew'] } } };
    const r = parseReport(v1);
    expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
    expect(r.data?.merge).toEqual({ states: ['a.json', 'b.json'], warnings: ['skew'] });
    expect(r.data?.analysis).toBeUndefined();
  });

  it('refuses an analysis that is not the typed one (it was dropped silently before)', () => {
    const r = parseReport({ ...smallReport(), analysis: { phases: 'many' } });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path.slice(0, 1)).toEqual(['analysis']);
  });
});
