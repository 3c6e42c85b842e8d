// Durations in the chaos plan: a number of milliseconds, or k6-style text such as "250ms", "30s", "2m30s".
import { durationMsField } from '../lib/duration.js';

/** A zod field for a duration (an offset may be 0); the output is milliseconds. */
export const durationMs = durationMsField({ allowZero: true });
