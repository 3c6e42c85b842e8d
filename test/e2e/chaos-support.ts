// Helpers for the chaos end-to-end tests: a small upstream, a keep-alive client, a session on temp files.
import { Agent, createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chaosSectionSchema, openChaosSession, type ChaosEvent, type ChaosSection } from '../../chaos/index.js';
import type { ChaosSectionInput } from '../../chaos/config.js';
import { readJournals } from '../../chaos/journal.js';

export interface Upstream {
  port: number;
  hits: number;
  close(): Promise<void>;
}

/** n bytes of a repeating 0..250 pattern: a reordered or reused buffer shows. */
export function pattern(n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = i % 251;
  return out;
}

/** GET /bytes/<n> answers n pattern bytes; POST echoes the body; anything else answers "ok <path>". */
export async function startUpstream(): Promise<Upstream> {
  const state = { hits: 0 };
  const server: Server = createServer((req, res) => {
    state.hits++;
    const bytes = /^\/bytes\/(\d+)/.exec(req.url ?? '');
    if (bytes) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes[1] });
      res.end(pattern(Number(bytes[1])));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': 'yes' });
      res.end(req.method === 'POST' ? Buffer.concat(chunks) : `ok ${req.url}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    get hits() {
      return state.hits;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  bytes: Buffer;
  ms: number;
}

/** One request; rejects with the socket error (ECONNRESET, "socket hang up") if there is no answer. */
export function send(url: string, opts: { agent?: Agent; method?: string; body?: string; headers?: Record<string, string>; timeoutMs?: number } = {}): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'GET', agent: opts.agent, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString(), bytes, ms: performance.now() - started });
      });
      res.on('error', reject);
    });
    req.setTimeout(opts.timeoutMs ?? 10_000, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export interface TestSession {
  dir: string;
  /** The configured journal; each session writes its own file beside it (journal.<pid>-<ms>.json). */
  journalPath: string;
  /** Every session journal's entries' fault ids, newest session first. */
  journaled(): Promise<string[]>;
  eventsPath: string;
  events(): Promise<ChaosEvent[]>;
  cleanup(): Promise<void>;
}

export async function tempPaths(): Promise<TestSession> {
  const dir = await mkdtemp(join(tmpdir(), 'chaosgate-chaos-'));
  const eventsPath = join(dir, 'events.jsonl');
  return {
    dir,
    journalPath: join(dir, 'journal.json'),
    eventsPath,
    async journaled() {
      return (await readJournals(join(dir, 'journal.json'))).flatMap((f) => ('journal' in f ? f.journal.entries.map((e) => e.faultId) : [`unreadable ${f.path}`]));
    },
    async events() {
      const text = await readFile(eventsPath, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as ChaosEvent);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export function section(input: ChaosSectionInput): ChaosSection {
  return chaosSectionSchema.parse(input);
}

/** A session on temp files, and its plan entries by id. */
export async function openTestSession(input: ChaosSectionInput, paths: TestSession, redisUrl?: string) {
  const parsed = section(input);
  const session = await openChaosSession(parsed, { journalPath: paths.journalPath, eventsPath: paths.eventsPath, redisUrl });
  return { session, plan: new Map(parsed.plan.map((e) => [e.id, e])) };
}
