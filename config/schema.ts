// The one config file: each part of the pipeline owns the schema of its own section, composed here.
// Every object is strict, so a misspelt field is an error that names it rather than a silent default.
import { z } from 'zod';
import { DEFAULT_REDIS_URL } from '../lib/defaults.js';
import { targetSectionSchema } from '../target/config.js';
import { loadSectionSchema } from '../load/config.js';
import { evaluateSectionSchema, gatesSectionSchema } from '../evaluator/config.js';
import { chaosSectionInConfigSchema, planTargetIssues } from '../chaos/config.js';
import { probesSectionSchema } from '../probes/config.js';
import { profilesSectionSchema, runSectionSchema } from './run.js';
import { servicesSectionSchema } from './services.js';

export const redisSectionSchema = z
  .object({
    url: z
      .string()
      .regex(/^redis:\/\/[^\s]+$/, 'must be a redis:// URL')
      .default(DEFAULT_REDIS_URL)
      .describe("the target's queue, the queue gauge, redis-toggle faults, Redis probes without a url (a reference-stack run starts its own); env CHAOSGATE_REDIS_URL"),
  })
  .strict();

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    redis: redisSectionSchema.prefault({}).describe('The Redis of an external stack and of the `target`, `load` and `chaos` commands.'),
    target: targetSectionSchema.prefault({}).describe('The reference target (`chaosgate target`, and the reference stack of a run): its address, latencies, GPU and ingestion.'),
    load: loadSectionSchema
      .prefault({})
      .describe('What the built-in k6 scenarios drive (handed to them as a JSON file; your own scripts read their own settings). Rates are per second.'),
    evaluate: evaluateSectionSchema.prefault({}).describe('How the evaluator reads k6 output: which tags make a series, time buckets, bounds, worker threads.'),
    gates: gatesSectionSchema.prefault([]).describe('The pass/fail rules judged on the samples; a profile may carry its own `gates` instead.'),
    chaos: chaosSectionInConfigSchema.prefault({}).describe('Faults: the allowlist, proxy routes, the control endpoint, Toxiproxy, the plan, and where the journal and events go.'),
    probes: probesSectionSchema.prefault({}).describe('Queue probes sampled during a run, as gauges (`queue_depth`, `queue_lag`, `queue_pending`): see docs/probes.md.'),
    run: runSectionSchema
      .prefault({})
      .describe('How `chaosgate run` judges recovery, drains, reports progress and measures soak drift (the previous run is evaluate.baselineReport).'),
    services: servicesSectionSchema.default({}).describe('Your own services by name, each with exactly one of url or tcp; a plan entry may target one: see docs/services.md.'),
    profiles: profilesSectionSchema.default({}).describe('Run profiles by name (`chaosgate run <name>`): one overrides a built-in one of the same name.'),
  })
  .strict()
  .superRefine((config, ctx) => {
    // chaos.plan (`run --script`, `chaos apply`) may fault a route or one of the services.
    const services = Object.entries(config.services).map(([name, s]) => ({ name, protocol: s.tcp !== undefined ? ('tcp' as const) : ('http' as const) }));
    for (const issue of planTargetIssues(config.chaos, services)) ctx.addIssue({ code: 'custom', message: issue.message, path: ['chaos', ...issue.path] });
  });

export type ChaosgateConfig = z.output<typeof configSchema>;
export type ChaosgateConfigInput = z.input<typeof configSchema>;
