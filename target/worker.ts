// The ingestion worker: pops embed tasks from the Celery queue (all priority lists, highest
// first, as kombu does), "embeds" (takes time), retries failures up to the limit and records
// each document's status. Runs inside the target or alone (`chaosgate target worker`), where
// chaos can SIGSTOP/SIGCONT/SIGKILL it.
import { ChaosToggles } from './chaos-toggles.js';
import { decodeMessage, enqueue, queueKeys } from './celery-queue.js';
import { IngestionStore } from './ingestion-store.js';
import { closeRedis, connectRedis, waitReady } from './redis.js';

export interface WorkerOptions {
  redisUrl: string;
  queue: string;
  embeddingMs: number;
  /** Probability that one attempt fails; the `ingestion` chaos error rate adds to it. */
  embeddingFailureRate: number;
  maxRetries: number;
  /** Embedding calls per second over all workers; 0: unlimited. */
  embeddingRateLimit?: number;
  /** Share the caller's toggles (inside the target); a lone worker reads its own. */
  toggles?: ChaosToggles;
}

export interface RunningWorker {
  /** Documents finished (processed or finally failed) by this worker. */
  readonly finished: number;
  /** Lets the current task finish, then returns. */
  stop(): Promise<void>;
}

/** How long one BRPOP blocks: bounds how long stop() waits. */
const POP_TIMEOUT_SECONDS = 0.5;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Chunks a document yields: always > 0, stable per document. */
function chunkCount(documentId: string): number {
  let h = 0;
  for (const c of documentId) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return 1 + (h % 8);
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  // A blocking BRPOP holds its connection; commands go over a second one.
  const blocking = connectRedis(opts.redisUrl);
  const commands = connectRedis(opts.redisUrl);
  await Promise.all([waitReady(blocking, 2000), waitReady(commands, 2000)]);
  const ownToggles = opts.toggles ? undefined : new ChaosToggles(commands);
  await ownToggles?.start();
  const toggles = opts.toggles ?? ownToggles!;
  const store = new IngestionStore(commands, opts.queue);
  const keys = queueKeys(opts.queue);
  let stopping = false;
  let finished = 0;

  async function handle(raw: string): Promise<void> {
    const task = decodeMessage(raw);
    if (!task) return;
    await store.startAttempt(task.documentId);
    let error: string | undefined;
    if (await store.takeEmbeddingCall(opts.embeddingRateLimit ?? 0)) {
      const faults = toggles.group('ingestion');
      await sleep(opts.embeddingMs + faults.latencyMs);
      const failureRate = Math.min(1, opts.embeddingFailureRate + faults.errorRate);
      if (Math.random() >= failureRate) {
        await store.processed(task.documentId, chunkCount(task.documentId));
        finished++;
        return;
      }
      error = 'embedding failed';
    } else {
      error = 'embedding rate limit (429)';
      // Back off to the next second's window, as a retry with a countdown would: an immediate
      // re-enqueue would burn every retry within the same refused second.
      await sleep(1000 - (Date.now() % 1000));
    }
    const willRetry = task.retries < opts.maxRetries;
    const retriesLeft = willRetry ? opts.maxRetries - task.retries - 1 : 0;
    await store.attemptFailed(task.documentId, error, retriesLeft, willRetry);
    if (willRetry) await enqueue(commands, opts.queue, { ...task, retries: task.retries + 1 });
    else finished++;
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      let popped: [string, string] | null = null;
      try {
        popped = await blocking.brpop(...keys, POP_TIMEOUT_SECONDS);
      } catch {
        await sleep(200); // Redis away: try again, bounded by stop()
        continue;
      }
      if (!popped) continue;
      try {
        await handle(popped[1]);
      } catch {
        // Redis went away mid-task: the document stays in its last recorded status, as a
        // Celery task lost with its worker would.
      }
    }
  }

  const running = loop();
  return {
    get finished() {
      return finished;
    },
    async stop() {
      stopping = true;
      await running;
      ownToggles?.stop();
      await Promise.all([closeRedis(blocking), closeRedis(commands)]);
    },
  };
}
