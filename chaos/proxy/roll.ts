// The one place probability is rolled and injections are counted, for both layers.
import type { IncomingMessage } from 'node:http';
import type { HttpMatch } from '../config.js';
import type { HttpFault, TcpFault } from '../faults/types.js';

interface CompiledMatch {
  methods?: Set<string>;
  path?: string;
  pathRegex?: RegExp;
  header?: { name: string; value?: string };
}

export interface ActiveFault<F = HttpFault | TcpFault> {
  id: string;
  kind: string;
  fault: F;
  params: unknown;
  probability: number;
  match?: CompiledMatch;
  /** Requests (HTTP) or connections (TCP) this fault has hit so far. */
  injections: number;
}

export function compileMatch(match: HttpMatch | undefined): CompiledMatch | undefined {
  if (!match) return undefined;
  const methods = match.method === undefined ? undefined : [match.method].flat().map((m) => m.toUpperCase());
  return {
    methods: methods && new Set(methods),
    path: match.path,
    pathRegex: match.pathRegex === undefined ? undefined : new RegExp(match.pathRegex),
    header: match.header && { name: match.header.name.toLowerCase(), value: match.header.value },
  };
}

function matches(m: CompiledMatch | undefined, req: IncomingMessage): boolean {
  if (!m) return true;
  if (m.methods && !m.methods.has(req.method ?? '')) return false;
  const url = req.url ?? '/';
  if (m.path !== undefined && !url.startsWith(m.path)) return false;
  if (m.pathRegex && !m.pathRegex.test(url.split('?', 1)[0]!)) return false;
  if (m.header) {
    const value = req.headers[m.header.name];
    if (value === undefined) return false;
    if (m.header.value !== undefined && [value].flat().every((v) => v !== m.header!.value)) return false;
  }
  return true;
}

/** Rolls the fault's probability once; a hit is counted. */
export function roll(active: ActiveFault): boolean {
  if (active.probability >= 1 || Math.random() < active.probability) {
    active.injections++;
    return true;
  }
  return false;
}

/** The first active HTTP fault that matches the request and wins its roll, if any. */
export function pickHttpFault(active: readonly ActiveFault<HttpFault>[], req: IncomingMessage): ActiveFault<HttpFault> | undefined {
  for (const candidate of active) {
    if (matches(candidate.match, req) && roll(candidate)) return candidate;
  }
  return undefined;
}
