// `chaos proxy serve`: the config's proxy routes kept up as pass-throughs between runs, so an app's
// database or cache connection stays open across runs. A run (or `chaos apply`) with the same
// config finds them through the state file and switches its faults on and off through this
// process's loopback control endpoint. A fault whose run is gone (SIGKILL) is dropped here within
// half a second; the serving session's journal and event log record every change.
import { SafetyError, UsageError } from '../lib/errors.js';
import { isLoopbackHost } from '../lib/net.js';
import { processStartTicks } from '../lib/proc.js';
import { chaosSectionSchema, splitHostPort, type ChaosSection } from './config.js';
import type { ControlHandler } from './control.js';
import { isProxyFaultKind } from './faults/index.js';
import { removeServedState, readServed, ownerRuns, servedEventsPath, writeServedState, type FaultOwner, type ServedRoute } from './proxy/served.js';
import { openChaosSession, type ChaosSession, type ChaosSessionOptions } from './session.js';

export interface ServeOptions extends ChaosSessionOptions {
  /** How often faults of gone runs are looked for (ms). */
  sweepMs?: number;
  log?: (line: string) => void;
}

export interface Serving {
  session: ChaosSession;
  urls: Record<string, string>;
  controlUrl: string;
  /** Takes every fault off, closes the routes and the control endpoint, removes the state file. */
  close(): Promise<void>;
}

function isOwner(value: unknown): value is FaultOwner {
  const o = value as FaultOwner | null;
  return typeof o === 'object' && o !== null && Number.isInteger(o.pid) && o.pid > 0 && (o.startTicks === undefined || typeof o.startTicks === 'string');
}

export async function serveRoutes(section: ChaosSection, opts: ServeOptions = {}): Promise<Serving> {
  const log = opts.log ?? (() => {});
  if (section.proxy.routes.length === 0) throw new UsageError('chaos.proxy.routes is empty: nothing to serve');
  const { host } = splitHostPort(section.control.listen);
  if (!isLoopbackHost(host)) {
    throw new SafetyError(`chaos.control.listen: ${section.control.listen} is not loopback; \`chaos proxy serve\` takes faults through it, so it listens on loopback only`);
  }
  const running = await readServed(section.journal);
  if (running) throw new UsageError(`chaos proxy serve already runs for ${section.journal} (pid ${running.pid}, ${running.controlUrl}): stop it first`);

  // When each change happened here (its event's time): the run's event log gets the same time.
  const changedAt = new Map<string, number>();
  const session = await openChaosSession(
    { ...section, plan: [] },
    {
      ...opts,
      eventsPath: opts.eventsPath ?? servedEventsPath(section.events),
      onEvent: (e) => {
        changedAt.set(e.faultId, e.epochMs);
        opts.onEvent?.(e);
      },
    },
  );
  const owners = new Map<string, FaultOwner>();

  const handler: ControlHandler = async (method, url, body) => {
    if (method === 'POST' && url.pathname === '/faults') {
      const { owner, ...fault } = (body ?? {}) as Record<string, unknown>;
      if (!isOwner(owner)) return { status: 400, body: { error: 'owner {pid, startTicks} missing' } };
      // The same checks as the config's plan: the kind's params, the target route and its layer.
      const parsed = chaosSectionSchema.safeParse({ proxy: { routes: section.proxy.routes }, plan: [fault] });
      if (!parsed.success) return { status: 400, body: { error: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') } };
      const entry = parsed.data.plan[0]!;
      if (!isProxyFaultKind(entry.kind)) return { status: 400, body: { error: `${entry.kind} is not a proxy fault` } };
      const holder = owners.get(entry.id);
      if (holder) return { status: 409, body: { error: `${entry.id} is already on, for pid ${holder.pid}` } };
      if (!ownerRuns(owner)) return { status: 409, body: { error: `pid ${owner.pid} does not run` } };
      owners.set(entry.id, owner);
      try {
        await session.apply({ ...entry, at: 0, duration: undefined });
      } catch (err) {
        owners.delete(entry.id);
        return { status: 409, body: { error: (err as Error).message } };
      }
      const epochMs = changedAt.get(entry.id);
      log(`on  ${entry.id} ${entry.kind} ${entry.target} for pid ${owner.pid}`);
      return { status: 200, body: { on: entry.id, epochMs } };
    }
    const id = /^\/faults\/([^/]+)$/.exec(url.pathname)?.[1];
    if (method === 'DELETE' && id !== undefined) {
      const faultId = decodeURIComponent(id);
      const owner = owners.get(faultId);
      if (!owner) return { status: 404, body: { error: `${faultId} is not on` } };
      if (url.searchParams.get('pid') !== String(owner.pid)) return { status: 409, body: { error: `${faultId} belongs to pid ${owner.pid}` } };
      owners.delete(faultId);
      const injections = (await session.remove(faultId)) ?? 0;
      const epochMs = changedAt.get(faultId);
      log(`off ${faultId} for pid ${owner.pid} (${injections} injections)`);
      return { status: 200, body: { off: faultId, injections, epochMs } };
    }
    return undefined;
  };

  let urls: Record<string, string>;
  try {
    urls = await session.startProxy(handler);
  } catch (err) {
    await session.close().catch(() => {});
    throw err;
  }
  const controlUrl = session.controlUrl!;
  const routes: ServedRoute[] = section.proxy.routes.map((r) => ({ name: r.name, protocol: r.protocol, listen: r.listen, upstream: r.upstream, tls: r.tls, url: urls[r.name]! }));
  const startTicks = processStartTicks(process.pid);
  await writeServedState(section.journal, { version: 1, pid: process.pid, ...(startTicks ? { startTicks } : {}), controlUrl, routes });

  // A run killed with its faults on cannot take them off: they go as soon as its process is gone.
  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    const gone = [...owners].filter(([, owner]) => !ownerRuns(owner));
    Promise.all(
      gone.map(async ([faultId, owner]) => {
        owners.delete(faultId);
        const injections = (await session.remove(faultId)) ?? 0;
        log(`off ${faultId}: its run (pid ${owner.pid}) is gone (${injections} injections)`);
      }),
    )
      .catch((err: Error) => log(`could not take off a gone run's fault: ${err.message}`))
      .finally(() => (sweeping = false));
  }, opts.sweepMs ?? 500);

  let closing: Promise<void> | undefined;
  return {
    session,
    urls,
    controlUrl,
    close: () =>
      (closing ??= (async () => {
        clearInterval(sweep);
        try {
          await session.close();
        } finally {
          await removeServedState(section.journal, process.pid);
        }
      })()),
  };
}
