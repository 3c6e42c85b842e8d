// Routes kept up between runs by `chaosgate chaos proxy serve`: the state file that names the
// serving process and its control endpoint (beside the configured journal), and the client a run
// uses to switch its faults on and off through that process instead of binding the same `listen`.
import { readFile, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { isSameProcess, pidAlive } from '../../lib/proc.js';
import type { PlanEntry, ProxyRoute } from '../config.js';

export interface ServedRoute {
  name: string;
  protocol: 'http' | 'tcp';
  listen: string;
  upstream: string;
  tls: boolean;
  /** The URL it listens on. */
  url: string;
}

export interface ServedState {
  version: 1;
  pid: number;
  startTicks?: string;
  /** Loopback only: `chaos proxy serve` refuses any other control address. No secret in it. */
  controlUrl: string;
  routes: ServedRoute[];
}

/** Who asked for a fault: the serving process drops it when that process is gone. */
export interface FaultOwner {
  pid: number;
  startTicks?: string;
}

/** The wire form of one fault: a plan entry without its timing. */
export type ServedFaultRequest = Pick<PlanEntry, 'id' | 'kind' | 'target' | 'probability' | 'match' | 'params'> & { owner: FaultOwner };

export function servedStatePath(configuredJournal: string): string {
  return join(dirname(configuredJournal), `${basename(configuredJournal).replace(/\.json$/, '')}.serve.json`);
}

/** The serving process's own event log, beside the config's (which runs and `chaos apply` write their own lines to). */
export function servedEventsPath(configuredEvents: string): string {
  return join(dirname(configuredEvents), `${basename(configuredEvents).replace(/\.jsonl$/, '')}.serve.jsonl`);
}

export async function writeServedState(configuredJournal: string, state: ServedState): Promise<void> {
  await writeFileAtomic(servedStatePath(configuredJournal), `${JSON.stringify(state, null, 2)}\n`);
}

export async function removeServedState(configuredJournal: string, pid: number): Promise<void> {
  // Only our own: a second serve that failed to start must not remove the running one's file.
  const state = await readServedFile(configuredJournal);
  if (state?.pid === pid) await rm(servedStatePath(configuredJournal), { force: true });
}

async function readServedFile(configuredJournal: string): Promise<ServedState | undefined> {
  try {
    const parsed = JSON.parse(await readFile(servedStatePath(configuredJournal), 'utf8')) as ServedState;
    return parsed.version === 1 && Array.isArray(parsed.routes) && typeof parsed.controlUrl === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

export function ownerRuns(owner: FaultOwner): boolean {
  if (owner.startTicks !== undefined) return isSameProcess(owner.pid, owner.startTicks);
  return pidAlive(owner.pid);
}

/** The serving process's state while it runs; a file left by a killed one counts as nothing served. */
export async function readServed(configuredJournal: string): Promise<ServedState | undefined> {
  const state = await readServedFile(configuredJournal);
  return state && ownerRuns(state) ? state : undefined;
}

/** The served route a configured route may use: same name, protocol, upstream and fixed `listen`. */
export function servedRouteFor(state: ServedState | undefined, route: ProxyRoute): ServedRoute | undefined {
  const served = state?.routes.find((r) => r.name === route.name);
  if (!served || route.listen.endsWith(':0')) return undefined;
  return served.listen === route.listen && served.upstream === route.upstream && served.protocol === route.protocol && served.tls === route.tls ? served : undefined;
}

async function call(url: string, method: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5000),
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { error: text };
  }
  return { status: res.status, body: parsed };
}

/** Switches a fault on in the serving process; resolves with when it went on there (epoch ms). */
export async function applyServed(controlUrl: string, fault: ServedFaultRequest): Promise<number> {
  const res = await call(`${controlUrl}/faults`, 'POST', fault);
  if (res.status !== 200) throw new Error(`the serving proxy (${controlUrl}) refused it: ${String(res.body.error ?? res.status)}`);
  return Number(res.body.epochMs);
}

/**
 * Switches a fault off in the serving process; resolves with its injections and when it went off
 * there, or `gone` when the
 * fault is not there any more (the serving process dropped it, or stopped and took it along).
 */
export async function removeServed(controlUrl: string, id: string, owner: FaultOwner): Promise<{ injections: number; epochMs: number } | { gone: string }> {
  let res;
  try {
    res = await call(`${controlUrl}/faults/${encodeURIComponent(id)}?pid=${owner.pid}`, 'DELETE');
  } catch (err) {
    const code = (err as { cause?: NodeJS.ErrnoException }).cause?.code;
    if (code === 'ECONNREFUSED') return { gone: 'the serving proxy has stopped (its faults ended with it)' };
    throw err;
  }
  if (res.status === 404) return { gone: 'the serving proxy no longer had it' };
  if (res.status !== 200) throw new Error(`the serving proxy (${controlUrl}) did not remove it: ${String(res.body.error ?? res.status)}`);
  return { injections: Number(res.body.injections ?? 0), epochMs: Number(res.body.epochMs) };
}
