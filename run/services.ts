// The user's services in a run: which get a fault-proxy route (those a plan entry targets), the
// env the k6 script reads (CHAOSGATE_URL_<NAME>, CHAOSGATE_ADDR_<NAME>), and the `service` tag the
// evaluation adds to each sample whose `url` is one of theirs. Computed from the config and the
// profile's plan; the orchestrator starts the routes with the rest of the chaos proxy.
import { serviceSummaries } from '../analysis/services.js';
import type { ServiceSummary } from '../model/analysis.js';
import { isAllowed } from '../chaos/allowlist.js';
import { isProxyFaultKind, proxyFaults } from '../chaos/faults/index.js';
import type { ChaosgateConfig } from '../config/index.js';
import { serviceEnvName, type ServicesSection } from '../config/services.js';
import { LATENCY_METRIC } from '../model/metric-names.js';
import type { ServiceAddressEvent } from '../model/events.js';
import type { ReportModel } from '../model/report.js';
import { ConfigError, SafetyError } from '../lib/errors.js';
import type { ProxyRouteInput } from './stacks.js';

/** The tag the run adds (unless the script set it); always a grouping tag in a run. */
export const SERVICE_TAG = 'service';

export interface ServiceRoute {
  service: string;
  /** http for http-* faults on an HTTP service; tcp for tcp-* faults (on either kind). */
  protocol: 'http' | 'tcp';
  upstream: string;
  /** An https service: the proxy takes plain HTTP from the script and speaks TLS to the service. */
  tls: boolean;
}

export interface ServicesPlan {
  /** Every service, by name: `url` (HTTP) or `tcp` (host:port), as configured. */
  services: ServicesSection;
  /** One proxy route per service a plan entry targets, named after the service. */
  routes: ServiceRoute[];
}

/** host:port of a URL, with the scheme's default port; IPv6 hosts in brackets. */
function urlHostPort(url: URL): string {
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return `${url.hostname}:${port}`;
}

function hostOf(hostPort: string): string {
  return hostPort.slice(0, hostPort.lastIndexOf(':')).replace(/^\[|\]$/g, '');
}

/** The base URL as scripts get it: as configured, without a trailing slash. */
function baseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

interface PlanTarget {
  index: number;
  id: string;
  kind: string;
  target: string;
}

/** The proxy-fault entries of a raw plan (malformed entries are left for the chaos schema to name). */
function proxyEntries(plan: readonly unknown[]): PlanTarget[] {
  const out: PlanTarget[] = [];
  plan.forEach((raw, index) => {
    if (typeof raw !== 'object' || raw === null) return;
    const e = raw as Record<string, unknown>;
    if (typeof e.kind !== 'string' || typeof e.target !== 'string' || !isProxyFaultKind(e.kind)) return;
    out.push({ index, id: typeof e.id === 'string' ? e.id : `#${index}`, kind: e.kind, target: e.target });
  });
  return out;
}

export interface PlanPlace {
  /** The plan's config field, e.g. `profiles.chaos.plan` or `chaos.plan`. */
  field: string;
  /** What the ConfigError names as its source, e.g. `profile chaos`. */
  source: string;
}

/** Where a profile's plan is (`profiles.<name>.plan`), or the config's `chaos.plan` for a profile-less run. */
export function planPlace(profileName: string | undefined): PlanPlace {
  return profileName === undefined ? { field: 'chaos.plan', source: 'config' } : { field: `profiles.${profileName}.plan`, source: `profile ${profileName}` };
}

export function planServices(config: ChaosgateConfig, plan: readonly unknown[], place: PlanPlace, otherRoutes: readonly string[]): ServicesPlan {
  const services = config.services;
  const names = Object.keys(services);
  const issues: string[] = [];
  for (const name of names) {
    if (otherRoutes.includes(name)) issues.push(`services.${name}: a proxy route is named "${name}" too (chaos.proxy.routes or the reference stack's): rename one`);
  }
  const protocols = new Map<string, { protocol: 'http' | 'tcp'; entry: PlanTarget }>();
  for (const entry of proxyEntries(plan)) {
    const field = `${place.field}.${entry.index}.target`;
    // Own keys only: a target like "constructor" is no service.
    const service = Object.hasOwn(services, entry.target) ? services[entry.target] : undefined;
    if (!service) {
      if (otherRoutes.includes(entry.target)) continue;
      const known = [`services: ${names.join(', ') || 'none configured'}`];
      if (otherRoutes.length) known.push(`proxy routes: ${otherRoutes.join(', ')}`);
      issues.push(`${field}: no service or proxy route "${entry.target}" (${known.join('; ')})`);
      continue;
    }
    const layer = proxyFaults[entry.kind as keyof typeof proxyFaults].layer;
    if (service.tcp !== undefined && layer === 'http') {
      issues.push(`${field}: ${entry.kind} needs an HTTP service; "${entry.target}" is a tcp service (services.${entry.target}.tcp)`);
      continue;
    }
    if (service.url !== undefined && new URL(service.url).protocol === 'https:' && layer === 'tcp') {
      // A byte relay would carry the TLS session to the proxy's address, where the certificate does
      // not match; HTTP faults work (the proxy speaks TLS to the service itself).
      issues.push(
        `${field}: ${entry.kind} on "${entry.target}", an https service (services.${entry.target}.url): tcp faults need a plain http:// or tcp service; use an http-* fault`,
      );
      continue;
    }
    const seen = protocols.get(entry.target);
    if (seen && seen.protocol !== layer) {
      issues.push(`${field}: ${entry.kind} and ${seen.entry.kind} (${seen.entry.id}) on one service need an http and a tcp route; use one layer per service`);
      continue;
    }
    protocols.set(entry.target, { protocol: layer, entry });
  }
  if (issues.length) throw new ConfigError(place.source, issues);

  const routes: ServiceRoute[] = [];
  const refused: string[] = [];
  for (const [service, { protocol }] of protocols) {
    const s = services[service]!;
    const upstream = s.url !== undefined ? urlHostPort(new URL(s.url)) : s.tcp!;
    if (!isAllowed(hostOf(upstream), config.chaos.allowlist)) refused.push(`services.${service}: host "${hostOf(upstream)}"`);
    routes.push({ service, protocol, upstream, tls: s.url !== undefined && new URL(s.url).protocol === 'https:' });
  }
  if (refused.length) {
    throw new SafetyError(
      `chaos refused: a plan faults a service off loopback whose host is not in chaos.allowlist:\n${refused.map((r) => `  - ${r}`).join('\n')}\n` +
        'load alone may go there; add the host to chaos.allowlist only if that environment is meant for chaos',
    );
  }
  return { services, routes };
}

/** The proxy routes to add to the run's chaos section (each listens on a free loopback port). */
export function serviceProxyRoutes(plan: ServicesPlan): ProxyRouteInput[] {
  return plan.routes.map((r) => ({ name: r.service, protocol: r.protocol, listen: '127.0.0.1:0', upstream: r.upstream, ...(r.tls ? { tls: true } : {}) }));
}

export interface ServiceAddress {
  name: string;
  /** The script's env var and its value. */
  envName: string;
  value: string;
  /** For HTTP services: the URL requests go to (proxy or direct) and the service's own. */
  urls: string[];
  proxied: boolean;
}

/**
 * Where the script reaches each service once the proxy is up (`proxyUrls`: route name -> URL as
 * the chaos session reports it, e.g. http://127.0.0.1:41234 or tcp://127.0.0.1:41235).
 */
export function serviceAddresses(plan: ServicesPlan, proxyUrls: Record<string, string>): ServiceAddress[] {
  return Object.entries(plan.services).map(([name, s]) => {
    const routed = plan.routes.some((r) => r.service === name) ? proxyUrls[name] : undefined;
    const proxyHostPort = routed?.replace(/^[a-z]+:\/\//, '');
    if (s.tcp !== undefined) {
      return { name, envName: `CHAOSGATE_ADDR_${serviceEnvName(name)}`, value: proxyHostPort ?? s.tcp, urls: [], proxied: routed !== undefined };
    }
    const direct = baseUrl(s.url!);
    const u = new URL(s.url!);
    // The proxy takes plain HTTP, also in front of an https service (it speaks TLS upstream).
    const value = proxyHostPort ? baseUrl(`http://${proxyHostPort}${u.pathname}`) : direct;
    return { name, envName: `CHAOSGATE_URL_${serviceEnvName(name)}`, value, urls: value === direct ? [direct] : [value, direct], proxied: routed !== undefined };
  });
}

/** The env for k6: one variable per service. */
export function serviceEnv(addresses: readonly ServiceAddress[]): Record<string, string> {
  return Object.fromEntries(addresses.map((a) => [a.envName, a.value]));
}

interface Base {
  name: string;
  origin: string;
  /** Path without a trailing slash ("" for the root). */
  path: string;
}

/**
 * Tags → `{ service: name }` for a sample whose `url` tag lies under one of the services' URLs
 * (same origin; the path equal or below the base path, at a `/` boundary; the longest base wins),
 * else null. A sample that already has a `service` tag (the script's own) keeps it.
 */
export function serviceTagger(addresses: readonly ServiceAddress[]): (tags: Record<string, string>) => Record<string, string> | null {
  const bases: Base[] = [];
  for (const a of addresses) {
    for (const text of a.urls) {
      const u = new URL(text);
      bases.push({ name: a.name, origin: u.origin, path: u.pathname.replace(/\/+$/, '') });
    }
  }
  bases.sort((a, b) => b.path.length - a.path.length);
  return (tags) => {
    if (tags[SERVICE_TAG] !== undefined || tags.url === undefined) return null;
    let u: URL;
    try {
      u = new URL(tags.url);
    } catch {
      return null;
    }
    for (const b of bases) {
      if (u.origin !== b.origin) continue;
      if (b.path === '' || u.pathname === b.path || u.pathname.startsWith(`${b.path}/`)) return { [SERVICE_TAG]: b.name };
    }
    return null;
  };
}

/**
 * evaluate.groupBy with the `service` tag: a run's series are split by service, whether the run
 * tagged the samples or the script did (no cost for samples without the tag).
 */
export function groupByWithServices(config: ChaosgateConfig): string[] {
  const groupBy = config.evaluate.groupBy;
  return groupBy.includes(SERVICE_TAG) ? groupBy : [...groupBy, SERVICE_TAG];
}

/**
 * A run's services, in the order the run needs them: the routes for the chaos section, the tag
 * hook for the evaluation (live once the proxy's URLs are known), the env for k6, the summaries.
 */
export class RunServices {
  private tag: ((tags: Record<string, string>) => Record<string, string> | null) | null = null;
  private addresses: ServiceAddress[] = [];

  constructor(readonly plan: ServicesPlan) {}

  get any(): boolean {
    return Object.keys(this.plan.services).length > 0;
  }

  get routes(): ProxyRouteInput[] {
    return serviceProxyRoutes(this.plan);
  }

  /** For EvaluationOptions.deriveTags: samples arrive only after start(), when it tags. */
  readonly deriveTags = (tags: Record<string, string>): Record<string, string> | null => this.tag?.(tags) ?? null;

  /** Once the proxy listens (`proxyUrls`: route name -> URL): the env the k6 script gets. */
  start(proxyUrls: Record<string, string>): Record<string, string> {
    this.addresses = serviceAddresses(this.plan, proxyUrls);
    this.tag = serviceTagger(this.addresses);
    return serviceEnv(this.addresses);
  }

  /** Where the script reaches each service, as the events file records it (for a replay). */
  recorded(): Array<Omit<ServiceAddressEvent, 'time' | 'epochMs'>> {
    return this.addresses.map((a) => ({ service: a.name, envName: a.envName, value: a.value, urls: a.urls, proxied: a.proxied }));
  }

  /**
   * For `evaluate` and `merge`: the addresses a run recorded in its events file (the fault proxy's
   * for a faulted service), else each service's own (a request through a proxy then has no
   * service: untaggedNote says so).
   */
  replay(recorded: readonly ServiceAddressEvent[]): this {
    const mine = Object.keys(this.plan.services);
    const known = recorded.filter((r) => mine.includes(r.service));
    this.addresses = serviceAddresses(this.plan, {}).map((direct) => {
      const r = known.find((k) => k.service === direct.name);
      return r ? { name: r.service, envName: r.envName, value: r.value, urls: r.urls, proxied: r.proxied } : direct;
    });
    this.tag = serviceTagger(this.addresses);
    return this;
  }

  /** One line per service for the run's log: where the script reaches it. */
  describe(): string[] {
    return this.addresses.map((a) => `service ${a.name}: ${a.envName}=${a.value}${a.proxied ? ' (fault proxy)' : ''}`);
  }

  summaries(report: ReportModel): ServiceSummary[] {
    return serviceSummaries(
      report,
      this.addresses.map((a) => ({ name: a.name, address: a.value, proxied: a.proxied })),
    );
  }

  /** Adds report.analysis.services when there is any service (configured, or a script's own tag). */
  addSummaries(report: ReportModel): void {
    const services = this.summaries(report);
    if (services.length && report.analysis) report.analysis.services = services;
  }

  /**
   * A note when HTTP requests of a run with services matched none of them. The usual cause: k6
   * replaces a request's `url` tag by its `name` tag when the script names the request, so the
   * URL cannot tell the service; the script then tags such requests with `service` itself.
   */
  untaggedNote(report: ReportModel): string | null {
    if (!this.any) return null;
    const untagged = report.series.filter((s) => s.metric === LATENCY_METRIC && s.tags[SERVICE_TAG] === undefined).reduce((n, s) => n + s.count, 0);
    if (untagged === 0) return null;
    return (
      `${untagged} HTTP requests matched no service (no \`service\` tag): per-service gates do not see them. ` +
      `k6 replaces a named request's url tag by its name tag; tag those requests with { service: '<name>' } in the script`
    );
  }

  /** The evaluate section with `service` as a grouping tag. */
  evaluateConfig(config: ChaosgateConfig): ChaosgateConfig['evaluate'] {
    return { ...config.evaluate, groupBy: groupByWithServices(config) };
  }
}

/** The config's services without a plan (evaluate, merge): no routes; `replay` gives the addresses. */
export function configServices(config: ChaosgateConfig): RunServices {
  return new RunServices({ services: config.services, routes: [] });
}

/** Checks the profile's plan against the services and prepares them (see planServices). */
export function prepareServices(config: ChaosgateConfig, plan: readonly unknown[], place: PlanPlace, otherRoutes: readonly string[]): RunServices {
  return new RunServices(planServices(config, plan, place, otherRoutes));
}
