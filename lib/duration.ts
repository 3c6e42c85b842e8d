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
