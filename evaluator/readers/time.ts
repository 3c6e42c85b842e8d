// Timestamps as k6 writes them, to milliseconds since the epoch (fractions kept).
const secondCache = new Map<string, number>();

/**
 * RFC 3339 with optional fraction and zone (`2026-11-23T13:30:21.918585358Z`, `…+01:00`).
 * The whole-second part is parsed once per distinct second; NaN when not a timestamp.
 */
export function parseRfc3339(s: string): number {
  if (s.length < 20 || s.charCodeAt(10) !== 84 /* T */) return Number.NaN;
  let i = 19;
  let fraction = 0;
  if (s.charCodeAt(19) === 46 /* . */) {
    i = 20;
    let scale = 100;
    while (i < s.length) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      fraction += d * scale;
      scale /= 10;
      i++;
    }
    if (i === 20) return Number.NaN;
  }
  const zone = s.slice(i);
  if (zone !== 'Z' && !/^[+-]\d\d:\d\d$/.test(zone)) return Number.NaN;
  const key = s.slice(0, 19) + zone;
  let base = secondCache.get(key);
  if (base === undefined) {
    base = Date.parse(key);
    if (Number.isNaN(base)) return Number.NaN;
    if (secondCache.size > 100_000) secondCache.clear();
    secondCache.set(key, base);
  }
  return base + fraction;
}

/** k6 CSV timestamps in any K6_CSV_TIME_FORMAT: unix (s), unix_milli/micro/nano, or RFC 3339. */
export function parseCsvTime(s: string): number {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    // A digit string too long for a number is no time (an infinite time never ends a window loop).
    if (!Number.isFinite(n)) return Number.NaN;
    if (s.length <= 11) return n * 1000;
    if (s.length <= 14) return n;
    if (s.length <= 17) return n / 1000;
    return n / 1e6;
  }
  return parseRfc3339(s);
}
