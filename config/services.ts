// The `services` section: the user's own services a run loads (and may fault), by name. An HTTP
// service is a base URL, a TCP service a host:port. A plan entry may name a service as its target;
// the run then puts a fault-proxy route in front of it (run/services.ts).
import { z } from 'zod';
import { durationTextField } from '../lib/duration.js';

/** CHAOSGATE_URL_<NAME> / CHAOSGATE_ADDR_<NAME>: upper-cased, every other character than A-Z 0-9 → `_`. */
export function serviceEnvName(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

/** Why `text` is not a usable service base URL, or null. */
function urlProblem(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an http:// or https:// URL like http://127.0.0.1:8000 or https://staging.example.org/api';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must be an http:// or https:// URL, not ${url.protocol}//`;
  if (!url.hostname) return 'must name a host';
  // Credentials come from env, never from the config (the config reaches reports).
  if (url.username || url.password) return 'must not carry credentials (read them from env in the script)';
  if (url.search || url.hash) return 'must be a base URL without ?query or #fragment';
  return null;
}

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):\d{1,5}$/, 'must be host:port');

const readySchema = z
  .object({
    url: z
      .string()
      .superRefine((s, ctx) => {
        const problem = urlProblem(s);
        if (problem && !problem.startsWith('must be a base URL')) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe('a URL that answers 2xx or 3xx once the service is ready (e.g. its /health); omitted: the service itself answers at all'),
    tcp: hostPort.optional().describe("a host:port that accepts a connection once ready; omitted: the service's own"),
    timeout: durationTextField().default('30s').describe('how long the run waits before k6 starts'),
  })
  .strict();

const serviceSchema = z
  .object({
    url: z
      .string()
      .superRefine((s, ctx) => {
        const problem = urlProblem(s);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      })
      .optional()
      .describe("an HTTP service's base URL, `http(s)://host[:port][/path]`; the script gets `CHAOSGATE_URL_<NAME>`"),
    tcp: hostPort.optional().describe('a TCP service, `host:port`; the script gets `CHAOSGATE_ADDR_<NAME>`'),
    ready: readySchema.optional().describe('pre-flight: wait for this before k6 starts; not ready by its timeout fails the run in seconds (exit 1) with the reason'),
  })
  .strict()
  .superRefine((s, ctx) => {
    if ((s.url === undefined) === (s.tcp === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of url (an HTTP service) or tcp (host:port)' });
    }
  });

export const servicesSectionSchema = z.record(z.string(), serviceSchema).superRefine((services, ctx) => {
  const byEnv = new Map<string, string>();
  for (const name of Object.keys(services)) {
    // Checked here rather than as the record's key schema, whose message would not say why.
    if (!/^[a-z][a-z0-9_-]*$/.test(name)) {
      ctx.addIssue({ code: 'custom', message: 'service names: lower-case letters, digits, _ and - (starting with a letter)', path: [name] });
    }
    const env = serviceEnvName(name);
    const other = byEnv.get(env);
    if (other !== undefined) {
      ctx.addIssue({ code: 'custom', message: `"${name}" and "${other}" both become CHAOSGATE_*_${env}: rename one`, path: [name] });
    }
    byEnv.set(env, name);
  }
});

export type ServicesSection = z.output<typeof servicesSectionSchema>;
export type ServiceConfig = ServicesSection[string];
