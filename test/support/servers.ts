// Tests start real servers through the same code the run uses for its own stack.
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
export { startNats, startRedis, waitForPort, type RunningServer } from '../../lib/local-servers.js';

export interface LoopbackHttp {
  server: Server;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  /** Ends open keep-alive connections too, so a test never waits on k6's idle sockets. */
  close(): Promise<void>;
}

/** A plain node:http service on a free loopback port (a service that is not our reference target). */
export async function startLoopbackHttp(handler: RequestListener): Promise<LoopbackHttp> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
