import { describe, expect, it } from 'vitest';
import { FAILED_METRIC } from './error-rate.js';
import { isQueueMetric, LATENCY_METRIC, QUEUE_DEPTH_METRICS } from './metric-names.js';

describe('metric names', () => {
  it('every queue-depth metric is charted as a queue; lag, pending and the drain depth are queues too, other gauges not', () => {
    for (const m of QUEUE_DEPTH_METRICS) expect(isQueueMetric(m)).toBe(true);
    for (const m of ['queue_lag', 'queue_pending', 'drain_queue_depth', 'celery_queue']) expect(isQueueMetric(m)).toBe(true);
    for (const m of ['probe_errors', 'vus', 'gpu_memory_used', 'queued']) expect(isQueueMetric(m)).toBe(false);
  });

  it('the live progress tap pre-filters on http_req_: both request metrics must keep that prefix', () => {
    expect(LATENCY_METRIC.startsWith('http_req_')).toBe(true);
    expect(FAILED_METRIC.startsWith('http_req_')).toBe(true);
  });
});
