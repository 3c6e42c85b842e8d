// The control endpoint of a running session: GET /status answers what is applied and the
// injection counts. On loopback it is open; bound elsewhere it requires a bearer token from env.
import { timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { SafetyError } from '../lib/errors.js';
import { isLoopbackHost } from '../lib/net.js';
import { listenOn } from './proxy/listen.js';

export interface ControlStatus {
  pid: number;
  active: unknown[];
  counts: Record<string, number>;
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
    res.writeHead(404).end();
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
