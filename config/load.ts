// The `load` section: what the k6 scenarios drive (issue 2). The harness hands the validated
// section to k6 as a JSON file (see load/scenario-config.ts); k6 does not validate again.
import { z } from 'zod';
import { durationTextField } from '../lib/duration.js';

/** A duration handed to k6 as its text ("30s", "5m", "2h30m"); whole milliseconds become "<n>ms". */
export const k6Duration = durationTextField({ allowZero: true });

const rate = z.number().positive().max(100_000);
const vus = z.number().int().min(1).max(10_000);

const spikeSchema = z
  .object({
    /** Journeys per second before and after the spike. */
    baselineRate: rate.default(4),
    /** The spike's rate is baselineRate x multiplier. */
    multiplier: z.number().min(1).max(1000).default(6),
    baselineDuration: k6Duration.default('5s'),
    /** Ramp up to the peak (and the same back down). */
    rampDuration: k6Duration.default('1s'),
    peakDuration: k6Duration.default('6s'),
    recoveryDuration: k6Duration.default('4s'),
    preAllocatedVUs: vus.default(20),
    maxVUs: vus.default(200),
  })
  .strict();

const soakSchema = z
  .object({
    rate: rate.default(4),
    /** The nightly soak runs for hours: e.g. "4h". */
    duration: k6Duration.default('30s'),
    preAllocatedVUs: vus.default(10),
    maxVUs: vus.default(100),
  })
  .strict();

const ingestionSchema = z
  .object({
    /** Documents per mini-batch. */
    batchSize: z.number().int().min(1).max(10_000).default(5),
    batches: z.number().int().min(1).max(10_000).default(2),
    pollIntervalMs: z.number().int().min(10).max(60_000).default(100),
    /** Poll rounds per batch before the remaining documents count as timed out. */
    pollMaxAttempts: z.number().int().min(1).max(100_000).default(200),
  })
  .strict();

const ocrSchema = z
  .object({
    rate: rate.default(4),
    duration: k6Duration.default('10s'),
    preAllocatedVUs: vus.default(10),
    maxVUs: vus.default(100),
  })
  .strict();

const chaosSmokeSchema = z
  .object({
    /** Journeys per second (page, OCR upload + process, ingestion submit) outside the spike. */
    rate: rate.default(4),
    /** Health, auth and GPU checks per second, all run long: failed health checks are a gate. */
    checksRate: rate.default(2),
    /** The whole run; the chaos-smoke profile's fault timeline fits in the default. */
    duration: k6Duration.default('75s'),
    /** When the spike starts, how long it holds, and how high (rate x multiplier). */
    spikeAt: k6Duration.default('60s'),
    spikeDuration: k6Duration.default('8s'),
    spikeMultiplier: z.number().min(1).max(1000).default(4),
    preAllocatedVUs: vus.default(20),
    maxVUs: vus.default(200),
  })
  .strict();

export const loadSectionSchema = z
  .object({
    /** The stack under load. `chaosgate load --start-target` replaces it with the started target's URL. */
    baseUrl: z
      .string()
      .regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, 'must be an http:// or https:// URL')
      .transform((u) => u.replace(/\/+$/, ''))
      .default('http://127.0.0.1:8080'),
    /** The Celery queue whose depth the scenarios sample (all priority lists). */
    queue: z.string().regex(/^[\w.:-]+$/, 'letters, digits and _ . : - only').default('ingestion'),
    httpTimeout: k6Duration.default('30s'),
    /** How often the queue-depth and GPU-memory gauges are sampled during a scenario. */
    sampleIntervalMs: z.number().int().min(100).max(60_000).default(1000),
    spike: spikeSchema.prefault({}),
    soak: soakSchema.prefault({}),
    ingestion: ingestionSchema.prefault({}),
    ocr: ocrSchema.prefault({}),
    chaosSmoke: chaosSmokeSchema.prefault({}),
  })
  .strict()
  .refine((l) => l.spike.maxVUs >= l.spike.preAllocatedVUs, { message: 'must be >= spike.preAllocatedVUs', path: ['spike', 'maxVUs'] })
  .refine((l) => l.soak.maxVUs >= l.soak.preAllocatedVUs, { message: 'must be >= soak.preAllocatedVUs', path: ['soak', 'maxVUs'] })
  .refine((l) => l.ocr.maxVUs >= l.ocr.preAllocatedVUs, { message: 'must be >= ocr.preAllocatedVUs', path: ['ocr', 'maxVUs'] })
  .refine((l) => l.chaosSmoke.maxVUs >= l.chaosSmoke.preAllocatedVUs, {
    message: 'must be >= chaosSmoke.preAllocatedVUs',
    path: ['chaosSmoke', 'maxVUs'],
  });

export type LoadConfig = z.output<typeof loadSectionSchema>;
