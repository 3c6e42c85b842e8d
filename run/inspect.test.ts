// What the run reads from `k6 inspect --execution-requirements`: the planned length and k6's own
// thresholds. The JSON shapes below are what k6 v1.8.1 prints (see docs/run.md for the command).
import { describe, expect, it } from 'vitest';
import { envArgs, executionShapingArgs, planFromInspect } from './inspect.js';

describe('planFromInspect', () => {
  it('plans the longest time-bound scenario without graceful stops; keeps totalDuration as the longest possible', () => {
    const plan = planFromInspect({
      scenarios: {
        a: { executor: 'constant-vus', startTime: null, duration: '5s' },
        b: { executor: 'ramping-arrival-rate', startTime: '2s', stages: [{ duration: '4s' }, { duration: '1m' }] },
        c: { executor: 'per-vu-iterations' },
      },
      totalDuration: '1m36s',
      thresholds: null,
    });
    expect(plan).toEqual({ plannedMs: 66_000, maxMs: 96_000, thresholds: [] });
  });

  it('has no planned length when every scenario ends by iterations', () => {
    expect(planFromInspect({ scenarios: { default: { executor: 'shared-iterations' } }, totalDuration: '10m30s' }).plannedMs).toBeNull();
  });

  it('reads string and object thresholds, sub-metrics included', () => {
    const plan = planFromInspect({
      thresholds: {
        'http_req_duration{name:GET /x}': ['p(95)<500'],
        http_req_failed: ['rate<0.01', { threshold: 'rate<0.5', abortOnFail: true }],
      },
    });
    expect(plan.thresholds).toEqual([
      { metric: 'http_req_duration{name:GET /x}', expression: 'p(95)<500', abortOnFail: false },
      { metric: 'http_req_failed', expression: 'rate<0.01', abortOnFail: false },
      { metric: 'http_req_failed', expression: 'rate<0.5', abortOnFail: true },
    ]);
  });
});

describe('k6Args', () => {
  it('passes -e / --env pairs on to k6 inspect', () => {
    expect(envArgs(['--vus', '2', '-e', 'A=1', '--env', 'B=2', '--env=C=3', '-eD=4', '--tag', 'x=y'])).toEqual(['--env', 'A=1', '--env', 'B=2', '--env', 'C=3', '--env', 'D=4']);
  });

  it('finds the arguments that change the test length', () => {
    expect(executionShapingArgs(['--vus', '2', '-e', 'A=1', '--duration=30s', '-i', '5', '-d10s', '--tag', 'x=y'])).toEqual(['--vus', '--duration=30s', '-i', '-d10s']);
    expect(executionShapingArgs(['-e', 'A=1', '--http-debug'])).toEqual([]);
  });
});
