// The `chaos` section: allowlist, proxy routes, the control endpoint, Toxiproxy, the plan, and where
// the journal and events go (issue 4). Each plan entry's `params` is checked by its fault or driver.
import { z } from 'zod';
import { drivers, isDriverKind } from './drivers/index.js';
import { durationMs } from './duration.js';
import { isProxyFaultKind, proxyFaults } from './faults/index.js';
import { isLoopbackHost } from '../lib/net.js';

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'must be host:port');
const slug = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lower-case letters, digits and _ . - only');

const routeSchema = z
  .object({
    name: slug,
    protocol: z.enum(['http', 'tcp']).default('http'),
    /** Where the proxy listens; port 0 picks a free one. */
    listen: hostPort.default('127.0.0.1:0'),
    upstream: hostPort,
  })
  .strict();

const matchSchema = z
  .object({
    method: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    /** Path prefix. */
    path: z.string().startsWith('/').optional(),
    pathRegex: z
      .string()
      .refine((s) => {
        try {
          new RegExp(s);
          return true;
        } catch {
          return false;
        }
      }, 'not a valid regular expression')
      .optional(),
    header: z.object({ name: z.string().min(1), value: z.string().optional() }).strict().optional(),
  })
  .strict();

export const faultKinds = [...Object.keys(proxyFaults), ...Object.keys(drivers)] as [string, ...string[]];

const entrySchema = z
  .object({
    id: slug,
    kind: z.enum(faultKinds),
    /** A proxy route name; a Redis key; a hook URL; a PID file or "cmd:<text>"; a Toxiproxy proxy. */
    target: z.string().min(1),
    /** Offset from the start of the timeline. */
    at: durationMs.default(0),
    /** Omitted: stays until the timeline's end (or `chaos clear`). */
    duration: durationMs.optional(),
    /** Per request (HTTP) or per connection (TCP): the share of traffic the fault hits. */
    probability: z.number().min(0).max(1).default(1),
    match: matchSchema.optional(),
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .transform((entry, ctx) => {
    const schema = isProxyFaultKind(entry.kind)
      ? proxyFaults[entry.kind].params
      : isDriverKind(entry.kind)
        ? drivers[entry.kind].params
        : undefined;
    const parsed = schema!.safeParse(entry.params);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: ['params', ...issue.path.map(String)] });
      }
      return z.NEVER;
    }
    return { ...entry, params: parsed.data as Record<string, unknown> };
  });

export const chaosSectionSchema = z
  .object({
    /** Hosts chaos may touch besides loopback, by name: staging environments meant for chaos. */
    allowlist: z.array(z.string().min(1)).default([]),
    /**
     * Opt-in for proxy routes and the control endpoint listening off loopback (0.0.0.0, a LAN
     * address): a route there relays to its upstream for anyone who can reach this machine.
     */
    allowNonLoopbackListen: z.boolean().default(false),
    journal: z.string().min(1).default('.chaosgate/chaos-journal.json'),
    events: z.string().min(1).default('.chaosgate/chaos-events.jsonl'),
    proxy: z.object({ routes: z.array(routeSchema).default([]) }).strict().prefault({}),
    /** Status endpoint of a running session; off loopback it requires the token in `tokenEnv`. */
    control: z
      .object({
        listen: hostPort.default('127.0.0.1:0'),
        tokenEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an env var name').default('CHAOSGATE_CHAOS_CONTROL_TOKEN'),
      })
      .strict()
      .prefault({}),
    toxiproxy: z
      .object({
        url: z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an http:// URL').default('http://127.0.0.1:8474'),
        timeoutMs: z.number().int().min(1).max(60_000).default(2000),
      })
      .strict()
      .prefault({}),
    plan: z.array(entrySchema).default([]),
  })
  .strict()
  .superRefine((section, ctx) => {
    if (!section.allowNonLoopbackListen) {
      const refuse = (listen: string, path: (string | number)[], what: string) => {
        const { host } = splitHostPort(listen);
        if (isLoopbackHost(host)) return;
        ctx.addIssue({
          code: 'custom',
          message: `"${listen}" is not a loopback address: ${what} listens on loopback only unless chaos.allowNonLoopbackListen is true`,
          path,
        });
      };
      section.proxy.routes.forEach((r, i) => refuse(r.listen, ['proxy', 'routes', i, 'listen'], 'a proxy route (an open relay to its upstream elsewhere)'));
      refuse(section.control.listen, ['control', 'listen'], 'the control endpoint');
    }
    const routes = new Map(section.proxy.routes.map((r) => [r.name, r]));
    if (routes.size !== section.proxy.routes.length) {
      ctx.addIssue({ code: 'custom', message: 'route names must be unique', path: ['proxy', 'routes'] });
    }
    const ids = new Set<string>();
    section.plan.forEach((entry, i) => {
      if (ids.has(entry.id)) ctx.addIssue({ code: 'custom', message: `duplicate id "${entry.id}"`, path: ['plan', i, 'id'] });
      ids.add(entry.id);
      if (!isProxyFaultKind(entry.kind)) return;
      const route = routes.get(entry.target);
      const layer = proxyFaults[entry.kind].layer;
      if (!route) {
        const known = [...routes.keys()].join(', ') || 'none configured';
        ctx.addIssue({ code: 'custom', message: `no proxy route "${entry.target}" (chaos.proxy.routes: ${known})`, path: ['plan', i, 'target'] });
      } else if (route.protocol !== layer) {
        ctx.addIssue({ code: 'custom', message: `${entry.kind} needs an ${layer} route; "${route.name}" is ${route.protocol}`, path: ['plan', i, 'target'] });
      }
      if (entry.match && layer !== 'http') {
        ctx.addIssue({ code: 'custom', message: 'match applies to http-* faults only', path: ['plan', i, 'match'] });
      }
    });
  });

export type ChaosSection = z.output<typeof chaosSectionSchema>;
export type ChaosSectionInput = z.input<typeof chaosSectionSchema>;
export type PlanEntry = ChaosSection['plan'][number];
export type ProxyRoute = ChaosSection['proxy']['routes'][number];
export type HttpMatch = NonNullable<PlanEntry['match']>;

/** Splits "host:port" (host may be [v6]). */
export function splitHostPort(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  return { host: text.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(text.slice(i + 1)) };
}
