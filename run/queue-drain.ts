// The drain for a profile with queue probes (`drain: true` on any stack): after k6 ends, every
// probed queue is read again each poll until it is empty — nothing waiting (`queue_depth` 0) and
// nothing reserved but unacknowledged (`queue_pending` 0, where the kind reads it) — or
// run.drain.timeout passes. Each queue's time from k6's end to its first empty reading is its
// `drain_seconds`; one still not empty is a failed check.
import type { ChaosgateConfig } from '../config/index.js';
import { validatedMs } from '../lib/duration.js';
import { ConfigError } from '../lib/errors.js';
import { DRAIN_METRICS } from '../model/metric-names.js';
import type { GateResult } from '../model/report.js';
import { createProbe, metricsOfProbe, type GaugeSample, type ProbeConfig } from '../probes/index.js';
import { withTimeout } from '../probes/sampler.js';

export const DRAIN_SECONDS_METRIC = DRAIN_METRICS.seconds;

export interface QueueDrainResult {
  probe: string;
  kind: string;
  queue: string;
  drained: boolean;
  /** From k6's end to the first empty reading; when not drained, until the last reading. */
  seconds: number;
  /** The last reading's figures (null: no successful reading). */
  depth: number | null;
  pending: number | null;
}

export interface QueueDrainOptions {
  redisUrl: string;
  /** The whole drain (run.drain.timeout). */
  timeoutMs: number;
  /** One reading (probes.timeoutMs). */
  readTimeoutMs: number;
  pollMs: number;
  /** Epoch ms k6 ended: drain_seconds count from here. */
  since: number;
  onSample: (s: GaugeSample) => void;
  signal?: AbortSignal;
}

/** The probes that read a queue's depth or unacknowledged count. */
export function queueProbeConfigs(configs: readonly ProbeConfig[]): ProbeConfig[] {
  return configs.filter((c) => metricsOfProbe(c).some((m) => m === 'queue_depth' || m === 'queue_pending'));
}

export async function drainQueues(configs: readonly ProbeConfig[], opts: QueueDrainOptions): Promise<QueueDrainResult[]> {
  const ctx = { redisUrl: opts.redisUrl, timeoutMs: opts.readTimeoutMs };
  const probes = queueProbeConfigs(configs).map((c) => createProbe(c, ctx));
  const results = new Map<string, QueueDrainResult>(
    probes.map((p) => [p.id, { probe: p.id, kind: p.kind, queue: p.queue ?? p.id, drained: false, seconds: 0, depth: null, pending: null }]),
  );
  const deadline = Date.now() + opts.timeoutMs;
  try {
    for (;;) {
      const open = probes.filter((p) => !results.get(p.id)!.drained);
      if (open.length === 0 || opts.signal?.aborted) break;
      await Promise.all(
        open.map(async (p) => {
          const r = results.get(p.id)!;
          const time = Date.now();
          try {
            const readings = await withTimeout(p.read(), opts.readTimeoutMs, `probe ${p.id}`);
            const sum = (m: string) => (readings.some((x) => x.metric === m) ? readings.filter((x) => x.metric === m).reduce((a, x) => a + x.value, 0) : null);
            r.depth = sum('queue_depth');
            r.pending = sum('queue_pending');
            r.seconds = Math.max(0, (Date.now() - opts.since) / 1000);
            r.drained = (r.depth ?? 0) === 0 && (r.pending ?? 0) === 0;
            const tags: GaugeSample['tags'] = { probe: p.id, kind: p.kind, queue: r.queue };
            for (const x of readings) opts.onSample({ metric: x.metric, type: 'gauge', time, value: x.value, tags: x.tags ? { ...x.tags, ...tags } : tags });
          } catch {
            // A failed reading during the drain is retried until the deadline; the last figures stand.
          }
        }),
      );
      if (Date.now() + opts.pollMs >= deadline) break;
      await new Promise((r) => setTimeout(r, opts.pollMs));
    }
  } finally {
    await Promise.allSettled(probes.map((p) => p.close()));
  }
  const now = Date.now();
  for (const r of results.values()) {
    if (!r.drained) r.seconds = Math.max(0, (now - opts.since) / 1000);
    opts.onSample({ metric: DRAIN_SECONDS_METRIC, type: 'gauge', time: now, value: r.seconds, tags: { probe: r.probe, kind: r.kind, queue: r.queue } });
  }
  return [...results.values()];
}

/** The report's line for one queue. */
export function drainNote(r: QueueDrainResult): string {
  const figures = `depth ${r.depth ?? 'unknown'}${r.pending !== null ? `, unacknowledged ${r.pending}` : ''}`;
  return r.drained
    ? `drain: queue ${r.queue} (probe ${r.probe}) was empty ${r.seconds.toFixed(1)} s after k6 ended`
    : `drain: queue ${r.queue} (probe ${r.probe}) was still not empty ${r.seconds.toFixed(1)} s after k6 ended (${figures})`;
}

/** A failed check for a queue that did not drain (the verdict becomes fail). */
export function drainCheck(r: QueueDrainResult): GateResult {
  return {
    id: `drain ${r.queue} (probe ${r.probe}): empty within run.drain.timeout`,
    group: 'drain',
    metric: DRAIN_SECONDS_METRIC,
    expression: 'queue_depth==0 and queue_pending==0',
    severity: 'fail',
    window: null,
    phase: null,
    baseline: null,
    abortOnFail: false,
    observed: r.seconds,
    limit: null,
    worstWindowStart: null,
    verdict: 'fail',
    message: drainNote(r),
    durationMs: 0,
  };
}

/** `drain: true` on a stack without the reference drain check needs a queue probe to drain: a config error otherwise, not a silently skipped drain. */
export function refuseDrainWithoutQueues(profile: string, drain: boolean, stackKind: string, probes: readonly ProbeConfig[]): void {
  if (!drain || stackKind === 'reference' || queueProbeConfigs(probes).length > 0) return;
  throw new ConfigError(`profile ${profile}`, [
    `drain: true needs a queue probe in probes.list (celery-redis, redis-stream, nats-jetstream, rabbitmq, or a JSON/Prometheus probe whose gauge is queue_depth/queue_pending) to know when the queues are empty`,
  ]);
}

/** The run's drain stage for the probed queues: progress lines, samples into the evaluation. */
export async function drainQueuesAfterLoad(
  config: ChaosgateConfig,
  redisUrl: string | undefined,
  since: number,
  line: (text: string) => void,
  onSample: (s: GaugeSample) => void,
): Promise<QueueDrainResult[]> {
  const queues = queueProbeConfigs(config.probes.list);
  line(`drain: waiting up to ${config.run.drain.timeout} for ${queues.map((q) => q.id).join(', ')} to be empty`);
  const results = await drainQueues(queues, {
    redisUrl: redisUrl ?? config.redis.url,
    timeoutMs: validatedMs(config.run.drain.timeout),
    readTimeoutMs: config.probes.timeoutMs,
    pollMs: Math.min(config.probes.intervalMs, 500),
    since,
    onSample,
  });
  for (const r of results) line(drainNote(r));
  return results;
}
