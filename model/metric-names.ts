// The metric names chaosgate gives a meaning to beyond a gate's own, in one place: the latency it
// reports, which gauges are queues, the drain check's gauges. The error rate's metrics are in
// error-rate.ts, beside the formula they feed. Plain constants: any layer may import them.

/** The latency of the phase table, recovery, drift, per-service and per-endpoint figures. */
export const LATENCY_METRIC = 'http_req_duration';

/**
 * Gauges of how many items wait in a queue: the queue probes' `queue_depth` and the reference
 * stack's k6 ingestion scenario's. Their maximum is the phase table's "max queue depth" and
 * recovery waits for it to return near the baseline's. Lag and pending counts are not depths.
 */
export const QUEUE_DEPTH_METRICS: readonly string[] = ['queue_depth', 'ingestion_queue_depth'];

/**
 * Any gauge about a queue (depth, lag, pending, the drain check's depth, a script's own
 * `*_queue*` gauge): charted under "Queues". Every queue-depth metric is one.
 */
export function isQueueMetric(metric: string): boolean {
  return /^queue_|_queue|queue$/.test(metric);
}

/** The gauge metrics the ingestion drain check (run/drain.ts) reports (gates: value==0, value==0, value>0). */
export const DRAIN_METRICS = {
  depth: 'drain_queue_depth',
  retrying: 'drain_retrying',
  retrieval: 'drain_retrieval_results',
  /** Per probed queue (run/queue-drain.ts): seconds from k6's end until it was empty. */
  seconds: 'drain_seconds',
} as const;

/**
 * Metrics chaosgate itself produces (queue probes, the drain check, probe errors, derived ones):
 * not k6's, so k6's rules on which aggregation a metric type has do not bind gates on them (a
 * probe's gauge is read with `max`).
 */
export function isOwnMetric(metric: string): boolean {
  return /^(queue_|drain_|chaosgate_|probe_)/.test(metric);
}
