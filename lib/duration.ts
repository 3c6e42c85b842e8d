import { z } from 'zod';

// Durations as k6 writes them: one or more number+unit parts, e.g. 500ms, 1.5s, 5m, 2h30m.
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** Milliseconds of `text` (>= 0), or null when it is not a duration. */
export function durationToMs(text: string): number | null {
  const t = text.trim();
  if (!WHOLE.test(t)) return null;
  let ms = 0;
  for (const m of t.matchAll(PART)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Math.round(ms);
}

/**
 * Milliseconds of a duration a schema has already validated (a config field, a gate's window): for
 * code past validation, so a bad value there is a bug, not input to report.
 */
export function validatedMs(text: string): number {
  const ms = durationToMs(text);
  if (ms === null) throw new Error(`internal: "${text}" reached past validation as a duration`);
  return ms;
}

// The one duration field of every config schema: whole milliseconds (a number) or k6 text, as the
// docs allow everywhere. Two outputs of the same input: milliseconds, or k6 text for fields handed
// on as text (to k6, or to code that reads them with durationToMs).
export interface DurationFieldOptions {
  /** A zero length is refused unless allowed (a zero window or bucket means nothing). */
  allowZero?: boolean;
}

function toMs(value: number | string, opts: DurationFieldOptions, ctx: z.RefinementCtx): number {
  const ms = typeof value === 'number' ? (Number.isInteger(value) && value >= 0 ? value : null) : durationToMs(value);
  if (ms === null) {
    ctx.addIssue({ code: 'custom', message: `must be a duration: whole milliseconds, or k6 text such as 500ms, 30s, 2m, 1h (got ${JSON.stringify(value)})` });
    return z.NEVER;
  }
  if (ms === 0 && !opts.allowZero) {
    ctx.addIssue({ code: 'custom', message: `must be a duration longer than 0 (got ${JSON.stringify(value)})` });
    return z.NEVER;
  }
  return ms;
}

/** A duration field whose value is milliseconds. */
export function durationMsField(opts: DurationFieldOptions = {}) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => toMs(value, opts, ctx));
}

/** A duration field whose value is k6 text: text as written, a number of ms as "<n>ms". */
export function durationTextField(opts: DurationFieldOptions = {}) {
  return z.union([z.number(), z.string()]).transform((value, ctx) => {
    const ms = toMs(value, opts, ctx);
    return typeof value === 'number' ? `${ms}ms` : value.trim();
  });
}
