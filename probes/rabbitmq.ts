// RabbitMQ queue depth over AMQP: a passive queue declare (checkQueue) answers the number of
// messages ready for delivery. Messages delivered but not yet acknowledged are not in it (only the
// management API counts those, and it needs a plugin the broker may not run).
// amqplib loads on first connect (lib/lazy-clients.ts says why).
import type { Channel, ChannelModel } from 'amqplib';
import { z } from 'zod';
import { defineProbe } from './types.js';

/** The AMQP URL with the password from env (never from the config file, never logged). */
export function amqpUrl(url: string, passwordEnv: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (!passwordEnv) return url;
  const password = env[passwordEnv];
  if (password === undefined) throw new Error(`env ${passwordEnv} (the RabbitMQ password) is not set`);
  const u = new URL(url);
  u.password = encodeURIComponent(password);
  return u.toString();
}

const schema = z
  .object({
    url: z
      .string()
      .regex(/^amqps?:\/\/[^\s]+$/, 'must be an amqp:// URL')
      .refine((u) => !/^amqps?:\/\/[^@/]*:[^@/]*@/.test(u), 'must not contain a password: set passwordEnv')
      .describe('amqp://user@host:5672/vhost, without a password: that comes from the env var `passwordEnv`'),
    passwordEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, 'an env var name')
      .optional()
      .describe('the env var holding the password; omitted: none'),
    queue: z.string().min(1).describe('the queue whose ready messages are `queue_depth`'),
  })
  .strict();

export const rabbitMqProbe = defineProbe({
  kind: 'rabbitmq',
  schema,
  reads: 'a passive queue declare over AMQP (`amqplib`); `url` without password, the password from the env var named by `passwordEnv`',
  metrics: { queue_depth: 'messages ready (delivered-but-unacked ones are not counted: only the management plugin sees those)' },
  create(config, ctx) {
    let conn: ChannelModel | undefined;
    let channel: Channel | undefined;
    let closed = false;

    // A failed checkQueue (e.g. 404 no such queue) closes the channel, a lost socket the connection:
    // both are dropped here and opened again on the next reading.
    async function openChannel(): Promise<Channel> {
      if (!conn) {
        const { connect } = await import('amqplib');
        const c = await connect(amqpUrl(config.url, config.passwordEnv), { timeout: ctx.timeoutMs });
        c.on('error', () => {});
        c.on('close', () => {
          if (conn === c) conn = channel = undefined;
        });
        conn = c;
      }
      if (!channel) {
        const ch = await conn.createChannel();
        ch.on('error', () => {});
        ch.on('close', () => {
          if (channel === ch) channel = undefined;
        });
        channel = ch;
      }
      return channel;
    }

    return {
      id: config.id,
      kind: config.kind,
      queue: config.queue,
      async read() {
        if (closed) throw new Error('probe closed');
        const ch = await openChannel();
        const q = await ch.checkQueue(config.queue);
        return [{ metric: 'queue_depth', value: q.messageCount }];
      },
      async close() {
        closed = true;
        const c = conn;
        conn = channel = undefined;
        await c?.close().catch(() => {});
      },
    };
  },
});
