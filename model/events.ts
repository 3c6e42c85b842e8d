// A run's events file (`chaos-events.jsonl`): one JSON object per line, a chaos fault going on or
// off, or a named phase beginning. The chaos session and the run write it; `evaluate --events`
// and the run's timeline read it; the evaluator takes the phase events derived from it.
import { z } from 'zod';

export const chaosEventSchema = z.object({
  time: z.string().describe('ISO time'),
  epochMs: z.number().finite(),
  faultId: z.string().min(1),
  kind: z.string(),
  target: z.string().describe('the fault target, with any password redacted'),
  action: z.enum(['on', 'off']),
  params: z.record(z.string(), z.unknown()).default({}),
});
export type ChaosEvent = z.output<typeof chaosEventSchema>;

/** A named phase starting at a time; written to the events file beside the chaos events. */
export const namedPhaseEventSchema = z.object({ time: z.string(), epochMs: z.number().finite(), phase: z.string().min(1) });
export type NamedPhaseEvent = z.output<typeof namedPhaseEventSchema>;

/**
 * Where a run's script reached one of its services (the fault proxy's address for a faulted one):
 * written once k6's env is known, so `evaluate --events` tags samples with `service` as the run did.
 */
export const serviceAddressEventSchema = z.object({
  time: z.string(),
  epochMs: z.number().finite(),
  service: z.string().min(1),
  envName: z.string(),
  value: z.string(),
  urls: z.array(z.string()),
  proxied: z.boolean(),
});
export type ServiceAddressEvent = z.output<typeof serviceAddressEventSchema>;

/**
 * The time-bucket width a run picked for `evaluate.bucketWidth: auto` (written before k6 starts), so
 * `evaluate --events` replays with the same width; an events file without it replays as before.
 */
export const bucketWidthEventSchema = z.object({
  time: z.string(),
  epochMs: z.number().finite(),
  bucketWidthMs: z.number().int().positive(),
  bucketWidthPicked: z.string().min(1),
});
export type BucketWidthEvent = z.output<typeof bucketWidthEventSchema>;

export type TimelineEvent = ChaosEvent | NamedPhaseEvent | ServiceAddressEvent | BucketWidthEvent;

/** What labels samples with phases (the evaluator's input): a named phase, or a fault on/off. */
export type PhaseEvent = { time: number; phase: string } | { time: number; faultId: string; action: 'on' | 'off' };
