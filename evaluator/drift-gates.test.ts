import { describe, expect, it } from 'vitest';
import { createEvaluation } from './evaluation.js';
import { reportSchema, type ReportModel } from '../model/report.js';
import { slopePerHour } from './drift-gates.js';
import { gatesSectionSchema } from './config.js';
import { renderJunit } from '../reports/junit.js';
import { loadBaseline } from './evaluate.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const T0 = Date.UTC(2026, 0, 1, 2, 17);
type Feed = (ev: ReturnType<typeof createEvaluation>) => void;

function run(
  gates: Parameters<typeof createEvaluation>[1],
  feed: Feed,
  opts: Parameters<typeof createEvaluation>[2] = {},
  config: Parameters<typeof createEvaluation>[0] = {},
): ReportModel {
  const ev = createEvaluation(config, gates, opts);
  feed(ev);
  return ev.finish();
}

/** `minutes` minutes of requests every 100 ms; latency(t) in ms for the request at minute t; every `failEvery`-th fails. */
function night(minutes: number, latency: (minute: number) => number, failEvery = 0): Feed {
  return (ev) => {
    for (let i = 0; i < minutes * 600; i++) {
      const t = T0 + i * 100;
      const minute = i / 600;
      ev.ingestSample({ metric: 'http_req_duration', time: t, value: latency(minute), tags: { name: 'GET /' } });
      ev.ingestSample({ metric: 'http_req_failed', time: t, value: failEvery && i % failEvery === 0 ? 1 : 0, tags: { name: 'GET /' } });
    }
  };
}

describe('drift gates', () => {
  it('fit the slope of the per-window p95: a service slowing 1 ms a minute drifts 60 ms/h and breaches slope_per_hour<30', () => {
    const gates = [
      { id: 'p95 drift', metric: 'drift(http_req_duration)', expression: 'slope_per_hour<30', window: '1m' },
      { id: 'p95 drift loose', metric: 'drift(http_req_duration)', expression: 'slope_per_hour<100' },
    ];
    const r = run(
      gates,
      night(10, (m) => 50 + Math.floor(m)),
    );
    const [tight, loose] = r.gates;
    expect(tight!.drift!.points).toHaveLength(10);
    expect(tight!.drift!.points.map((p) => Math.round(p.value))).toEqual([50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
    expect(tight!.observed).toBeCloseTo(60, 0);
    expect(tight!.verdict).toBe('fail');
    expect(tight!.message).toMatch(/slope_per_hour<30 breached \(observed 60(\.\d+)? ms\/h over 10 windows of 60 s, p95 50 ms → 59 ms, limit 30\)/);
    expect(loose!.verdict).toBe('pass');
    expect(r.verdict).toBe('fail');
    // The drift figures travel in report.json.
    expect(reportSchema.safeParse(JSON.parse(JSON.stringify(r))).success).toBe(true);
  });

  it('a flat service holds; an error rate rising within the run breaches its slope', () => {
    const flat = run(
      [{ metric: 'drift(http_req_duration)', expression: 'slope_per_hour<10' }],
      night(6, () => 40),
    );
    expect(flat.gates[0]!.observed).toBeCloseTo(0, 6);
    expect(flat.gates[0]!.verdict).toBe('pass');
    // Failures only in the second half: the per-minute rate goes 0 → 0.1, a slope of about 1.3/h.
    const rising: Feed = (ev) => {
      for (let i = 0; i < 6 * 600; i++) ev.ingestSample({ metric: 'http_req_failed', time: T0 + i * 100, value: i >= 3 * 600 && i % 10 === 0 ? 1 : 0, tags: {} });
    };
    const r = run([{ metric: 'drift(chaosgate_error_rate)', expression: 'slope_per_hour<0.5' }], rising);
    expect(r.gates[0]!.drift!.figure).toBe('rate');
    expect(r.gates[0]!.drift!.points.map((p) => p.value)).toEqual([0, 0, 0, 0.1, 0.1, 0.1]);
    expect(r.gates[0]!.observed).toBeCloseTo(slopePerHour(r.gates[0]!.drift!.points)!, 10);
    expect(r.gates[0]!.observed!).toBeGreaterThan(1);
    expect(r.gates[0]!.verdict).toBe('fail');
  });

  it('too few windows to fit a slope is not a pass', () => {
    const r = run(
      [{ metric: 'drift(http_req_duration)', expression: 'slope_per_hour<1000', window: '1m' }],
      night(2, () => 40),
    );
    expect(r.gates[0]!.verdict).toBe('fail');
    expect(r.gates[0]!.message).toContain('fewer than 3');
  });

  it('change_pct compares the whole run with the baseline report: p95 in percent, error rate in points', () => {
    const lastNight = run(
      [],
      night(3, () => 40, 100),
    );
    const gates = [
      { id: 'p95 vs last night', metric: 'drift(http_req_duration)', expression: 'change_pct<=10' },
      { id: 'errors vs last night', metric: 'drift(chaosgate_error_rate)', expression: 'change_pct<=0.5' },
    ];
    const slower = run(
      gates,
      night(3, () => 50, 50),
      { baselineReport: lastNight },
    );
    expect(slower.gates[0]!.observed).toBeCloseTo(25, 0);
    expect(slower.gates[0]!.baselineValue).toBeCloseTo(40, 1);
    expect(slower.gates[0]!.verdict).toBe('fail');
    expect(slower.gates[0]!.message).toMatch(/observed \+25(\.\d+)? %: p95 40 ms → 50 ms/);
    // 2 % against 1 %: +1 point.
    expect(slower.gates[1]!.observed).toBeCloseTo(1, 6);
    expect(slower.gates[1]!.verdict).toBe('fail');
    const same = run(
      gates,
      night(3, () => 40, 100),
      { baselineReport: lastNight },
    );
    expect(same.gates.map((g) => g.verdict)).toEqual(['pass', 'pass']);
  });

  it('is a config error when the config is read, naming the gate (not a failure at the run)', () => {
    const r = gatesSectionSchema.safeParse([
      { metric: 'http_req_duration', expression: 'p(95)<100' },
      { id: 'creep', metric: 'drift(http_req_duration)', expression: 'p(95)<10' },
      { id: 'badly typed', metric: 'http_req_duration', expression: 'change_pct<10' },
    ]);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([
      '1: gate "creep": drift threshold "p(95)<10" is not "<measure> <op> <number>" (measure: slope_per_hour, change_pct; op: < <= > >= == !=)',
      '2: gate "badly typed": change_pct<10 is a drift measure: write the metric as drift(http_req_duration)',
    ]);
  });

  it('refuses a drift gate with a k6 expression, and a k6 gate with a drift measure', () => {
    expect(() => createEvaluation({}, [{ metric: 'drift(http_req_duration)', expression: 'p(95)<10' }])).toThrow(/drift threshold \\?"p\(95\)<10\\?" is not/);
    expect(() => createEvaluation({}, [{ id: 'd', metric: 'drift(http_req_duration)', expression: 'slope_per_hour<10', abortOnFail: true }])).toThrow(
      /gate \\?"d\\?": a drift gate is judged on the whole run, so it cannot abortOnFail/,
    );
    expect(() => createEvaluation({}, [{ metric: 'http_req_duration', expression: 'slope_per_hour<10' }])).toThrow(/write the metric as drift\(http_req_duration\)/);
  });
});

describe('the first night (no previous report)', () => {
  const gates = [
    { id: 'p95 vs last night', metric: 'http_req_duration', expression: 'p(95)<=baseline*1.10', baseline: 'report' as const },
    { id: 'p95 change', metric: 'drift(http_req_duration)', expression: 'change_pct<10' },
    { id: 'p95 absolute', metric: 'http_req_duration', expression: 'p(95)<100' },
  ];

  it('skips the gates against the previous report with a warn and a note; the others are judged', () => {
    const r = run(
      gates,
      night(3, () => 40),
    );
    expect(r.gates.map((g) => g.verdict)).toEqual(['warn', 'warn', 'pass']);
    expect(r.gates[0]!.message).toContain('skipped: no previous report was given');
    expect(r.gates[0]!.baselineValue).toBeNull();
    expect(r.gates.map((g) => g.skipped)).toEqual([true, true, undefined]);
    expect(r.verdict).toBe('warn');
    // JUnit shows it as a skipped test that was not judged, not as a rollout to pause.
    expect(renderJunit(r)).toContain('<skipped type="warn" message="SKIPPED (not judged): http_req_duration: skipped: no previous report was given');
    expect(r.notes).toEqual([
      expect.stringMatching(/^no baseline: no previous report was given .*2 gate\(s\) against the previous report skipped \(warn\): p95 vs last night; p95 change$/),
    ]);
  });

  it('evaluate.missingBaseline: fail keeps the old strictness', () => {
    const r = run(
      gates,
      night(3, () => 40),
      {},
      { missingBaseline: 'fail' },
    );
    expect(r.gates.map((g) => g.verdict)).toEqual(['fail', 'fail', 'pass']);
  });

  it('a partial previous report is no baseline (skipped, said why); one whose verdict was fail is used, with a note', () => {
    const partial = createEvaluation({}, []);
    night(3, () => 10)(partial);
    partial.abort('interrupted (SIGINT/SIGTERM)', T0 + 60_000);
    const partialReport = partial.finish();
    expect(partialReport.partial).toBe(true);
    const r = run(
      gates,
      night(3, () => 40),
      { baselineReport: partialReport },
    );
    expect(r.gates[0]!.verdict).toBe('warn');
    expect(r.gates[0]!.message).toContain('is partial (interrupted (SIGINT/SIGTERM))');

    const failed = run(
      [{ metric: 'http_req_duration', expression: 'p(95)<1' }],
      night(3, () => 40),
    );
    expect(failed.verdict).toBe('fail');
    const next = run(
      gates,
      night(3, () => 41),
      { baselineReport: failed },
    );
    expect(next.gates.map((g) => g.verdict)).toEqual(['pass', 'pass', 'pass']);
    expect(next.gates[0]!.baselineValue).toBeCloseTo(40, 1);
    expect(next.notes).toEqual([expect.stringContaining('had the verdict fail')]);
  });
});

describe('a baseline of several nights (a folder of reports)', () => {
  it('each gate takes the median of the nights: one slow night does not move the limit; partial ones are left out, said so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaosgate-nights-'));
    try {
      // As `gh run download` leaves them (<run id>/report.json) and as plain files, mixed.
      const nights = [40, 90, 44].map((ms) =>
        run(
          [],
          night(3, () => ms),
        ),
      );
      mkdirSync(join(dir, '101'));
      writeFileSync(join(dir, '101', 'report.json'), JSON.stringify(nights[0]));
      writeFileSync(join(dir, '102.json'), JSON.stringify(nights[1]));
      writeFileSync(join(dir, '103.json'), JSON.stringify(nights[2]));
      const partial = createEvaluation({}, []);
      night(3, () => 5)(partial);
      partial.abort('interrupted (SIGINT/SIGTERM)', T0 + 1000);
      writeFileSync(join(dir, '104.json'), JSON.stringify(partial.finish()));
      const baseline = await loadBaseline(dir);
      expect(Array.isArray(baseline) && baseline.length).toBe(4);
      const gates = [
        { id: 'p95 vs nights', metric: 'http_req_duration', expression: 'p(95)<=baseline*1.10', baseline: 'report' as const },
        { id: 'p95 change', metric: 'drift(http_req_duration)', expression: 'change_pct<10' },
      ];
      const tonight = run(
        gates,
        night(3, () => 46),
        { baselineReport: baseline },
      );
      // The median night is the 44 ms one (p95 of a flat 44 ms night: 44).
      expect(tonight.gates[0]!.baselineValue).toBeCloseTo(44, 1);
      expect(tonight.gates[0]!.limit).toBeCloseTo(48.4, 1);
      expect(tonight.gates[0]!.verdict).toBe('pass');
      expect(tonight.gates[0]!.baseline).toMatch(/^median of 3 reports/);
      expect(tonight.gates[1]!.drift!.baseline).toBeCloseTo(44, 1);
      expect(tonight.notes).toEqual([
        expect.stringMatching(/^1 partial previous report\(s\) left out of the baseline/),
        expect.stringMatching(/^baseline: the median of 3 reports/),
      ]);
      await expect(loadBaseline(join(dir, 'none'))).rejects.toThrow(/baseline report .*none: ENOENT/);
      mkdirSync(join(dir, 'empty'));
      await expect(loadBaseline(join(dir, 'empty'))).rejects.toThrow(/a folder without a report/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
