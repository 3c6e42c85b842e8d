// The one small interface every queue probe implements, and the gauge sample the sampler emits.
import type { ProbeConfig, ProbeKind } from './config.js';

/** Gauge metrics the probes produce; the evaluator ingests them like k6 gauges. */
export type ProbeMetric =
  /** Messages waiting (Celery list total over all priority keys; stream length). */
  | 'queue_depth'
  /** Messages not yet processed by the consumer: JetStream num_pending + num_ack_pending; stream group lag. */
  | 'queue_lag'
  /** Delivered but not acknowledged (XPENDING count; JetStream num_ack_pending). */
  | 'queue_pending'
  /** Failed readings so far for this probe (timeouts, connection errors): never hidden as a zero. */
  | 'probe_errors';

export interface ProbeReading {
  metric: Exclude<ProbeMetric, 'probe_errors'>;
  value: number;
}

export interface GaugeSample {
  metric: ProbeMetric;
  type: 'gauge';
  /** Epoch milliseconds. */
  time: number;
  value: number;
  tags: { probe: string; queue: string; kind: ProbeKind };
}

export interface QueueProbe {
  readonly id: string;
  readonly kind: ProbeKind;
  /** The queue's name as shown in reports (Celery queue, stream, stream/consumer). */
  readonly queue: string;
  /** One reading; rejects on any failure (the sampler counts it). */
  read(): Promise<ProbeReading[]>;
  /** Releases connections; safe to call twice. */
  close(): Promise<void>;
}

export interface ProbeContext {
  /** Used by Redis probes without their own `url` (the config's top-level `redis.url`). */
  redisUrl: string;
  /** Per-reading timeout, also given to the clients so a hung server does not pile up requests. */
  timeoutMs: number;
}

export type ProbeFactory<K extends ProbeKind> = (config: Extract<ProbeConfig, { kind: K }>, ctx: ProbeContext) => QueueProbe;
