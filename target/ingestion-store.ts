// Per-document ingestion status in Redis, shared by the HTTP target and worker processes.
//   chaosgate:<queue>:doc:<id>          hash: status, attempts, retries_left, max_retries, chunks,
//                                        enqueued_at, processed_at (epoch ms), last_error
//   chaosgate:<queue>:retrying          set of document ids that failed and still have a retry open
//                                        (queued or running); empty when no retries are left open
//   chaosgate:<queue>:embedding_errors  counter of failed embedding attempts
//   chaosgate:<queue>:rate_limited      counter of attempts refused by the embedding rate limit
//   chaosgate:<queue>:embed_calls:<s>   attempts started in epoch second s (expires after 2 s)
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

export type IngestionStatus = 'queued' | 'processing' | 'retrying' | 'processed' | 'failed';

export interface DocumentStatus {
  document_id: string;
  status: IngestionStatus;
  attempts: number;
  retries_left: number;
  max_retries: number;
  chunks: number;
  enqueued_at: number;
  processed_at: number | null;
  last_error: string | null;
}

/** Status hashes expire: the target is a stand-in, not a store. */
const DOC_TTL_SECONDS = 24 * 3600;

export const ingestionKeys = {
  doc: (queue: string, id: string) => `chaosgate:${queue}:doc:${id}`,
  retrying: (queue: string) => `chaosgate:${queue}:retrying`,
  embeddingErrors: (queue: string) => `chaosgate:${queue}:embedding_errors`,
  rateLimited: (queue: string) => `chaosgate:${queue}:rate_limited`,
  embedCalls: (queue: string, second: number) => `chaosgate:${queue}:embed_calls:${second}`,
} as const;

export class IngestionStore {
  constructor(
    private readonly redis: Redis,
    private readonly queue: string,
  ) {}

  async create(maxRetries: number): Promise<string> {
    const id = randomUUID();
    const key = ingestionKeys.doc(this.queue, id);
    await this.redis
      .multi()
      .hset(key, { status: 'queued', attempts: 0, retries_left: maxRetries, max_retries: maxRetries, chunks: 0, enqueued_at: Date.now() })
      .expire(key, DOC_TTL_SECONDS)
      .exec();
    return id;
  }

  async get(id: string): Promise<DocumentStatus | null> {
    const h = await this.redis.hgetall(ingestionKeys.doc(this.queue, id));
    if (!h.status) return null;
    return {
      document_id: id,
      status: h.status as IngestionStatus,
      attempts: Number(h.attempts ?? 0),
      retries_left: Number(h.retries_left ?? 0),
      max_retries: Number(h.max_retries ?? 0),
      chunks: Number(h.chunks ?? 0),
      enqueued_at: Number(h.enqueued_at ?? 0),
      processed_at: h.processed_at ? Number(h.processed_at) : null,
      last_error: h.last_error ?? null,
    };
  }

  async startAttempt(id: string): Promise<void> {
    const key = ingestionKeys.doc(this.queue, id);
    await this.redis.multi().hset(key, 'status', 'processing').hincrby(key, 'attempts', 1).exec();
  }

  async processed(id: string, chunks: number): Promise<void> {
    await this.redis.multi().hset(ingestionKeys.doc(this.queue, id), { status: 'processed', chunks, processed_at: Date.now() }).srem(ingestionKeys.retrying(this.queue), id).exec();
  }

  /** A failed attempt, either queued again (`willRetry`) or final. */
  async attemptFailed(id: string, error: string, retriesLeft: number, willRetry: boolean): Promise<void> {
    const key = ingestionKeys.doc(this.queue, id);
    const tx = this.redis
      .multi()
      .hset(key, { status: willRetry ? 'retrying' : 'failed', retries_left: retriesLeft, last_error: error })
      .incr(ingestionKeys.embeddingErrors(this.queue));
    if (willRetry) tx.sadd(ingestionKeys.retrying(this.queue), id);
    else tx.srem(ingestionKeys.retrying(this.queue), id);
    await tx.exec();
  }

  /**
   * Counts one embedding call against the per-second limit shared by every worker; false when
   * the call is over the limit (then counted as rate-limited).
   */
  async takeEmbeddingCall(limitPerSecond: number): Promise<boolean> {
    if (limitPerSecond <= 0) return true;
    const key = ingestionKeys.embedCalls(this.queue, Math.floor(Date.now() / 1000));
    const [[, calls]] = (await this.redis.multi().incr(key).expire(key, 2).exec()) as [[Error | null, number]];
    if (calls <= limitPerSecond) return true;
    await this.redis.incr(ingestionKeys.rateLimited(this.queue));
    return false;
  }

  async rateLimited(): Promise<number> {
    return Number((await this.redis.get(ingestionKeys.rateLimited(this.queue))) ?? 0);
  }

  retryingCount(): Promise<number> {
    return this.redis.scard(ingestionKeys.retrying(this.queue));
  }

  async embeddingErrors(): Promise<number> {
    return Number((await this.redis.get(ingestionKeys.embeddingErrors(this.queue))) ?? 0);
  }
}
