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

describe('a gate on a misspelt or unknown metric (strict: the script or the input is known)', () => {
  const script = `import { Trend } from 'k6/metrics';
const checkout = new Trend('checkout_time', true);
export const options = { thresholds: { cart_size: ['max<10'] } };`;
  const gates = [
    { id: 'p95', metric: 'http_req_duration{name:GET /}', expression: 'p(95)<500' },
    { id: 'typo', metric: 'http_req_duraton', expression: 'p(95)<500' },
    { id: 'custom', metric: 'checkout_time', expression: 'p(95)<500' },
    { id: 'threshold key', metric: 'cart_size', expression: 'max<10' },
    { id: 'grpc', metric: 'grpc_streams', expression: 'count>0' },
    { id: 'browser', metric: 'browser_web_vital_lcp', expression: 'p(75)<2500' },
    { id: 'typed', metric: 'from_an_extension', expression: 'count>0' },
    { metric: 'checkout_tim', expression: 'p(95)<500' },
  ];

  it('run: a name that is no k6 built-in and that the script never spells out is refused, naming the gate and the likely name', () => {
    expect(unproducibleMetrics(gates, { scripts: [script], typed: ['from_an_extension'], strict: true })).toEqual([
      'gates[1] (typo): metric http_req_duraton is not a k6 built-in, the script never names it, and no probe or evaluate.metricTypes declares it — did you mean http_req_duration?',
      'gates[7]: metric checkout_tim is not a k6 built-in, the script never names it, and no probe or evaluate.metricTypes declares it',
    ]);
    expect(() => refuseUnproducibleMetrics(gates, { scripts: [script], strict: true })).toThrow(/gates\[1\] \(typo\): metric http_req_duraton .*gates\[6\] \(typed\)/s);
  });

  it('a word inside another name is no mention of it', () => {
    expect(unproducibleMetrics([{ metric: 'cart' }], { scripts: [script], strict: true })).toHaveLength(1);
  });

  it('evaluate: the metrics of the input count, and the message says the input has none', () => {
    const problems = unproducibleMetrics(gates.slice(0, 3), { seen: ['http_req_duration', 'checkout_time'], strict: true });
    expect(problems).toEqual([
      expect.stringMatching(/^gates\[1\] \(typo\): metric http_req_duraton is not a k6 built-in, the input has no sample of it,.* did you mean http_req_duration\?$/),
    ]);
  });

  it('not strict (no script and no input known): only chaosgate-looking names are checked, as before', () => {
    expect(unproducibleMetrics(gates, {})).toEqual([]);
  });
});
