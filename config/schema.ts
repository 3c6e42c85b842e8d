// The one config file: each part of the pipeline owns the schema of its own section, composed here.
// Every object is strict, so a misspelt field is an error that names it rather than a silent default.
import { z } from 'zod';
import { targetSectionSchema } from '../target/config.js';
import { loadSectionSchema } from './load.js';
import { evaluateSectionSchema, gatesSectionSchema } from '../evaluator/config.js';
import { chaosSectionSchema } from '../chaos/config.js';
import { probesSectionSchema } from '../probes/config.js';
import { profilesSectionSchema, runSectionSchema } from '../run/config.js';
import { servicesSectionSchema } from './services.js';

export const redisSectionSchema = z
  .object({
    /** Redis used by the target's queue, the k6 queue gauge, Redis toggles and queue probes. */
    url: z.string().regex(/^redis:\/\/[^\s]+$/, 'must be a redis:// URL').default('redis://127.0.0.1:6379'),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    redis: redisSectionSchema.prefault({}),
    target: targetSectionSchema.prefault({}),
    load: loadSectionSchema.prefault({}),
    evaluate: evaluateSectionSchema.prefault({}),
    gates: gatesSectionSchema.prefault([]),
    chaos: chaosSectionSchema.prefault({}),
    probes: probesSectionSchema.prefault({}),
    run: runSectionSchema.prefault({}),
    services: servicesSectionSchema.default({}),
    profiles: profilesSectionSchema.default({}),
  })
  .strict();

export type ChaosgateConfig = z.output<typeof configSchema>;
export type ChaosgateConfigInput = z.input<typeof configSchema>;
