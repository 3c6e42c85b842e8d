// The `load` section: what the k6 scenarios drive (issue 2). The harness hands the validated
// section to k6 as a JSON file (see load/scenario-config.ts); k6 does not validate again.
import { z } from 'zod';
import { durationTextField } from '../lib/duration.js';

/** A duration handed to k6 as its text ("30s", "5m", "2h30m"); whole milliseconds become "<n>ms". */
export const k6Duration = durationTextField({ allowZero: true });

const rate = z.number().positive().max(100_000);
const vus = z.number().int().min(1).max(10_000);

const preAllocated = (n: number) => vus.default(n).describe("VUs k6 starts before the load (k6's preAllocatedVUs)");
const maxVus = (n: number) => vus.default(n).describe("VUs k6 may add when responses slow down (k6's maxVUs); at least preAllocatedVUs");

const spikeSchema = z
  .object({
    baselineRate: rate.default(4).describe('journeys per second before and after the spike'),
    multiplier: z.number().min(1).max(1000).default(6).describe('the peak rate is baselineRate × this (rounded up)'),
    baselineDuration: k6Duration.default('5s').describe('how long the baseline rate runs before the ramp up'),
    rampDuration: k6Duration.default('1s').describe('the ramp up to the peak (and the same back down)'),
    peakDuration: k6Duration.default('6s').describe('how long the peak rate holds'),
    recoveryDuration: k6Duration.default('4s').describe('how long the baseline rate runs after the ramp down'),
    preAllocatedVUs: preAllocated(20),
    maxVUs: maxVus(200),
  })
  .strict();

const soakSchema = z
  .object({
    rate: rate.default(4).describe('journeys per second, constant'),
    duration: k6Duration.default('30s').describe('how long the soak runs; the nightly soak runs for hours, e.g. "4h" (env CHAOSGATE_SOAK_DURATION)'),
    preAllocatedVUs: preAllocated(10),
    maxVUs: maxVus(100),
  })
  .strict();

const ingestionSchema = z
  .object({
    batchSize: z.number().int().min(1).max(10_000).default(5).describe('documents per mini-batch'),
    batches: z.number().int().min(1).max(10_000).default(2).describe('mini-batches, submitted one after another'),
    pollIntervalMs: z.number().int().min(10).max(60_000).default(100).describe("ms between two status polls of a batch's documents"),
    pollMaxAttempts: z.number().int().min(1).max(100_000).default(200).describe('poll rounds per batch before the remaining documents count as timed out'),
  })
  .strict();

const ocrSchema = z
  .object({
    rate: rate.default(4).describe('OCR jobs (upload + process) per second, constant'),
    duration: k6Duration.default('10s').describe('how long the OCR scenario runs'),
    preAllocatedVUs: preAllocated(10),
    maxVUs: maxVus(100),
  })
  .strict();

const chaosSmokeSchema = z
  .object({
    rate: rate.default(4).describe('journeys per second (page, OCR upload + process, ingestion submit) outside the spike'),
    checksRate: rate.default(2).describe('health, auth and GPU checks per second, all run long (failed health checks are a gate)'),
    duration: k6Duration.default('75s').describe("the whole run; the chaos-smoke profile's fault timeline fits in the default"),
    spikeAt: k6Duration.default('60s').describe('when the spike starts, from the start of the run'),
    spikeDuration: k6Duration.default('8s').describe('how long the spike holds'),
    spikeMultiplier: z.number().min(1).max(1000).default(4).describe("the spike's rate is rate × this (rounded up)"),
    preAllocatedVUs: preAllocated(20).describe("VUs k6 starts for the journeys before the load (k6's preAllocatedVUs); the checks have their own"),
    maxVUs: maxVus(200).describe("VUs k6 may add to the journeys when responses slow down (k6's maxVUs); at least preAllocatedVUs"),
  })
  .strict();

export const loadSectionSchema = z
  .object({
    baseUrl: z
      .string()
      .regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, 'must be an http:// or https:// URL')
      .transform((u) => u.replace(/\/+$/, ''))
      .default('http://127.0.0.1:8080')
      .describe('the stack under load; an external-stack run hands it to the script as CHAOSGATE_BASE_URL; `load --start-target` replaces it. Env CHAOSGATE_BASE_URL'),
    queue: z
      .string()
      .regex(/^[\w.:-]+$/, 'letters, digits and _ . : - only')
      .default('ingestion')
      .describe('the Celery queue whose depth the scenarios sample (all its priority lists)'),
    httpTimeout: k6Duration.default('30s').describe("k6's timeout of each request the scenarios send"),
    sampleIntervalMs: z.number().int().min(100).max(60_000).default(1000).describe('ms between two samples of the queue-depth and GPU-memory gauges during a scenario'),
    spike: spikeSchema.prefault({}).describe('the `spike` scenario: a baseline rate, a ramp up to a peak, back down'),
    soak: soakSchema.prefault({}).describe('the `soak` scenario: journeys at a constant rate, for hours at night'),
    ingestion: ingestionSchema.prefault({}).describe('the `ingestion` scenario: mini-batches submitted and polled until processed, then retrieved'),
    ocr: ocrSchema.prefault({}).describe('the `ocr` scenario: upload + process at a constant rate, GPU memory sampled'),
    chaosSmoke: chaosSmokeSchema.prefault({}).describe('the `chaos-smoke` scenario: steady journeys, health checks all along, one spike late in the run'),
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
