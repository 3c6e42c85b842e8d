// The `probes` config section: which queues to sample, how often, and how long one reading may take.
// One strict schema per probe kind, joined in a discriminated union on `kind`, so a misspelt field
// or an unknown kind is an error naming the field.
import { z } from 'zod';

import { KOMBU_PRIORITY_SEPARATOR, KOMBU_PRIORITY_STEPS } from '../lib/celery-layout.js';

export { KOMBU_PRIORITY_SEPARATOR, KOMBU_PRIORITY_STEPS };

const probeId = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only (it becomes a metric tag)');
const redisUrl = z.string().regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// URL');

export const celeryRedisProbeSchema = z
  .object({
    kind: z.literal('celery-redis'),
    id: probeId,
    /** Omitted: the top-level `redis.url`. */
    url: redisUrl.optional(),
    /** The Celery queue name, e.g. `ingestion`. */
    queue: z.string().min(1),
    /** broker_transport_options.priority_steps; step 0 is the bare queue key. */
    prioritySteps: z.array(z.number().int().min(0).max(255)).min(1).default([...KOMBU_PRIORITY_STEPS]),
    /** broker_transport_options.sep. */
    separator: z.string().default(KOMBU_PRIORITY_SEPARATOR),
    /** broker_transport_options.global_keyprefix. */
    keyPrefix: z.string().default(''),
  })
  .strict();

export const redisStreamProbeSchema = z
  .object({
    kind: z.literal('redis-stream'),
    id: probeId,
    url: redisUrl.optional(),
    stream: z.string().min(1),
    /** The consumer group whose pending entries (delivered, not acknowledged) are counted. */
    group: z.string().min(1),
  })
  .strict();

export const natsJetStreamProbeSchema = z
  .object({
    kind: z.literal('nats-jetstream'),
    id: probeId,
    /** e.g. `nats://127.0.0.1:4222`; credentials, if any, come from env, never from here. */
    servers: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    stream: z.string().min(1),
    /** A durable consumer name. */
    consumer: z.string().min(1),
  })
  .strict();

export const rabbitMqProbeSchema = z
  .object({
    kind: z.literal('rabbitmq'),
    id: probeId,
    /** amqp://user@host:5672/vhost, without a password: that comes from the env var `passwordEnv`. */
    url: z
      .string()
      .regex(/^amqps?:\/\/[^\s]+$/, 'must be an amqp:// URL')
      .refine((u) => !/^amqps?:\/\/[^@/]*:[^@/]*@/.test(u), 'must not contain a password: set passwordEnv'),
    passwordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an env var name').optional(),
    queue: z.string().min(1),
  })
  .strict();

export const probeConfigSchema = z.discriminatedUnion('kind', [
  celeryRedisProbeSchema,
  redisStreamProbeSchema,
  natsJetStreamProbeSchema,
  rabbitMqProbeSchema,
]);

export const probesSectionSchema = z
  .object({
    intervalMs: z.number().int().min(100).max(60_000).default(1000),
    /** A reading slower than this counts as a probe error; must leave room inside the interval. */
    timeoutMs: z.number().int().min(10).max(60_000).default(800),
    list: z
      .array(probeConfigSchema)
      .default([])
      .refine((list) => new Set(list.map((p) => p.id)).size === list.length, 'probe ids must be unique'),
  })
  .strict()
  .refine((s) => s.timeoutMs <= s.intervalMs, { message: 'must not exceed intervalMs', path: ['timeoutMs'] });

export type ProbeConfig = z.output<typeof probeConfigSchema>;
export type ProbeKind = ProbeConfig['kind'];
export type ProbesSection = z.output<typeof probesSectionSchema>;
