import { describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/errors.js';
import { refuseUnproducibleMetrics, unproducibleMetrics } from './known-metrics.js';

describe('gates on metrics nothing produces', () => {
  const gates = [
    { id: 'lag', metric: 'queue_lag', expression: 'max<=1000' },
    { id: 'p95', metric: 'http_req_duration', expression: 'p(95)<500' },
    { id: 'custom', metric: 'checkout_time', expression: 'p(95)<500' },
    { id: 'budget', metric: 'chaosgate_error_rate{name:GET /}', expression: 'rate<0.05' },
    { id: 'drained', metric: 'drain_queue_depth', expression: 'value==0' },
  ];

  it('a Celery probe has no lag (depth, unacked, oldest age): a queue_lag gate on it is refused, naming the gate and what the probe gives', () => {
    const problems = unproducibleMetrics(gates, { probes: [{ kind: 'celery-redis' }], drain: true });
    expect(problems).toEqual([
      'gates[0] (lag): metric queue_lag is produced by nothing here (the configured probes produce celery-redis: queue_depth, queue_pending, queue_oldest_age_seconds)',
    ]);
    expect(() => refuseUnproducibleMetrics(gates, { probes: [{ kind: 'celery-redis' }], drain: true })).toThrow(ConfigError);
  });

  it('a probe that measures lag, the drain check, the derived error budget and unknown custom names pass', () => {
    expect(unproducibleMetrics(gates, { probes: [{ kind: 'redis-stream' }], drain: true })).toEqual([]);
  });

  it('without drain and probes, drain_ and queue_ gates are refused; a name the script quotes is taken as its custom metric', () => {
    expect(unproducibleMetrics(gates, {}).map((p) => p.slice(0, 12))).toEqual(['gates[0] (la', 'gates[4] (dr']);
    expect(unproducibleMetrics(gates, { scripts: ["const lag = new Gauge('queue_lag');"] }).map((p) => p.slice(0, 12))).toEqual(['gates[4] (dr']);
  });

  it('evaluate: metrics seen in the input count as produced', () => {
    expect(unproducibleMetrics(gates, { seen: ['queue_lag', 'drain_queue_depth'] })).toEqual([]);
    expect(unproducibleMetrics(gates, { seen: ['queue_depth'] })[0]).toMatch(/queue_lag .*no probe is configured; the input has no sample of it/);
  });

  it('the reference drain produces its three gauges, a probed-queue drain only drain_seconds', () => {
    const drainGates = [
      { id: 'secs', metric: 'drain_seconds{probe:ing}' },
      { id: 'left', metric: 'drain_queue_depth' },
    ];
    expect(unproducibleMetrics(drainGates, { drain: 'queues' }).map((p) => p.slice(0, 15))).toEqual(['gates[1] (left)']);
    expect(unproducibleMetrics(drainGates, { drain: true }).map((p) => p.slice(0, 15))).toEqual(['gates[0] (secs)']);
  });
});
