// Every queue probe kind, in one typed list: adding a kind is one file plus one line here. The list
// builds the config union (probeConfigSchema), the metrics each kind emits (probeMetrics, for the
// unproducible-metric check), the `kind` field's description and the reference.
import { z } from 'zod';
import { probeId } from './fields.js';
import type { ProbeContext, ProbeDescriptor, QueueProbe } from './types.js';
import { celeryRedisProbe } from './celery-redis.js';
import { redisStreamProbe } from './redis-stream.js';
import { natsJetStreamProbe } from './nats-jetstream.js';
import { rabbitMqProbe } from './rabbitmq.js';
import { nvidiaSmiProbe } from './nvidia-smi.js';
import { httpJsonProbe } from './http-json.js';
import { prometheusProbe } from './prometheus.js';

export const probeKinds = [celeryRedisProbe, redisStreamProbe, natsJetStreamProbe, rabbitMqProbe, nvidiaSmiProbe, httpJsonProbe, prometheusProbe] as const;

type Probes = typeof probeKinds;
export type ProbeKind = Probes[number]['kind'];

/** "a, b, c or d". */
function orList(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

const kindDescription = `what to read: ${orList(probeKinds.map((p) => p.kind))} (see docs/probes.md)`;

/** A kind's config entry: `kind` and `id` first, then its own fields; strict like its own schema. */
type EntrySchema<D> = D extends ProbeDescriptor<infer K, infer Shape> ? z.ZodObject<{ kind: z.ZodLiteral<K>; id: typeof probeId } & Shape, z.core.$strict> : never;

type EntrySchemas<T extends readonly unknown[]> = { -readonly [I in keyof T]: EntrySchema<T[I]> };

function entrySchema<K extends string, Shape extends z.ZodRawShape>(d: ProbeDescriptor<K, Shape>): EntrySchema<ProbeDescriptor<K, Shape>> {
  return z.object({ kind: z.literal(d.kind).describe(kindDescription), id: probeId, ...d.schema.shape }).strict() as never;
}

/** One strict schema per kind, joined on `kind`, so a misspelt field or an unknown kind is an error naming the field. */
export const probeConfigSchema = z.discriminatedUnion('kind', probeKinds.map((p) => entrySchema(p as ProbeDescriptor)) as unknown as EntrySchemas<Probes>);

export type ProbeConfig = z.output<typeof probeConfigSchema>;

const byKind = new Map<string, ProbeDescriptor<string, z.ZodRawShape>>(probeKinds.map((p) => [p.kind, p as never]));

/** The gauges each kind can emit (besides `probe_errors`, which every probe emits); a kind whose names are configured lists its placeholder. */
export const probeMetrics = Object.fromEntries(probeKinds.map((p) => [p.kind, Object.keys(p.metrics)])) as unknown as {
  [K in ProbeKind]: readonly string[];
};

/** The gauges one configured entry emits (its configured names for a JSON or Prometheus probe); a bare `{ kind }` gets the kind's list. */
export function metricsOfProbe(config: Pick<ProbeConfig, 'kind'> | ProbeConfig): readonly string[] {
  const d = byKind.get(config.kind)!;
  return d.metricsOf && 'id' in config ? d.metricsOf(config as never) : probeMetrics[config.kind];
}

export function createProbe(config: ProbeConfig, ctx: ProbeContext): QueueProbe {
  return byKind.get(config.kind)!.create(config as never, ctx);
}
