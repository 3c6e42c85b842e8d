// The `target` section: the reference target's address, latencies, GPU slots and workers (issue 2).
import { z } from 'zod';
import { isLoopbackHost } from '../lib/net.js';

const GiB = 1024 ** 3;

export const targetSectionSchema = z
  .object({
    host: z
      .string()
      .default('127.0.0.1')
      .refine(isLoopbackHost, 'must be a loopback host (127.0.0.0/8, ::1, localhost)')
      .describe('where the reference target listens; loopback only: it is load-tested and fault-injected, never exposed'),
    port: z.number().int().min(0).max(65535).default(8080).describe("`chaosgate target`'s port; 0 picks a free one (a run's reference stack always does)"),
    webLatencyMs: z.number().min(0).max(60_000).default(2).describe('ms every web endpoint takes before answering'),
    ocrProcessingMs: z.number().min(0).max(600_000).default(120).describe('ms one OCR job holds a GPU slot'),
    gpuSlots: z.number().int().min(1).max(1024).default(2).describe('concurrent OCR jobs; further requests wait for a free slot, as on a saturated GPU'),
    gpuTotalBytes: z
      .number()
      .int()
      .positive()
      .default(16 * GiB)
      .describe('memory of the simulated GPU, bytes (the GPU memory gauge is a percentage of it)'),
    gpuIdleBytes: z
      .number()
      .int()
      .min(0)
      .default(2 * GiB)
      .describe('GPU memory in use with no job running (the loaded models), bytes; at most gpuTotalBytes'),
    gpuBytesPerJob: z
      .number()
      .int()
      .min(0)
      .default(4 * GiB)
      .describe('GPU memory each running OCR job adds, bytes (use is capped at gpuTotalBytes)'),
    workers: z
      .number()
      .int()
      .min(0)
      .max(64)
      .default(1)
      .describe('ingestion workers inside the target process; 0 when the worker runs as its own process (`chaosgate target worker`)'),
    queue: z
      .string()
      .regex(/^[\w.:-]+$/, 'letters, digits and _ . : - only')
      .default('ingestion')
      .describe('the Celery queue (a Redis list) the ingestion endpoint feeds'),
    embeddingMs: z.number().min(0).max(600_000).default(30).describe('ms one simulated embedding takes'),
    embeddingFailureRate: z.number().min(0).max(1).default(0).describe('probability (0–1) that one embedding attempt fails; a failed attempt is retried up to maxRetries'),
    maxRetries: z.number().int().min(0).max(100).default(3).describe('retries of a failed embedding before the document counts as failed'),
    embeddingRateLimit: z
      .number()
      .int()
      .min(0)
      .max(1_000_000)
      .default(0)
      .describe('embeddings per second the simulated embedding API allows over all workers; an attempt beyond it fails (429) and is retried; 0: no limit'),
  })
  .strict()
  .refine((t) => t.gpuIdleBytes <= t.gpuTotalBytes, { message: 'must not exceed gpuTotalBytes', path: ['gpuIdleBytes'] });

export type TargetConfig = z.output<typeof targetSectionSchema>;
