// The `probes` config section: which queues to sample, how often, and how long one reading may take.
// One strict schema per probe kind, joined in a discriminated union on `kind`, so a misspelt field
// or an unknown kind is an error naming the field.
import { z } from 'zod';

import { KOMBU_PRIORITY_SEPARATOR, KOMBU_PRIORITY_STEPS } from '../lib/celery-layout.js';

export { KOMBU_PRIORITY_SEPARATOR, KOMBU_PRIORITY_STEPS };

const probeId = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]+$/, 'letters, digits and _ . : - only (it becomes a metric tag)')
  .describe("the probe's unique name: its samples carry it as the `probe` tag");
const redisUrl = z.string().regex(/^rediss?:\/\/[^\s]+$/, 'must be a redis:// URL');
const probeKind = <K extends string>(kind: K) =>
  z.literal(kind).describe('what to read: celery-redis, redis-stream, nats-jetstream or rabbitmq (see docs/probes.md)');

export const celeryRedisProbeSchema = z
  .object({
    kind: probeKind('celery-redis'),
    id: probeId,
    url: redisUrl.optional().describe('the Redis of the Celery broker; omitted: the top-level `redis.url`'),
    queue: z.string().min(1).describe('the Celery queue name, e.g. `ingestion`; its depth sums the queue list and its priority lists'),
    prioritySteps: z
      .array(z.number().int().min(0).max(255))
      .min(1)
      .default([...KOMBU_PRIORITY_STEPS])
      .describe("Celery's broker_transport_options.priority_steps; step 0 is the bare queue key"),
    separator: z
      .string()
      .default(KOMBU_PRIORITY_SEPARATOR)
      .describe("Celery's broker_transport_options.sep, between the queue name and the priority step"),
    keyPrefix: z.string().default('').describe("Celery's broker_transport_options.global_keyprefix"),
  })
  .strict();

export const redisStreamProbeSchema = z
  .object({
    kind: probeKind('redis-stream'),
    id: probeId,
    url: redisUrl.optional().describe('the Redis holding the stream; omitted: the top-level `redis.url`'),
    stream: z.string().min(1).describe('the stream key: its length is `queue_depth`'),
    group: z.string().min(1).describe('the consumer group whose pending (delivered, not acknowledged) entries and lag are read'),
  })
  .strict();

export const natsJetStreamProbeSchema = z
  .object({
    kind: probeKind('nats-jetstream'),
    id: probeId,
    servers: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .describe('a NATS server URL or a list, e.g. `nats://127.0.0.1:4222` (the probe sends no credentials)'),
    stream: z.string().min(1).describe('the JetStream stream'),
    consumer: z.string().min(1).describe('a durable consumer of it: `queue_lag` is its num_pending + num_ack_pending'),
  })
  .strict();

export const rabbitMqProbeSchema = z
  .object({
    kind: probeKind('rabbitmq'),
    id: probeId,
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

export const probeConfigSchema = z.discriminatedUnion('kind', [
  celeryRedisProbeSchema,
  redisStreamProbeSchema,
  natsJetStreamProbeSchema,
  rabbitMqProbeSchema,
]);

export const probesSectionSchema = z
  .object({
    intervalMs: z.number().int().min(100).max(60_000).default(1000).describe('ms between two readings of every probe'),
    timeoutMs: z
      .number()
      .int()
      .min(10)
      .max(60_000)
      .default(800)
      .describe('ms one reading may take; a slower one counts as a probe error (`probe_errors`); at most intervalMs'),
    list: z
      .array(probeConfigSchema)
      .default([])
      .refine((list) => new Set(list.map((p) => p.id)).size === list.length, 'probe ids must be unique')
      .describe("the probes; omitted or empty: a reference-stack run probes its own Celery queue, others probe nothing"),
  })
  .strict()
  .refine((s) => s.timeoutMs <= s.intervalMs, { message: 'must not exceed intervalMs', path: ['timeoutMs'] });

export type ProbeConfig = z.output<typeof probeConfigSchema>;
export type ProbeKind = ProbeConfig['kind'];
export type ProbesSection = z.output<typeof probesSectionSchema>;
