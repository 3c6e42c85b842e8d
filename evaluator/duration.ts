// Durations as written in config and gates (500ms, 10s, 5m, 1h, 1m30s): k6's syntax, read by the
// one parser in lib/duration.ts. A window or bucket of zero length means nothing, so it is refused.
import { durationToMs } from '../lib/duration.js';

/** Milliseconds of `text` (> 0), or null when it is not a duration. */
export function parseDuration(text: string): number | null {
  const ms = durationToMs(text);
  return ms !== null && ms > 0 ? ms : null;
}
