// One TCP route of the fault proxy (Redis, a database). Every connection passes through a gate
// that asks the active faults about each chunk, so a fault switched on also hits open connections.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { PacedStream } from '../faults/paced-stream.js';
import type { TcpConnection, TcpDirection, TcpFault } from '../faults/types.js';
import { listenOn } from './listen.js';
import { roll, type ActiveFault } from './roll.js';

export class TcpRoute {
  active: ActiveFault<TcpFault>[] = [];
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly name: string,
    private readonly upstream: { host: string; port: number },
  ) {
    this.server = createServer({ noDelay: true }, (client) => this.accept(client));
  }

  listen(host: string, port: number): Promise<string> {
    return listenOn(this.server, host, port, 'tcp');
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = connect({ host: this.upstream.host, port: this.upstream.port, noDelay: true });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    }
    let closeTimer: NodeJS.Timeout | undefined;
    const connection: TcpConnection = {
      reset() {
        clearTimeout(closeTimer);
        if (!client.destroyed) client.resetAndDestroy();
        upstream.destroy();
      },
      closeAfter(ms) {
        closeTimer ??= setTimeout(() => {
          client.destroy();
          upstream.destroy();
        }, ms);
      },
    };
    // Each fault's roll is made once per connection, the first time the connection meets it.
    const hits = new WeakMap<ActiveFault<TcpFault>, boolean>();
    const gate = (direction: TcpDirection) =>
      new PacedStream((now, lastReleaseAt, bytes) => {
        let at = now;
        for (const active of this.active) {
          let hit = hits.get(active);
          if (hit === undefined) hits.set(active, (hit = roll(active)));
          if (!hit) continue;
          const release = active.fault.onChunk(active.params, { now, lastReleaseAt, bytes, direction }, connection);
          if (release === null) return null;
          at = Math.max(at, release);
        }
        return Math.max(at, lastReleaseAt);
      });
    const stop = () => {
      clearTimeout(closeTimer);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', stop).on('close', stop);
    upstream.on('error', stop).on('close', stop);
    client.pipe(gate('toUpstream')).pipe(upstream);
    upstream.pipe(gate('toClient')).pipe(client);
  }
}
