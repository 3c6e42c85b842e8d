// The `target` section: the reference target's address, latencies, GPU slots and workers (issue 2).
import { z } from 'zod';
import { isLoopbackHost } from '../lib/net.js';

const GiB = 1024 ** 3;

export const targetSectionSchema = z
  .object({
    /** Loopback only: the reference target is load-tested and fault-injected, never exposed. */
    host: z.string().default('127.0.0.1').refine(isLoopbackHost, 'must be a loopback host (127.0.0.0/8, ::1, localhost)'),
    /** 0 picks a free port. */
    port: z.number().int().min(0).max(65535).default(8080),
    /** Time every web endpoint takes before answering. */
    webLatencyMs: z.number().min(0).max(60_000).default(2),
    /** Time one OCR job holds a GPU slot. */
    ocrProcessingMs: z.number().min(0).max(600_000).default(120),
    /** Concurrent OCR jobs; further requests wait for a free slot, as on a saturated GPU. */
    gpuSlots: z.number().int().min(1).max(1024).default(2),
    gpuTotalBytes: z.number().int().positive().default(16 * GiB),
    /** Memory in use with no job running (the loaded models). */
    gpuIdleBytes: z.number().int().min(0).default(2 * GiB),
    gpuBytesPerJob: z.number().int().min(0).default(4 * GiB),
    /** Ingestion workers inside the target process; 0 when the worker runs as its own process. */
    workers: z.number().int().min(0).max(64).default(1),
    /** The Celery queue (Redis list) the ingestion endpoint feeds. */
    queue: z.string().regex(/^[\w.:-]+$/, 'letters, digits and _ . : - only').default('ingestion'),
    /** Time one "embedding" takes. */
    embeddingMs: z.number().min(0).max(600_000).default(30),
    /** Probability that one embedding attempt fails (then retried up to maxRetries). */
    embeddingFailureRate: z.number().min(0).max(1).default(0),
    maxRetries: z.number().int().min(0).max(100).default(3),
    /**
     * Embeddings per second the (simulated) embedding API allows, over all workers; an attempt
     * beyond it fails as rate-limited and is retried. 0: no limit.
     */
    embeddingRateLimit: z.number().int().min(0).max(1_000_000).default(0),
  })
  .strict()
  .refine((t) => t.gpuIdleBytes <= t.gpuTotalBytes, { message: 'must not exceed gpuTotalBytes', path: ['gpuIdleBytes'] });

export type TargetConfig = z.output<typeof targetSectionSchema>;
