// Durations in the chaos plan: a number of milliseconds, or k6-style text such as "250ms", "30s", "2m30s".
import { durationMsField, durationToMs } from '../lib/duration.js';

/** Milliseconds of "1.5s"-style text, or undefined when it does not parse. */
export function parseDurationMs(text: string): number | undefined {
  return durationToMs(text) ?? undefined;
}

/** A zod field for a duration (an offset may be 0); the output is milliseconds. */
export const durationMs = durationMsField({ allowZero: true });
