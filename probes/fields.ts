// Config fields more than one probe kind uses.
import { z } from 'zod';

export const probeId = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only (it becomes a metric tag)')
  .describe("the probe's unique name: its samples carry it as the `probe` tag");

export const redisUrl = z.string().regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// URL');

export const httpUrl = z
  .string()
  .regex(/^https?:\/\/[^\s]+$/, 'must be an http:// or https:// URL')
  .refine((u) => !/^https?:\/\/[^@/]*:[^@/]*@/.test(u), 'must not contain a password: set headersEnv')
  .describe('the endpoint, http:// or https://');

export const headersEnv = z
  .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an env var name'))
  .default({})
  .describe('request headers whose values come from env vars, e.g. `{"Authorization": "METRICS_AUTH"}` (never from the config, never logged)');

/** A gauge name of the user's choosing: k6's metric name rules, and not one chaosgate gives another meaning. */
export const gaugeName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, "letters, digits and _ (k6's metric name rules)")
  .refine((m) => m !== 'probe_errors', 'probe_errors is every probe’s own error count');
