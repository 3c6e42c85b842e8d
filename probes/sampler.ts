// Samples every probe once per interval and emits gauge samples. A tick never overlaps the next:
// if one takes longer than the interval, the missed ticks are skipped, not queued. Each reading has
// its own timeout; a failed reading is counted, reported through onError and as a `probe_errors`
// gauge, and emits no depth value (a zero would read as "queue empty").
import type { ProbeConfig } from './config.js';
import type { GaugeSample, ProbeContext, ProbeReading, QueueProbe } from './types.js';
import { createProbe } from './registry.js';
import { DEFAULT_REDIS_URL } from '../lib/defaults.js';

export interface StartProbesOptions {
  intervalMs?: number;
  /** Per reading; default 80 % of the interval. */
  timeoutMs?: number;
  /** For Redis probes without their own url. */
  redisUrl?: string;
  onSample: (sample: GaugeSample) => void;
  onError?: (error: { probe: string; time: number; message: string; errors: number }) => void;
  signal?: AbortSignal;
  /** Injected probes (tests, or a caller with its own kinds); default: built from the configs. */
  probes?: QueueProbe[];
}

export interface ProbeStats {
  readings: number;
  errors: number;
  lastError?: string;
}

/** Something a probe found wrong over the run (a queue that never existed). */
export interface ProbeFinding {
  probe: string;
  kind: string;
  queue?: string;
  message: string;
}

export interface ProbeSampler {
  /** Per probe id. */
  stats(): Record<string, ProbeStats>;
  /** What the probes found wrong over the readings so far (each becomes a failed `probes` check of the run). */
  findings(): ProbeFinding[];
  /** Ends sampling after the running tick (if any) and closes every probe. Idempotent. */
  stop(): Promise<void>;
  /** Resolves when the sampler has stopped (by stop() or the signal). */
  readonly done: Promise<void>;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function startProbes(probeConfigs: ProbeConfig[], options: StartProbesOptions): ProbeSampler {
  const intervalMs = options.intervalMs ?? 1000;
  const timeoutMs = options.timeoutMs ?? Math.max(10, Math.floor(intervalMs * 0.8));
  const ctx: ProbeContext = { redisUrl: options.redisUrl ?? DEFAULT_REDIS_URL, timeoutMs };
  const probes = options.probes ?? probeConfigs.map((c) => createProbe(c, ctx));
  const stats: Record<string, ProbeStats> = Object.fromEntries(probes.map((p) => [p.id, { readings: 0, errors: 0 }]));

  let stopped = false;
  let wake: (() => void) | undefined;
  const onAbort = () => void sampler.stop().catch(() => {});

  async function sampleOne(probe: QueueProbe, time: number): Promise<void> {
    const tags: GaugeSample['tags'] = { probe: probe.id, kind: probe.kind, ...(probe.queue !== undefined ? { queue: probe.queue } : {}) };
    const st = stats[probe.id]!;
    let readings: ProbeReading[] = [];
    try {
      readings = await withTimeout(probe.read(), timeoutMs, `probe ${probe.id}`);
      st.readings++;
    } catch (err) {
      st.errors++;
      st.lastError = err instanceof Error ? err.message : String(err);
      options.onError?.({ probe: probe.id, time, message: st.lastError, errors: st.errors });
    }
    const samples: GaugeSample[] = readings.map((r) => ({ metric: r.metric, type: 'gauge', time, value: r.value, tags: r.tags ? { ...r.tags, ...tags } : tags }));
    // Always emitted, so a gate or chart sees 0 errors as a fact and a rise as it happens.
    samples.push({ metric: 'probe_errors', type: 'gauge', time, value: st.errors, tags });
    for (const sample of samples) options.onSample(sample);
  }

  async function loop(): Promise<void> {
    let next = Date.now();
    while (!stopped) {
      const time = Date.now();
      await Promise.all(probes.map((p) => sampleOne(p, time)));
      next += intervalMs;
      const now = Date.now();
      // Overran: skip to the next interval boundary in the future instead of firing back to back.
      if (next <= now) next += Math.ceil((now - next + 1) / intervalMs) * intervalMs;
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, next - Date.now());
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  }

  // A throwing onSample is the caller's bug: it ends sampling (and stop() rethrows it), but never
  // as an unhandled rejection while nobody awaits the loop.
  let loopError: unknown;
  const running = loop().catch((err: unknown) => {
    loopError = err;
    stopped = true;
    // Closes the probes now; whoever awaits stop() or done later gets the error.
    sampler.stop().catch(() => {});
  });
  let stopping: Promise<void> | undefined;
  const sampler: ProbeSampler = {
    stats: () => structuredClone(stats),
    findings: () => probes.flatMap((p) => (p.findings?.() ?? []).map((message) => ({ probe: p.id, kind: p.kind, ...(p.queue !== undefined ? { queue: p.queue } : {}), message }))),
    stop() {
      stopping ??= (async () => {
        stopped = true;
        wake?.();
        options.signal?.removeEventListener('abort', onAbort);
        await running;
        await Promise.allSettled(probes.map((p) => p.close()));
        if (loopError !== undefined) throw loopError;
      })();
      return stopping;
    },
    get done() {
      return running.then(() => stopping ?? Promise.resolve());
    },
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  return sampler;
}
