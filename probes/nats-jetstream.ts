// NATS JetStream consumer lag: messages not yet delivered to the consumer (num_pending) plus those
// delivered but not acknowledged (num_ack_pending), from the consumer info API.
// The NATS clients load on first reading (lib/lazy-clients.ts says why).
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamManager } from '@nats-io/jetstream';
import { z } from 'zod';
import { defineProbe } from './types.js';

const schema = z
  .object({
    servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).describe('a NATS server URL or a list, e.g. `nats://127.0.0.1:4222` (the probe sends no credentials)'),
    stream: z.string().min(1).describe('the JetStream stream'),
    consumer: z.string().min(1).describe('a durable consumer of it: `queue_lag` is its num_pending + num_ack_pending'),
  })
  .strict();

export const natsJetStreamProbe = defineProbe({
  kind: 'nats-jetstream',
  schema,
  reads: 'JetStream consumer info (`@nats-io/jetstream`)',
  metrics: { queue_lag: '`num_pending + num_ack_pending`', queue_pending: '`num_ack_pending`' },
  create(config, ctx) {
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
          const { connect } = await import('@nats-io/transport-node');
          nc = await connect({ servers: config.servers, timeout: ctx.timeoutMs, name: `chaosgate-probe-${config.id}` });
        }
        jsm ??= await (await import('@nats-io/jetstream')).jetstreamManager(nc, { timeout: ctx.timeoutMs, checkAPI: false });
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
  },
});
