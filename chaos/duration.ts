// Durations in the chaos plan: a number of milliseconds, or k6-style text such as "250ms", "30s", "2m30s".
import { z } from 'zod';
import { durationToMs } from '../lib/duration.js';

/** Milliseconds of "1.5s"-style text, or undefined when it does not parse. */
export function parseDurationMs(text: string): number | undefined {
  return durationToMs(text) ?? undefined;
}

/** A zod field for a duration; the output is milliseconds. */
export const durationMs = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const ms = typeof value === 'number' ? (Number.isInteger(value) && value >= 0 ? value : undefined) : parseDurationMs(value);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)} is not a duration (whole ms, or e.g. 500ms, 30s, 2m, 1h)` });
    return z.NEVER;
  }
  return ms;
});
