// Kinds of k6's built-in metrics, for inputs that do not declare them (CSV, or points whose
// Metric line is in another worker's byte range).
import type { MetricKind } from './report.js';

export interface MetricKindInfo {
  kind: MetricKind;
  isTime: boolean;
}

const time = (): MetricKindInfo => ({ kind: 'trend', isTime: true });
const counter: MetricKindInfo = { kind: 'counter', isTime: false };

/**
 * Locust's rolling response-time percentiles read from its `--csv-full-history` stats history
 * (evaluator/readers/locust-csv.ts), one metric per percentile column: `locust_csv_p95`,
 * `locust_csv_p99_9`. Not samples of requests, so a gate on one is an approximation and never a
 * pass (evaluator/gates.ts). A metric per percentile, not a tag: series keep only the groupBy tags.
 */
export function locustCsvMetric(percentile: string): string {
  return `locust_csv_p${percentile.replace('.', '_')}`;
}

export function isLocustCsvMetric(metric: string): boolean {
  return /^locust_csv_p\d+(_\d+)?$/.test(metric);
}

export const builtinMetrics: Record<string, MetricKindInfo> = {
  http_req_duration: time(),
  http_req_blocked: time(),
  http_req_connecting: time(),
  http_req_tls_handshaking: time(),
  http_req_sending: time(),
  http_req_waiting: time(),
  http_req_receiving: time(),
  iteration_duration: time(),
  group_duration: time(),
  ws_connecting: time(),
  ws_session_duration: time(),
  ws_ping: time(),
  grpc_req_duration: time(),
  http_req_failed: { kind: 'rate', isTime: false },
  checks: { kind: 'rate', isTime: false },
  http_reqs: counter,
  iterations: counter,
  dropped_iterations: counter,
  data_sent: counter,
  data_received: counter,
  ws_msgs_sent: counter,
  ws_msgs_received: counter,
  ws_sessions: counter,
  vus: { kind: 'gauge', isTime: false },
  vus_max: { kind: 'gauge', isTime: false },
};

export const metricKinds = new Set<string>(['trend', 'counter', 'rate', 'gauge']);
