// The `probes` config section: which queues to sample, how often, and how long one reading may take.
// The entries of `list` are the probe kinds' union, built by the registry (probes/registry.ts).
import { z } from 'zod';
import { probeConfigSchema, type ProbeConfig, type ProbeKind } from './registry.js';

export { probeConfigSchema, type ProbeConfig, type ProbeKind };

export const probesSectionSchema = z
  .object({
    intervalMs: z.number().int().min(100).max(60_000).default(1000).describe('ms between two readings of every probe'),
    timeoutMs: z.number().int().min(10).max(60_000).default(800).describe('ms one reading may take; a slower one counts as a probe error (`probe_errors`); at most intervalMs'),
    list: z
      .array(probeConfigSchema)
      .default([])
      .refine((list) => new Set(list.map((p) => p.id)).size === list.length, 'probe ids must be unique')
      .describe('the probes; omitted or empty: a reference-stack run probes its own Celery queue, others probe nothing'),
  })
  .strict()
  .refine((s) => s.timeoutMs <= s.intervalMs, { message: 'must not exceed intervalMs', path: ['timeoutMs'] });

export type ProbesSection = z.output<typeof probesSectionSchema>;
