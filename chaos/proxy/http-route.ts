// One HTTP route of the fault proxy. While no HTTP fault is on, a connection is a raw TCP
// pass-through (as cheap as proxying gets); the moment a fault is on, each raw connection moves to
// the HTTP path at its next request boundary, where a streaming reverse proxy over keep-alive
// upstream connections lets every request meet the faults.
import { Agent, createServer, request, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { connect, createServer as createNetServer, isIP, type Server as NetServer, type Socket } from 'node:net';
import type { Transform } from 'node:stream';
import type { HttpFault } from '../faults/types.js';
import { listenOn } from './listen.js';
import { startsRequest } from './request-boundary.js';
import { pickHttpFault, type ActiveFault } from './roll.js';

const readBufferBytes = 64 * 1024;

/** Headers that belong to one connection and are not passed on. */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

function endToEnd(headers: IncomingMessage['headers']): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) if (!hopByHop.has(name)) out[name] = headers[name];
  return out;
}

export class HttpRoute {
  active: ActiveFault<HttpFault>[] = [];
  /** Parses HTTP; never listens itself, gets its connections from `listener`. */
  private readonly server: Server;
  private readonly listener: NetServer;
  private readonly rawSockets = new Set<Socket>();
  private readonly agent: Agent;
  /** The Host an https upstream is sent (virtual hosts and SNI go by it); null: the client's, as is. */
  private readonly upstreamHost: string | null;

  /** `tls`: an https service; the proxy takes plain HTTP and speaks TLS to it (certificates checked). */
  constructor(
    readonly name: string,
    private readonly upstream: { host: string; port: number; tls?: boolean },
  ) {
    const agentOptions = { keepAlive: true, maxSockets: 256, maxFreeSockets: 256, scheduling: 'lifo' as const };
    this.agent = upstream.tls ? new HttpsAgent(agentOptions) : new Agent(agentOptions);
    const host = isIP(upstream.host) === 6 ? `[${upstream.host}]` : upstream.host;
    this.upstreamHost = upstream.tls ? (upstream.port === 443 ? host : `${host}:${upstream.port}`) : null;
    this.server = createServer({ keepAliveTimeout: 60_000, noDelay: true }, (req, res) => this.handle(req, res));
    this.listener = createNetServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  listen(host: string, port: number): Promise<string> {
    return listenOn(this.listener, host, port, 'http');
  }

  close(): Promise<void> {
    this.agent.destroy();
    this.server.closeAllConnections();
    for (const s of this.rawSockets) s.destroy();
    return new Promise((resolve) => this.listener.close(() => resolve()));
  }

  private accept(client: Socket): void {
    // The raw pass-through relays bytes: to an https service every request goes the HTTP path.
    if (this.active.length > 0 || this.upstream.tls) {
      this.server.emit('connection', client);
      return;
    }
    // Answers are read into one reused buffer and written straight on (no stream machinery); a new
    // buffer is taken only when the client could not take the bytes at once and still holds them.
    let readBuffer = Buffer.allocUnsafe(readBufferBytes);
    let switched = false;
    const upstream = connect({
      host: this.upstream.host,
      port: this.upstream.port,
      noDelay: true,
      onread: {
        buffer: () => readBuffer,
        callback: (bytes: number, buffer: Uint8Array) => {
          if (switched) return false;
          const flushed = client.write(buffer.subarray(0, bytes));
          if (client.writableLength > 0) readBuffer = Buffer.allocUnsafe(readBufferBytes);
          // false pauses reading until the client has drained.
          if (!flushed) client.once('drain', () => upstream.resume());
          return flushed;
        },
      },
    });
    this.rawSockets.add(client);
    const drop = () => {
      this.rawSockets.delete(client);
      client.destroy();
      upstream.destroy();
    };
    const onData = (chunk: Buffer) => {
      if (this.active.length > 0 && startsRequest(chunk)) {
        // A fault is on and a new request begins: hand the connection to the HTTP path.
        switched = true;
        client.off('data', onData).off('error', drop).off('close', drop);
        upstream.off('error', drop).off('close', drop);
        upstream.destroy();
        this.rawSockets.delete(client);
        client.pause();
        client.unshift(chunk);
        this.server.emit('connection', client);
        client.resume();
        return;
      }
      if (!upstream.write(chunk)) client.pause();
    };
    upstream.on('drain', () => client.resume());
    client.on('data', onData).on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
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
    const headers = endToEnd(req.headers);
    if (this.upstreamHost !== null) headers.host = this.upstreamHost;
    const upstreamReq = (this.upstream.tls ? httpsRequest : request)({
      host: this.upstream.host,
      port: this.upstream.port,
      method: req.method,
      path: req.url,
      headers,
      agent: this.agent,
    });
    upstreamReq.on('response', (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.statusMessage, endToEnd(upstreamRes.headers));
      if (responseBody) upstreamRes.pipe(responseBody).pipe(res);
      else upstreamRes.pipe(res);
    });
    upstreamReq.on('error', (err: NodeJS.ErrnoException) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        // A TLS failure (an untrusted certificate) says so: it is a setup problem, not the service.
        res.end(
          this.upstream.tls && err.code !== 'ECONNREFUSED'
            ? `chaosgate proxy: upstream TLS or connection failed (${err.code ?? err.message})\n`
            : 'chaosgate proxy: upstream unreachable\n',
        );
      } else res.destroy();
    });
    res.on('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
    });
    req.pipe(upstreamReq);
  }
}
