// The one small interface every queue probe implements, the descriptor each probe file exports (its
// config fields beside its behaviour), and the gauge sample the sampler emits.
import type { z } from 'zod';

/**
 * The gauges the queue probes produce (the evaluator ingests them like k6 gauges); other kinds emit
 * their own names (`gpu_*`, a JSON or Prometheus probe's configured `metric`).
 */
export type QueueMetric =
  /** Messages waiting (Celery list total over all priority keys; stream length). */
  | 'queue_depth'
  /** Messages not yet processed by the consumer: JetStream num_pending + num_ack_pending; stream group lag. */
  | 'queue_lag'
  /** Delivered but not acknowledged (XPENDING count; JetStream num_ack_pending; Celery's `unacked` hash). */
  | 'queue_pending'
  /** Seconds the oldest waiting message has waited (as far as the probe can tell; see its kind). */
  | 'queue_oldest_age_seconds';

/** Any gauge a probe emits; `probe_errors` (failed readings so far, never hidden as a zero) the sampler emits for every probe. */
export type ProbeMetric = QueueMetric | 'probe_errors' | (string & {});

export interface ProbeReading {
  metric: ProbeMetric;
  value: number;
  /** Tags of this reading beside the probe's own (e.g. a GPU's index and uuid, a Prometheus label). */
  tags?: Record<string, string>;
}

export interface GaugeSample {
  metric: ProbeMetric;
  type: 'gauge';
  /** Epoch milliseconds. */
  time: number;
  value: number;
  /** `probe` and `kind` always; `queue` for a queue probe; a reading's own tags. */
  tags: { probe: string; kind: string; queue?: string } & Record<string, string>;
}

export interface QueueProbe {
  readonly id: string;
  /** Its probe kind (a key of the registry). */
  readonly kind: string;
  /** The queue's name as shown in reports (Celery queue, stream, stream/consumer); absent for a probe of no queue (GPU, JSON). */
  readonly queue?: string;
  /** One reading; rejects on any failure (the sampler counts it). */
  read(): Promise<ProbeReading[]>;
  /** Releases connections; safe to call twice. */
  close(): Promise<void>;
  /** What the probe found wrong over the readings so far (a queue that never existed): the run fails a `probes` check for each. */
  findings?(): string[];
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
  /** The gauges it emits (besides `probe_errors`) and what each one is; for a kind whose names are configured, a placeholder row. */
  metrics: Record<string, string>;
  /** The gauge names one configured entry emits, when they depend on its config (default: the keys of `metrics`). */
  metricsOf?(config: ProbeSettings<K, Shape>): string[];
  create(config: ProbeSettings<K, Shape>, ctx: ProbeContext): QueueProbe;
}

/** Keeps a descriptor's literal kind and field types for the registry (and types `create`'s config). */
export function defineProbe<K extends string, Shape extends z.ZodRawShape>(descriptor: ProbeDescriptor<K, Shape>): ProbeDescriptor<K, Shape> {
  return descriptor;
}
