// The control endpoint of a running session: GET /status answers what is applied and the
// injection counts. On loopback it is open; bound elsewhere it requires a bearer token from env.
// A serving proxy (`chaos proxy serve`) also takes faults on and off through `extra`.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { SafetyError } from '../lib/errors.js';
import { isLoopbackHost } from '../lib/net.js';
import { listenOn } from './proxy/listen.js';

export interface ControlStatus {
  pid: number;
  active: unknown[];
  counts: Record<string, number>;
}

/** Answers a request /status does not; undefined: 404. The body is JSON, at most 64 KiB. */
export type ControlHandler = (method: string, url: URL, body: unknown) => Promise<{ status: number; body: unknown } | undefined>;

const MAX_BODY = 64 * 1024;

function readJsonBody(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body over 64 KiB'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text === '' ? undefined : JSON.parse(text));
      } catch {
        reject(new Error('request body is not JSON'));
      }
    });
    req.on('error', reject);
  });
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startControl(
  host: string,
  port: number,
  tokenEnv: string,
  env: NodeJS.ProcessEnv,
  status: () => ControlStatus,
  extra?: ControlHandler,
): Promise<{ url: string; close(): Promise<void> }> {
  const token = isLoopbackHost(host) ? undefined : env[tokenEnv];
  if (!isLoopbackHost(host) && !token) {
    throw new SafetyError(`chaos.control.listen: ${host} is not loopback, so the control endpoint needs a token in ${tokenEnv}`);
  }
  const server: Server = createServer((req, res) => {
    if (token && !sameToken(req.headers.authorization ?? '', `Bearer ${token}`)) {
      res.writeHead(401).end();
      return;
    }
    if (req.method === 'GET' && req.url === '/status') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(status()));
      return;
    }
    if (!extra) {
      res.writeHead(404).end();
      return;
    }
    const json = (code: number, body: unknown) => res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    // Changes only from a program on this machine: a web page cannot send JSON or DELETE without a
    // CORS preflight (never answered here), nor reach it under another host name (DNS rebinding).
    const reqHost = (req.headers.host ?? '').replace(/:\d+$/, '');
    if (!isLoopbackHost(reqHost) || (req.method === 'POST' && !(req.headers['content-type'] ?? '').startsWith('application/json'))) {
      json(403, { error: 'loopback JSON requests only' });
      return;
    }
    readJsonBody(req)
      .then((body) => extra(req.method ?? 'GET', new URL(req.url ?? '/', 'http://control'), body))
      .then(
        (answer) => (answer ? json(answer.status, answer.body) : json(404, { error: 'not found' })),
        (err: Error) => json(400, { error: err.message }),
      );
  });
  return {
    url: await listenOn(server, host, port, 'http'),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
