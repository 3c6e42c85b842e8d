// A profile's `locust` section: how chaosgate runs the profile's `locustfile` (docs/locust.md).
// Validated here; what needs the locustfile itself (has it a LoadTestShape?) is checked before the
// load by load/locust-runner.ts, naming these fields.
import { z } from 'zod';
import { durationTextField, validatedMs } from '../lib/duration.js';

/** Locust's -t takes whole seconds (h/m/s): a length in ms would be cut. */
const runTime = durationTextField().refine((t) => validatedMs(t) % 1000 === 0 && validatedMs(t) >= 1000, {
  message: 'Locust runs whole seconds: give at least 1s, in whole seconds (e.g. "30s", "5m")',
});

/** Arguments chaosgate sets itself (or that a field here sets): refused in `args`. */
export const LOCUST_OWN_ARGS =
  /^(-f|--locustfile|-u|--users|-r|--spawn-rate|-t|--run-time|--headless|--master|--worker|--master-\S+|--expect-workers\S*|--csv\S*|--json\S*|--exit-code-on-error|--processes|--autostart|--autoquit|-i|--iterations)(=|$)/;

export const locustSectionSchema = z
  .object({
    users: z.number().int().min(1).max(100_000).optional().describe("Locust's -u: peak concurrent users (not with a LoadTestShape, which sets them)"),
    spawnRate: z.number().positive().max(100_000).optional().describe("Locust's -r: users started per second; default: all within a second (= users)"),
    runTime: runTime.optional().describe("Locust's -t and the run's planned length (whole seconds); not with a LoadTestShape, whose own ticks give the length"),
    workers: z
      .number()
      .int()
      .min(0)
      .max(64)
      .default(0)
      .describe('0: one Locust process; N: a master and N local worker processes (`--master` / `--worker`), each worker streaming its own samples'),
    args: z
      .array(z.string())
      .default([])
      .refine((a) => !a.some((x) => LOCUST_OWN_ARGS.test(x)), {
        message: 'users, spawn rate, run time, workers, the locustfile and the outputs are set by chaosgate (use the fields of `locust`)',
      })
      .describe('extra `locust` arguments for the master (or the one process), e.g. ["--stop-timeout", "5"]'),
  })
  .strict();

export type LocustSection = z.output<typeof locustSectionSchema>;
