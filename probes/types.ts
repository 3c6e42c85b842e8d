// The one small interface every queue probe implements, the descriptor each probe file exports (its
// config fields beside its behaviour), and the gauge sample the sampler emits.
import type { z } from 'zod';

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

/** The gauges a probe reads (`probe_errors` the sampler emits for every probe). */
export type QueueMetric = Exclude<ProbeMetric, 'probe_errors'>;

export interface ProbeReading {
  metric: QueueMetric;
  value: number;
}

export interface GaugeSample {
  metric: ProbeMetric;
  type: 'gauge';
  /** Epoch milliseconds. */
  time: number;
  value: number;
  tags: { probe: string; queue: string; kind: string };
}

export interface QueueProbe {
  readonly id: string;
  /** Its probe kind (a key of the registry). */
  readonly kind: string;
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

/** One probe's config entry: `kind` and `id` (every probe has them) and its own fields. */
export type ProbeSettings<K extends string, Shape extends z.ZodRawShape> = { kind: K; id: string } & z.output<z.ZodObject<Shape>>;

/**
 * A probe kind, all in its own file: the registry (probes/registry.ts) builds the config union,
 * the metric list of the unproducible-metric check and the reference from these.
 */
export interface ProbeDescriptor<K extends string = string, Shape extends z.ZodRawShape = z.ZodRawShape> {
  kind: K;
  /**
   * Its own config fields, strict (`kind` and `id` are added by the registry). Rules go on the fields:
   * the registry takes the object's shape, so a refine on the object itself would be dropped.
   */
  schema: z.ZodObject<Shape, z.core.$strict>;
  /** What it reads, for the reference. */
  reads: string;
  /** The gauges it emits (besides `probe_errors`) and what each one is. */
  metrics: Partial<Record<QueueMetric, string>>;
  create(config: ProbeSettings<K, Shape>, ctx: ProbeContext): QueueProbe;
}

/** Keeps a descriptor's literal kind and field types for the registry (and types `create`'s config). */
export function defineProbe<K extends string, Shape extends z.ZodRawShape>(descriptor: ProbeDescriptor<K, Shape>): ProbeDescriptor<K, Shape> {
  return descriptor;
}
