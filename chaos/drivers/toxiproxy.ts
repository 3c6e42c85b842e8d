// Toxiproxy: adds a toxic to a proxy of an existing Toxiproxy through its HTTP API. Every call has a
// timeout; removing falls back to POST /reset (which drops every toxic) when the delete fails or
// hangs, because a toxic that stays is worse than losing others'.
import { z } from 'zod';
import { PreflightFailure } from './checks.js';
import type { Driver } from './types.js';

const params = z
  .object({
    type: z.enum(['latency', 'bandwidth', 'slow_close', 'timeout', 'reset_peer', 'slicer', 'limit_data']),
    stream: z.enum(['upstream', 'downstream']).default('downstream'),
    toxicity: z.number().min(0).max(1).default(1),
    attributes: z.record(z.string(), z.number()).default({}),
  })
  .strict();

export interface ToxiproxyUndo {
  url: string;
  proxy: string;
  toxic: string;
  timeoutMs: number;
}

async function api(url: string, method: string, path: string, timeoutMs: number, body?: unknown): Promise<number> {
  const res = await fetch(new URL(path, url), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok && res.status !== 404) throw new Error(`toxiproxy ${method} ${path}: HTTP ${res.status} ${text.trim()}`);
  return res.status;
}

/** The toxic's name: one per plan entry, so removing it never touches another's. */
export function toxicName(faultId: string): string {
  return `chaosgate_${faultId}`;
}

export const toxiproxy: Driver<z.output<typeof params>, ToxiproxyUndo> = {
  params,
  hosts(_entry, ctx) {
    return [new URL(ctx.toxiproxy.url).hostname];
  },
  async preflight(entry, ctx) {
    let res: Response;
    try {
      res = await fetch(new URL(`/proxies/${encodeURIComponent(entry.target)}`, ctx.toxiproxy.url), { signal: AbortSignal.timeout(ctx.toxiproxy.timeoutMs) });
      await res.arrayBuffer();
    } catch (err) {
      throw new Error(`Toxiproxy ${ctx.toxiproxy.url} does not answer (${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message})`);
    }
    if (res.status === 404) throw new PreflightFailure(`Toxiproxy ${ctx.toxiproxy.url} has no proxy "${entry.target}"`, true);
    if (!res.ok) throw new Error(`Toxiproxy ${ctx.toxiproxy.url}: HTTP ${res.status} for proxy "${entry.target}"`);
  },
  async prepare(entry, ctx) {
    return { url: ctx.toxiproxy.url, proxy: entry.target, toxic: toxicName(entry.id), timeoutMs: ctx.toxiproxy.timeoutMs };
  },
  async apply(entry, undo) {
    const status = await api(undo.url, 'POST', `/proxies/${encodeURIComponent(undo.proxy)}/toxics`, undo.timeoutMs, {
      name: undo.toxic,
      ...entry.params,
    });
    if (status === 404) throw new Error(`toxiproxy has no proxy "${undo.proxy}"`);
  },
  async undo(record) {
    const path = `/proxies/${encodeURIComponent(record.proxy)}/toxics/${encodeURIComponent(record.toxic)}`;
    try {
      await api(record.url, 'DELETE', path, record.timeoutMs);
    } catch {
      await api(record.url, 'POST', '/reset', record.timeoutMs);
    }
  },
};
