// The nightly soak: drift over the run and the comparison with the previous night's report.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/index.js';
import type { Analysis } from '../../model/analysis.js';
import { runProfile } from '../../run/orchestrate.js';
import { collectingPrinter, configFile } from './run-support.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-run-soak-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('chaosgate run soak', () => {
  it('computes drift and compares with the previous night', async () => {
    const base = {
      chaos: { journal: join(dir, 'journal.json') },
      evaluate: { bucketWidth: '1s' },
      load: { soak: { rate: 6 } },
      gates: [{ id: 'p95-vs-last-night', metric: 'http_req_duration', expression: 'p(95)<=baseline*3', baseline: 'report' }],
    };
    const first = await configFile(dir, { ...base, run: { driftWindow: '2s' }, gates: [] });
    // The first night has nothing to compare with and no gate of its own (allowed explicitly).
    const night1 = await runProfile({ config: first.config, profile: 'soak', duration: '8s', allowNoGates: true, outDir: join(dir, 'night1'), progress: collectingPrinter() });
    const a1 = night1.report.analysis as Analysis;
    expect(a1.drift!.windows).toBeGreaterThanOrEqual(4);
    expect(a1.drift!.previous).toBeNull();
    expect(Number.isFinite(a1.drift!.p95SlopeMsPerHour)).toBe(true);

    // The previous report comes as the CI workflow gives it: CHAOSGATE_BASELINE_REPORT (evaluate.baselineReport).
    const second = await configFile(dir, { ...base, run: { driftWindow: '2s' } });
    const secondConfig = await loadConfig({ file: second.path, env: { CHAOSGATE_BASELINE_REPORT: join(night1.outDir, 'report.json') } });
    const night2 = await runProfile({ config: secondConfig, profile: 'soak', duration: '8s', outDir: join(dir, 'night2'), progress: collectingPrinter() });
    const prev = (night2.report.analysis as Analysis).drift!.previous!;
    expect(prev.source).toBe(join(night1.outDir, 'report.json'));
    const p1 = a1.phases.find((p) => p.phase === 'baseline')!.p95!;
    expect(prev.p95).toBeCloseTo(p1, 0);
    // Same load on the same stack: within a factor of 3 of last night (a loose bound on a busy box).
    expect(Math.abs(prev.p95Change!)).toBeLessThan(2);
    const gate = night2.report.gates[0]!;
    expect(gate.baseline).toContain('report');
    expect(gate.verdict).toBe('pass');
  }, 120_000);
});
