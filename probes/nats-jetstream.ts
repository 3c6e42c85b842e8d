// NATS JetStream consumer lag: messages not yet delivered to the consumer (num_pending) plus those
// delivered but not acknowledged (num_ack_pending), from the consumer info API.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { ProbeFactory } from './types.js';

export const createNatsJetStreamProbe: ProbeFactory<'nats-jetstream'> = (config, ctx) => {
  let nc: NatsConnection | undefined;
  let jsm: JetStreamManager | undefined;
  let closed = false;
  return {
    id: config.id,
    kind: config.kind,
    queue: `${config.stream}/${config.consumer}`,
    async read() {
      if (closed) throw new Error('probe closed');
      if (!nc || nc.isClosed()) {
        jsm = undefined;
        nc = await connect({ servers: config.servers, timeout: ctx.timeoutMs, name: `chaosgate-probe-${config.id}` });
      }
      jsm ??= await jetstreamManager(nc, { timeout: ctx.timeoutMs, checkAPI: false });
      const info = await jsm.consumers.info(config.stream, config.consumer);
      return [
        { metric: 'queue_lag', value: info.num_pending + info.num_ack_pending },
        { metric: 'queue_pending', value: info.num_ack_pending },
      ];
    },
    async close() {
      closed = true;
      if (nc && !nc.isClosed()) await nc.close();
    },
  };
};
