// HTTP hook: calls the target's own chaos or maintenance endpoint to switch a fault on and off.
// The bearer token is read from env at call time; only the variable's name is journalled. A URL with
// a user or password is refused by the config (put the token in env); query values are redacted in
// the journal, events and messages (the journal's URL is matched back to the config's to undo).
import { z } from 'zod';
import { redactUrl, redactUrlsIn } from '../../lib/redact.js';
import { tcpAnswers } from './checks.js';
import type { Driver } from './types.js';

const params = z
  .object({
    method: z.enum(['POST', 'PUT', 'PATCH']).default('POST'),
    on: z.unknown().default({ enabled: true }),
    off: z.unknown().default({ enabled: false }),
    tokenEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'an env var name')
      .default('CHAOSGATE_TARGET_ADMIN_TOKEN'),
    timeoutMs: z.number().int().min(1).max(60_000).default(5000),
  })
  .strict();

export interface HttpHookUndo {
  url: string;
  method: string;
  off: unknown;
  tokenEnv: string;
  timeoutMs: number;
}

async function call(url: string, method: string, body: unknown, tokenEnv: string, timeoutMs: number, env: NodeJS.ProcessEnv) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = env[tokenEnv];
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(`http hook ${method} ${redactUrl(url)}: ${redactUrlsIn((err as Error).message)}`);
  }
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`http hook ${method} ${redactUrl(url)}: HTTP ${res.status}${token ? '' : ` (no token in ${tokenEnv})`}`);
}

export const httpHook: Driver<z.output<typeof params>, HttpHookUndo> = {
  params,
  hosts(entry) {
    return [new URL(entry.target).hostname];
  },
  async preflight(entry) {
    // A connection only: a request to a chaos endpoint could switch something.
    const url = new URL(entry.target);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    await tcpAnswers(url.hostname.replace(/^\[|\]$/g, ''), port).catch((err: NodeJS.ErrnoException) => {
      throw new Error(`the hook ${redactUrl(entry.target)} does not accept a connection (${err.code ?? err.message})`);
    });
  },
  async prepare(entry) {
    const p = entry.params;
    return { url: entry.target, method: p.method, off: p.off, tokenEnv: p.tokenEnv, timeoutMs: p.timeoutMs };
  },
  async apply(entry, _undo, ctx) {
    const p = entry.params;
    await call(entry.target, p.method, p.on, p.tokenEnv, p.timeoutMs, ctx.env);
  },
  async undo(record, ctx) {
    await call(record.url, record.method, record.off, record.tokenEnv, record.timeoutMs, ctx.env);
  },
  // Hooks on one URL count (the plan refuses overlapping ones whose bodies differ): off once, at the last end.
  // Keyed by the redacted URL, as other sessions' journals hold it.
  shared: { key: (record) => `http hook ${record.method} ${redactUrl(record.url)}`, mode: 'count' },
};
