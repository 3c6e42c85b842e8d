// Listening on host:port (0 picks a free port) and reporting the URL actually bound.
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';

export function listenOn(server: HttpServer | NetServer, host: string, port: number, scheme: 'http' | 'tcp'): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const actual = (server.address() as AddressInfo).port;
      resolve(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${actual}`);
    });
  });
}
