// Celery's Redis layout (kombu's Redis transport), for the queue the ingestion endpoint feeds:
// a queue is a Redis list named after it; a message with priority p goes to the list
// `<queue>` + "\x06\x16" + step, where step is p rounded down to one of the priority steps
// [0, 3, 6, 9] and step 0 is the plain `<queue>` list. Producers LPUSH, consumers BRPOP the
// keys in step order (0 first). The queue depth is the sum of LLEN over all of them.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { celeryQueueKeys, KOMBU_PRIORITY_STEPS as PRIORITY_STEPS } from '../lib/celery-layout.js';

/** The step kombu files priority `priority` under (rounded down to a step). */
export function priorityStep(priority: number): number {
  let step: number = PRIORITY_STEPS[0];
  for (const s of PRIORITY_STEPS) if (priority >= s) step = s;
  return step;
}

/** The Redis list holding `queue`'s messages of the given priority. */
export function queueKey(queue: string, priority = 0): string {
  return celeryQueueKeys(queue, [priorityStep(priority)])[0]!;
}

/** Every Redis list of `queue`, in the order a consumer pops them. */
export function queueKeys(queue: string): string[] {
  return celeryQueueKeys(queue);
}

/** Messages waiting in `queue`, over all priority lists. */
export async function queueDepth(redis: Redis, queue: string): Promise<number> {
  const pipeline = redis.pipeline();
  for (const key of queueKeys(queue)) pipeline.llen(key);
  const results = (await pipeline.exec()) ?? [];
  let depth = 0;
  for (const [err, n] of results) {
    if (err) throw err;
    depth += Number(n);
  }
  return depth;
}

export interface EmbedTask {
  documentId: string;
  /** Attempts already made (Celery's `retries` header). */
  retries: number;
  priority: number;
}

const TASK_NAME = 'ingestion.embed_document';

/** A Celery protocol-2 message envelope as kombu stores it (JSON, body base64). */
export function encodeMessage(queue: string, task: EmbedTask): string {
  const id = randomUUID();
  const body = Buffer.from(JSON.stringify([[task.documentId], {}, { callbacks: null, errbacks: null, chain: null, chord: null }])).toString('base64');
  return JSON.stringify({
    body,
    'content-encoding': 'utf-8',
    'content-type': 'application/json',
    headers: {
      lang: 'py',
      task: TASK_NAME,
      id,
      root_id: id,
      parent_id: null,
      group: null,
      retries: task.retries,
      argsrepr: `('${task.documentId}',)`,
      kwargsrepr: '{}',
      origin: 'chaosgate-target',
    },
    properties: {
      correlation_id: id,
      delivery_mode: 2,
      delivery_info: { exchange: '', routing_key: queue },
      priority: task.priority,
      body_encoding: 'base64',
      delivery_tag: randomUUID(),
    },
  });
}

/** The task inside a message, or null when the message is not ours (left for someone else's worker). */
export function decodeMessage(raw: string): EmbedTask | null {
  try {
    const msg = JSON.parse(raw) as {
      body: string;
      headers?: { task?: string; retries?: number };
      properties?: { priority?: number };
    };
    if (msg.headers?.task !== TASK_NAME) return null;
    const [args] = JSON.parse(Buffer.from(msg.body, 'base64').toString('utf8')) as [unknown[]];
    const documentId = args[0];
    if (typeof documentId !== 'string') return null;
    return { documentId, retries: msg.headers.retries ?? 0, priority: msg.properties?.priority ?? 0 };
  } catch {
    return null;
  }
}

export async function enqueue(redis: Redis, queue: string, task: EmbedTask): Promise<void> {
  await redis.lpush(queueKey(queue, task.priority), encodeMessage(queue, task));
}
