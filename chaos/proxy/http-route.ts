// One HTTP route of the fault proxy: a streaming reverse proxy to one upstream over keep-alive
// connections. With no fault active, a request is piped through untouched.
import { Agent, createServer, request, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import type { HttpFault } from '../faults/types.js';
import { listenOn } from './listen.js';
import { pickHttpFault, type ActiveFault } from './roll.js';

/** Headers that belong to one connection and are not passed on. */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

function endToEnd(headers: IncomingMessage['headers']): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) if (!hopByHop.has(name)) out[name] = headers[name];
  return out;
}

export class HttpRoute {
  active: ActiveFault<HttpFault>[] = [];
  private readonly server: Server;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256, scheduling: 'lifo' });

  constructor(
    readonly name: string,
    private readonly upstream: { host: string; port: number },
  ) {
    this.server = createServer({ keepAliveTimeout: 60_000, noDelay: true }, (req, res) => this.handle(req, res));
  }

  listen(host: string, port: number): Promise<string> {
    return listenOn(this.server, host, port, 'http');
  }

  close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chosen = this.active.length === 0 ? undefined : pickHttpFault(this.active, req);
    if (!chosen) {
      this.forward(req, res);
      return;
    }
    chosen.fault.inject(chosen.params, {
      req,
      res,
      faultId: chosen.id,
      forward: (responseBody) => this.forward(req, res, responseBody),
    });
  }

  private forward(req: IncomingMessage, res: ServerResponse, responseBody?: Transform): void {
    const upstreamReq = request({
      host: this.upstream.host,
      port: this.upstream.port,
      method: req.method,
      path: req.url,
      headers: endToEnd(req.headers),
      agent: this.agent,
    });
    upstreamReq.on('response', (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, endToEnd(upstreamRes.headers));
      if (responseBody) upstreamRes.pipe(responseBody).pipe(res);
      else upstreamRes.pipe(res);
    });
    upstreamReq.on('error', () => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('chaosgate proxy: upstream unreachable\n');
      } else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    req.pipe(upstreamReq);
  }
}
