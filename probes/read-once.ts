// One reading of each configured probe, outside a run: `chaosgate probe` prints them (is the
// endpoint reachable, is the key there, what does it read now), and a run's pre-flight can ask the
// same before k6 starts.
import type { ProbeConfig } from './config.js';
import { createProbe } from './registry.js';
import { withTimeout } from './sampler.js';
import type { GaugeSample, ProbeContext } from './types.js';

export interface ProbeOnce {
  id: string;
  kind: string;
  /** The reading's gauges, tagged as in a run; empty on error. */
  samples: GaugeSample[];
  error: string | null;
  /** What the probe found wrong after this one reading (a Celery queue not seen yet). */
  findings: string[];
}

/**
 * The configured probes, opened once and read on demand: `chaosgate probe --count N` reads the same
 * probe N times, so what a probe learns between readings (the Celery probe's first sighting of the
 * task at a queue's head, for its age) carries over as in a run.
 */
export function openProbeReader(configs: readonly ProbeConfig[], ctx: ProbeContext): { read(): Promise<ProbeOnce[]>; close(): Promise<void> } {
  const probes = configs.map((config) => createProbe(config, ctx));
  return {
    read: () =>
      Promise.all(
        probes.map(async (probe): Promise<ProbeOnce> => {
          const time = Date.now();
          const tags: GaugeSample['tags'] = { probe: probe.id, kind: probe.kind, ...(probe.queue !== undefined ? { queue: probe.queue } : {}) };
          try {
            const readings = await withTimeout(probe.read(), ctx.timeoutMs, `probe ${probe.id}`);
            const samples = readings.map((r): GaugeSample => ({ metric: r.metric, type: 'gauge', time, value: r.value, tags: r.tags ? { ...r.tags, ...tags } : tags }));
            return { id: probe.id, kind: probe.kind, samples, error: null, findings: probe.findings?.() ?? [] };
          } catch (err) {
            return { id: probe.id, kind: probe.kind, samples: [], error: err instanceof Error ? err.message : String(err), findings: [] };
          }
        }),
      ),
    close: async () => {
      await Promise.all(probes.map((p) => p.close().catch(() => {})));
    },
  };
}

export async function readProbesOnce(configs: readonly ProbeConfig[], ctx: ProbeContext): Promise<ProbeOnce[]> {
  const reader = openProbeReader(configs, ctx);
  try {
    return await reader.read();
  } finally {
    await reader.close();
  }
}

/** `gpu_memory_used_mib{gpu=0,gpu_uuid=GPU-…} 46755` (the probe's own id and kind tags left out). */
export function sampleLine(s: GaugeSample): string {
  const tags = Object.entries(s.tags)
    .filter(([k]) => k !== 'probe' && k !== 'kind')
    .map(([k, v]) => `${k}=${v}`);
  const value = Number.isInteger(s.value) ? String(s.value) : s.value.toFixed(3);
  return `${s.metric}${tags.length ? `{${tags.join(',')}}` : ''} ${value}`;
}
