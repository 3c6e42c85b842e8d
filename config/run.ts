// The `run` and `profiles` sections: how `chaosgate run <profile>` orchestrates load, chaos and
// evaluation. Built-in profiles (run/profiles.ts) can be overridden or extended by name here.
import { z } from 'zod';
import { k6Duration } from '../load/config.js';
import { durationTextField, validatedMs } from '../lib/duration.js';
import { gatesSectionSchema } from '../evaluator/config.js';
import { SCENARIOS } from '../load/scenarios.js';
import { locustSectionSchema } from '../load/locust-config.js';

const duration = durationTextField();

export const runSectionSchema = z
  .object({
    outDir: z.string().min(1).default('results').describe('each run writes into `<outDir>/<profile>-<timestamp>/` unless `--out-dir` names the folder'),
    recovery: z
      .object({
        p95Factor: z.number().min(1).max(100).default(1.1).describe("recovered needs a window whose p95 ≤ the baseline phase's p95 × this (1.1: +10 %)"),
        errorRateDelta: z
          .number()
          .min(0)
          .max(1)
          .default(0.01)
          .describe("recovered also needs the window's error rate ≤ the baseline's + this (a fraction: 0.01 is one percentage point)"),
        window: duration.default('5s').describe('length of the windows judged after a fault ends (at least one time bucket)'),
        queueDepthSlack: z.number().int().min(0).default(5).describe("recovered also needs the window's queue depth ≤ the baseline's maximum + this many items"),
      })
      .strict()
      .prefault({})
      .describe('when a fault counts as recovered: the first window after it whose p95, error rate and queue depth are back near the baseline'),
    allowedErrorRate: z
      .number()
      .min(0)
      .max(1)
      .default(0.05)
      .describe('the error budget during faults (a fraction of their requests): the report shows how much is spent; not a gate itself'),
    drain: z
      .object({
        queue: z
          .string()
          .regex(/^[\w.:-]+$/, 'letters, digits and _ . : - only')
          .default('ingestion')
          .describe('the reference stack: the Celery queue that must drain (other stacks drain every queue probe)'),
        timeout: duration.default('30s').describe('how long the drain may take'),
      })
      .strict()
      .prefault({})
      .describe('after k6 (profiles with `drain`): the reference ingestion check, or every probed queue empty (`drain_seconds`)'),
    progressEvery: duration.default('5s').describe('how often a progress line comes when stderr is not a terminal (CI)'),
    driftWindow: duration.default('1m').describe('soak drift: p95 and error rate per window of this length, and their slope over the run'),
    k6Thresholds: z.boolean().default(true).describe("judge the thresholds the k6 script declares (read with `k6 inspect`) as gates, beside the config's"),
  })
  .strict();

const namedPhaseSchema = z
  .object({
    at: durationTextField({ allowZero: true }).describe('when the phase starts: an offset from the start of the run (0s: from the start, e.g. a warmup kept out of the baseline)'),
    phase: z
      .string()
      .regex(/^[a-z][a-z0-9_-]*$/, 'lower-case name')
      .describe('its name, e.g. `spike`: samples from then on carry it as the `phase` tag'),
  })
  .strict();

export const profileSchema = z
  .object({
    description: z.string().default('').describe('a note for whoever reads the config (no command shows it)'),
    scenario: z.enum(SCENARIOS).optional().describe('a built-in scenario (`scenarios/<name>.ts`, driven by the `load` section); give this or `script`'),
    script: z.string().min(1).optional().describe('any k6 script (.js/.ts), relative to the config file; it gets CHAOSGATE_BASE_URL and `env`; give this or `scenario`'),
    locustfile: z
      .string()
      .min(1)
      .optional()
      .describe('a Locust locustfile (.py), relative to the config file, run by Locust instead of k6 (docs/locust.md); the same env as a script; with `locust`'),
    locust: locustSectionSchema.optional().describe('how Locust runs the `locustfile`: users, spawnRate, runTime (or its LoadTestShape), workers, args'),
    k6Args: z.array(z.string()).default([]).describe("extra `k6 run` arguments (the command line's arguments after `--` come after these)"),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env names: letters, digits, _'), z.string())
      .default({})
      .describe('extra env for k6 (plain values: secrets belong in the environment, not the config)'),
    stack: z
      .enum(['reference', 'external'])
      .optional()
      .describe('reference: start Redis, the target and its worker behind a fault proxy; external: load.baseUrl. Default: reference for a scenario, else external'),
    duration: k6Duration.optional().describe("the scenario's length where it has one knob for it (soak, chaos-smoke); for a script, env CHAOSGATE_DURATION"),
    plan: z.array(z.unknown()).default([]).describe('the fault timeline: entries as in chaos.plan; a target may name a service or use `{stack}` and `{workerPidFile}`'),
    phases: z.array(namedPhaseSchema).default([]).describe('phases the load itself makes (a spike), as offsets from the start'),
    warmup: durationTextField()
      .optional()
      .describe('a span from the start kept out of the baseline (e.g. `15s`, while an app reconnects): the phase `warmup` from 0s, then `baseline`'),
    gates: gatesSectionSchema.optional().describe('gates for this profile; omitted: the top-level `gates`'),
    drain: z.boolean().default(false).describe('after k6, wait for the queues to drain (run.drain): the reference ingestion check, or every queue probe'),
    drift: z.boolean().default(false).describe('compute soak drift (run.driftWindow) and compare with evaluate.baselineReport (the previous report)'),
  })
  .strict()
  .refine((p) => [p.scenario, p.script, p.locustfile].filter((x) => x !== undefined).length === 1, {
    message: 'give one of "scenario" (a built-in one), "script" (a k6 script) or "locustfile" (a Locust locustfile)',
  })
  .refine((p) => p.locust === undefined || p.locustfile !== undefined, { message: 'only with "locustfile"', path: ['locust'] })
  .refine((p) => p.locustfile === undefined || p.k6Args.length === 0, { message: 'k6 arguments do not apply to a locustfile (use locust.args)', path: ['k6Args'] })
  .superRefine((p, ctx) => {
    if (p.warmup === undefined) return;
    const end = validatedMs(p.warmup);
    p.phases.forEach((phase, i) => {
      if (phase.phase === 'warmup' || phase.phase === 'baseline') {
        ctx.addIssue({ code: 'custom', message: `"${phase.phase}" comes from warmup: give one or the other`, path: ['phases', i, 'phase'] });
      } else if (validatedMs(phase.at) < end) {
        ctx.addIssue({ code: 'custom', message: `starts at ${phase.at}, inside the warmup (${p.warmup}): it would end the warmup early`, path: ['phases', i, 'at'] });
      }
    });
  });

/** The profile's named phases, with `warmup` expanded: `warmup` from 0s, `baseline` from its end. */
export function profilePhases(profile: Pick<Profile, 'phases' | 'warmup'>): Profile['phases'] {
  if (profile.warmup === undefined) return profile.phases;
  return [{ at: '0s', phase: 'warmup' }, { at: profile.warmup, phase: 'baseline' }, ...profile.phases];
}

export const profilesSectionSchema = z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'profile names: lower-case, digits, -'), profileSchema);

export type RunSection = z.output<typeof runSectionSchema>;
export type Profile = z.output<typeof profileSchema>;
export type ProfileInput = z.input<typeof profileSchema>;
