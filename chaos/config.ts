// The `chaos` section: allowlist, proxy routes, the control endpoint, Toxiproxy, the plan, and where
// the journal and events go (issue 4). Each plan entry's `params` is checked by its fault or driver.
import { z } from 'zod';
import { drivers, isDriverKind } from './drivers/index.js';
import { durationMs } from './duration.js';
import { isProxyFaultKind, proxyFaults } from './faults/index.js';
import { isLoopbackHost } from '../lib/net.js';
import { planOverlapIssues } from './overlap.js';

const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'must be host:port');
const slug = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'lower-case letters, digits and _ . - only');

const routeSchema = z
  .object({
    name: slug.describe("the route's name: a proxy fault's `target`"),
    protocol: z.enum(['http', 'tcp']).default('http').describe('http: an HTTP proxy, for `http-*` faults; tcp: a byte relay, for `tcp-*` faults'),
    listen: hostPort.default('127.0.0.1:0').describe('host:port the proxy listens on; port 0 picks a free one; loopback unless allowNonLoopbackListen'),
    upstream: hostPort.describe('host:port the proxy forwards to: your service'),
    tls: z
      .boolean()
      .default(false)
      .describe('http routes: speak TLS to the upstream (an https service) and send its host as Host; certificates checked against the system CAs and NODE_EXTRA_CA_CERTS'),
  })
  .strict()
  .refine((r) => !r.tls || r.protocol === 'http', { message: 'tls applies to http routes only (a tcp route relays bytes as they are)', path: ['tls'] });

const matchSchema = z
  .object({
    method: z
      .union([z.string(), z.array(z.string()).min(1)])
      .optional()
      .describe('an HTTP method or a list of them (any case)'),
    path: z.string().startsWith('/').optional().describe('a prefix of the request target (path and query), e.g. `/api/`'),
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
      .optional()
      .describe('a regular expression the path (without the query) must match'),
    header: z
      .object({
        name: z.string().min(1).describe('the header name (any case)'),
        value: z.string().optional().describe('its exact value; omitted: any value'),
      })
      .strict()
      .optional()
      .describe('a header the request must carry'),
  })
  .strict();

/** Why an http-hook target cannot be used: not an http(s) URL, or credentials in it (they would reach logs and reports). */
function hookUrlProblem(target: string): string | undefined {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return 'must be an http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (url.username || url.password) return 'must not carry credentials (user:password@): put the token in the env var params.tokenEnv names';
  return undefined;
}

export const faultKinds = [...Object.keys(proxyFaults), ...Object.keys(drivers)] as [string, ...string[]];

const entrySchema = z
  .object({
    id: slug.describe('a unique name: events and reports name the fault by it, its phase is `fault:<id>`'),
    kind: z.enum(faultKinds).describe('a proxy fault (`http-*`, `tcp-*`) or a driver: see docs/chaos.md'),
    target: z
      .string()
      .min(1)
      .describe('proxy faults: a route or a service; `redis-toggle`: a key; `http-hook`: a URL; `process-*`: a PID file or `cmd:<text>`; `toxiproxy`: a proxy'),
    at: durationMs.default(0).describe('when it starts: an offset from the start of the timeline'),
    duration: durationMs.optional().describe("how long it stays; omitted: until the timeline's end (or `chaos clear`)"),
    probability: z.number().min(0).max(1).default(1).describe('the share (0–1) of requests (HTTP) or connections (TCP) the fault hits'),
    match: matchSchema.optional().describe('`http-*` faults only: the requests it hits (all given conditions); omitted: every request'),
    params: z.record(z.string(), z.unknown()).default({}).describe('per kind, see docs/chaos.md'),
  })
  .strict()
  .transform((entry, ctx) => {
    if (entry.kind === 'http-hook') {
      const why = hookUrlProblem(entry.target);
      if (why) {
        ctx.addIssue({ code: 'custom', message: why, path: ['target'] });
        return z.NEVER;
      }
    }
    const schema = isProxyFaultKind(entry.kind) ? proxyFaults[entry.kind].params : isDriverKind(entry.kind) ? drivers[entry.kind].params : undefined;
    const parsed = schema!.safeParse(entry.params);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        ctx.addIssue({ code: 'custom', message: issue.message, path: ['params', ...issue.path.map(String)] });
      }
      return z.NEVER;
    }
    return { ...entry, params: parsed.data as Record<string, unknown> };
  });

const chaosSectionObject = z
  .object({
    allowlist: z.array(z.string().min(1)).default([]).describe('hosts chaos may touch besides loopback, by name: staging environments meant for chaos'),
    allowNonLoopbackListen: z
      .boolean()
      .default(false)
      .describe('let proxy routes and the control endpoint listen off loopback: a route there relays to its upstream for anyone who reaches this machine'),
    journal: z
      .string()
      .min(1)
      .default('.chaosgate/chaos-journal.json')
      .describe('the rollback journal: what is applied, written before each change, removed when nothing is; `chaos clear` undoes what it lists'),
    events: z.string().min(1).default('.chaosgate/chaos-events.jsonl').describe('the JSON-lines log of every fault on and off, appended; a run writes its own into its folder'),
    proxy: z
      .object({ routes: z.array(routeSchema).default([]).describe('fault-proxy routes in front of your services: faults of the `http-*` and `tcp-*` kinds act on them') })
      .strict()
      .prefault({})
      .describe("chaosgate's fault proxy"),
    control: z
      .object({
        listen: hostPort.default('127.0.0.1:0').describe('host:port of the status endpoint; port 0 picks a free one'),
        tokenEnv: z
          .string()
          .regex(/^[A-Z_][A-Z0-9_]*$/, 'an env var name')
          .default('CHAOSGATE_CHAOS_CONTROL_TOKEN')
          .describe('the env var holding the bearer token the endpoint requires when it listens off loopback'),
      })
      .strict()
      .prefault({})
      .describe('the status endpoint of a running session (active faults, injection counts)'),
    toxiproxy: z
      .object({
        url: z
          .string()
          .regex(/^https?:\/\/[^\s]+$/, 'must be an http:// URL')
          .default('http://127.0.0.1:8474')
          .describe('the API of an existing Toxiproxy server, for `toxiproxy` entries'),
        timeoutMs: z.number().int().min(1).max(60_000).default(2000).describe('ms each call to the Toxiproxy API may take'),
      })
      .strict()
      .prefault({})
      .describe('a Toxiproxy server the `toxiproxy` driver adds toxics to'),
    plan: z.array(entrySchema).default([]).describe('the fault timeline of `chaos apply` and of `run --script` (a profile has its own `plan`)'),
  })
  .strict();

type ChaosSectionShape = z.output<typeof chaosSectionObject>;

/** A place a plan's proxy fault may target: a route, or (in a run) a service the run puts a route in front of. */
export interface PlanTarget {
  name: string;
  protocol: 'http' | 'tcp';
}

/**
 * The plan's proxy faults checked against what they may target (each fault's layer matches its
 * target's), as issues at `plan.<i>.target`. `targets` are the section's routes plus any the caller
 * adds: a config's services, which `run` fronts with routes of their own.
 */
export function planTargetIssues(section: Pick<ChaosSectionShape, 'plan' | 'proxy'>, extra: readonly PlanTarget[] = []): Array<{ path: (string | number)[]; message: string }> {
  const targets = new Map<string, PlanTarget>(section.proxy.routes.map((r) => [r.name, { name: r.name, protocol: r.protocol }]));
  for (const t of extra) if (!targets.has(t.name)) targets.set(t.name, t);
  const issues: Array<{ path: (string | number)[]; message: string }> = [];
  section.plan.forEach((entry, i) => {
    if (!isProxyFaultKind(entry.kind)) return;
    const target = targets.get(entry.target);
    const layer = proxyFaults[entry.kind].layer;
    if (!target) {
      const routes = section.proxy.routes.map((r) => r.name).join(', ') || 'none configured';
      const services = extra.length ? `; services: ${extra.map((s) => s.name).join(', ')}` : '';
      issues.push({ path: ['plan', i, 'target'], message: `no proxy route "${entry.target}" (chaos.proxy.routes: ${routes}${services})` });
    } else if (target.protocol !== layer) {
      issues.push({ path: ['plan', i, 'target'], message: `${entry.kind} needs an ${layer} route; "${target.name}" is ${target.protocol}` });
    }
  });
  return issues;
}

/** Every check of the section but the plan's targets (which need to know the config's services). */
function refineSection(section: ChaosSectionShape, ctx: z.RefinementCtx, checkTargets: boolean): void {
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
  if (new Set(section.proxy.routes.map((r) => r.name)).size !== section.proxy.routes.length) {
    ctx.addIssue({ code: 'custom', message: 'route names must be unique', path: ['proxy', 'routes'] });
  }
  const targetIssues = checkTargets ? planTargetIssues(section) : [];
  const ids = new Set<string>();
  section.plan.forEach((entry, i) => {
    if (ids.has(entry.id)) ctx.addIssue({ code: 'custom', message: `duplicate id "${entry.id}"`, path: ['plan', i, 'id'] });
    ids.add(entry.id);
    for (const issue of targetIssues) if (issue.path[1] === i) ctx.addIssue({ code: 'custom', ...issue });
    if (entry.match && isProxyFaultKind(entry.kind) && proxyFaults[entry.kind].layer !== 'http') {
      ctx.addIssue({ code: 'custom', message: 'match applies to http-* faults only', path: ['plan', i, 'match'] });
    }
  });
  for (const issue of planOverlapIssues(section.plan)) ctx.addIssue({ code: 'custom', ...issue });
}

/** The chaos section on its own (`chaos apply`, a run's section): plan targets are its routes. */
export const chaosSectionSchema = chaosSectionObject.superRefine((section, ctx) => refineSection(section, ctx, true));

/**
 * The chaos section inside the config file, whose plan may also target a service (`run --script`
 * fronts it with a route): the config checks the targets with planTargetIssues and its services.
 */
export const chaosSectionInConfigSchema = chaosSectionObject.superRefine((section, ctx) => refineSection(section, ctx, false));

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
