// Durations in the chaos plan: a number of milliseconds, or a string such as "250ms", "30s", "2m", "1h".
import { z } from 'zod';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds of "1.5s"-style text, or undefined when it does not parse. */
export function parseDurationMs(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(text);
  if (!m) return undefined;
  return Math.round(Number(m[1]) * units[m[2]!]!);
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
