// The `run` and `profiles` sections: how `chaosgate run <profile>` orchestrates load, chaos and
// evaluation. Built-in profiles (run/profiles.ts) can be overridden or extended by name here.
import { z } from 'zod';
import { k6Duration } from '../config/load.js';
import { durationTextField } from '../lib/duration.js';
import { gatesSectionSchema } from '../evaluator/config.js';
import { SCENARIOS } from '../load/scenarios.js';

const duration = durationTextField();


export const runSectionSchema = z
  .object({
    /** Each run writes into <outDir>/<profile>-<timestamp>/ unless --out-dir names the folder. */
    outDir: z.string().min(1).default('results'),
    /** "Back to baseline" after a fault: the seeds' p95 <= baseline + 10 %, error rate + 1 point. */
    recovery: z
      .object({
        p95Factor: z.number().min(1).max(100).default(1.1),
        errorRateDelta: z.number().min(0).max(1).default(0.01),
        window: duration.default('5s'),
        /** Queue depth back within the baseline's maximum + this many items. */
        queueDepthSlack: z.number().int().min(0).default(5),
      })
      .strict()
      .prefault({}),
    /** The error budget during faults: the chaos smoke's allowed error rate. */
    allowedErrorRate: z.number().min(0).max(1).default(0.05),
    /** After k6: the ingestion queue must drain, with nothing left to retry, and retrieval must work. */
    drain: z
      .object({
        queue: z.string().regex(/^[\w.:-]+$/, 'letters, digits and _ . : - only').default('ingestion'),
        timeout: duration.default('30s'),
      })
      .strict()
      .prefault({}),
    /** Plain progress lines (not a terminal, e.g. CI) come this often. */
    progressEvery: duration.default('5s'),
    /** Soak drift: p95 and error rate per window of this length, their slope over the run. */
    driftWindow: duration.default('1m'),
    /** Judge the thresholds the k6 script declares (read with `k6 inspect`) as gates, beside the config's. */
    k6Thresholds: z.boolean().default(true),
    /** The previous night's JSON report, for the soak's comparison and `baseline: "report"` gates. */
    previousReport: z.string().min(1).optional(),
  })
  .strict();

const namedPhaseSchema = z.object({ at: duration, phase: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'lower-case name') }).strict();

export const profileSchema = z
  .object({
    description: z.string().default(''),
    /** A built-in scenario (scenarios/<name>.ts, run with the config file and env it reads). */
    scenario: z.enum(SCENARIOS).optional(),
    /** Any k6 script (.js/.ts), relative to the config file; it gets CHAOSGATE_BASE_URL and `env`. */
    script: z.string().min(1).optional(),
    /** Extra `k6 run` arguments (the command line's arguments after `--` come after these). */
    k6Args: z.array(z.string()).default([]),
    /** Extra env for k6 (plain values: secrets belong in the environment, not the config). */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'env names: letters, digits, _'), z.string()).default({}),
    /** "reference": start Redis, the reference target, its worker and the fault proxy in front.
     *  "external": load goes to load.baseUrl; chaos uses chaos.proxy.routes as configured.
     *  Default: reference for a built-in scenario, external for a script. */
    stack: z.enum(['reference', 'external']).optional(),
    /** The scenario's length where it has one knob for it (soak, chaos-smoke); for a script, env CHAOSGATE_DURATION. */
    duration: k6Duration.optional(),
    /** The chaos timeline: entries as in chaos.plan (targets may use {stack} and {workerPidFile}). */
    plan: z.array(z.unknown()).default([]),
    /** Phases the load itself makes (a spike), as offsets from the start. */
    phases: z.array(namedPhaseSchema).default([]),
    /** Gates for this profile; omitted: the top-level `gates`. */
    gates: gatesSectionSchema.optional(),
    /** Run the ingestion drain check after k6. */
    drain: z.boolean().default(false),
    /** Compute soak drift (and compare with run.previousReport). */
    drift: z.boolean().default(false),
  })
  .strict()
  .refine((p) => (p.scenario === undefined) !== (p.script === undefined), {
    message: 'give either "scenario" (a built-in one) or "script" (a k6 script), not both or neither',
  });

export const profilesSectionSchema = z.record(z.string().regex(/^[a-z][a-z0-9-]*$/, 'profile names: lower-case, digits, -'), profileSchema);

export type RunSection = z.output<typeof runSectionSchema>;
export type Profile = z.output<typeof profileSchema>;
export type ProfileInput = z.input<typeof profileSchema>;
