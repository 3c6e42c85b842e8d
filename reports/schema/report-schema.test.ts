// The committed JSON Schema must equal the one generated from the zod model, and a real report must
// validate against it. Regenerate with CHAOSGATE_UPDATE_SCHEMA=1 npx vitest run reports/schema.
import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { createEvaluation } from '../../evaluator/evaluation.js';
import { renderJson } from '../json.js';
import { generateReportJsonSchema, REPORT_SCHEMA_FILE } from './report-schema.js';

describe('published report JSON Schema', () => {
  it('is up to date with the zod model', () => {
    const generated = generateReportJsonSchema();
    if (process.env.CHAOSGATE_UPDATE_SCHEMA) writeFileSync(REPORT_SCHEMA_FILE, generated);
    expect(readFileSync(REPORT_SCHEMA_FILE, 'utf8')).toBe(generated);
  });

  it('accepts a real report and rejects a broken one', () => {
    const gates = [
      { metric: 'http_req_duration', expression: 'p(95)<300' },
      { metric: 'drift(http_req_duration)', expression: 'slope_per_hour<300', window: '5s' },
    ];
    const ev = createEvaluation({ bucketWidth: '1s' }, gates, { phaseLabels: true });
    const t0 = Date.UTC(2026, 0, 1);
    ev.addPhaseEvent({ time: t0 + 5_000, faultId: 'latency', action: 'on' });
    for (let i = 0; i < 200; i++) {
      ev.ingestSample({ metric: 'http_req_duration', time: t0 + i * 100, value: 10 + (i % 50), tags: { name: 'GET /', status: '200' } });
      ev.ingestSample({ metric: 'http_req_failed', time: t0 + i * 100, value: i % 20 === 0 ? 1 : 0, tags: { name: 'GET /' } });
    }
    ev.ingestSample({ metric: 'queue_depth', type: 'gauge', time: t0, value: 3, tags: { probe: 'redis', queue: 'ingestion' } });
    const report = JSON.parse(renderJson(ev.finish()));
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(REPORT_SCHEMA_FILE, 'utf8')));
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.series.some((s: { tags: Record<string, string> }) => s.tags.phase === 'fault:latency')).toBe(true);
    const depth = report.series.find((s: { metric: string }) => s.metric === 'queue_depth');
    expect(depth.tags).toEqual({ probe: 'redis', queue: 'ingestion', phase: 'baseline' });
    expect(depth.gauge).toEqual({ last: 3, min: 3, max: 3, avg: 3 });
    // The drift gate's per-window figures are kept (20 s of samples in 5 s windows).
    expect(report.gates[1].drift.points).toHaveLength(4);
    delete report.totals;
    expect(validate(report)).toBe(false);
  });
});
