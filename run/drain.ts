// The ingestion drain check after the load (seed 000, stage 9): the queue empties within a
// timeout, no task waits for a retry, and a canary document goes through to retrieval with
// retrieval_results > 0. Every request here is bounded by the one timeout.
import type { Analysis } from '../model/analysis.js';

type Drain = NonNullable<Analysis['drain']>;

export interface DrainOptions {
  baseUrl: string;
  queue: string;
  timeoutMs: number;
  pollMs?: number;
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function getJson(url: string, deadline: number, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown> | null }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(Math.max(1, Math.min(5000, deadline - Date.now()))) });
  const text = await res.text();
  let body: Record<string, unknown> | null = null;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = null;
  }
  return { status: res.status, body };
}

export async function checkDrain(opts: DrainOptions): Promise<Drain> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  const pollMs = opts.pollMs ?? 250;
  let depth = -1;
  let retrying = -1;
  // 1. The queue and the retry set empty out.
  while (!opts.signal?.aborted) {
    try {
      const q = await getJson(`${opts.baseUrl}/api/ingestion/queue`, deadline);
      if (q.status === 200 && q.body) {
        depth = Number(q.body.depth);
        retrying = Number(q.body.retrying);
        if (depth === 0 && retrying === 0) break;
      }
    } catch {
      // A failed poll is retried until the deadline; the last known figures stand.
    }
    if (Date.now() + pollMs >= deadline) break;
    await sleep(pollMs);
  }
  const drained = depth === 0 && retrying === 0;
  // 2. A canary document through ingestion to retrieval, within what is left of the timeout.
  let retrievalResults: number | null = null;
  if (drained) {
    try {
      const created = await getJson(`${opts.baseUrl}/api/ingestion/documents`, deadline, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ priority: 0 }),
      });
      const id = created.body?.document_id;
      if (typeof id === 'string') {
        while (Date.now() < deadline && !opts.signal?.aborted) {
          const s = await getJson(`${opts.baseUrl}/api/ingestion/documents/${encodeURIComponent(id)}`, deadline);
          if (s.body?.status === 'processed' || s.body?.status === 'failed') break;
          await sleep(pollMs);
        }
        const r = await getJson(`${opts.baseUrl}/api/rag/retrieve?document_id=${encodeURIComponent(id)}`, deadline);
        retrievalResults = typeof r.body?.retrieval_results === 'number' ? r.body.retrieval_results : 0;
      }
    } catch {
      retrievalResults = 0;
    }
  }
  return {
    queue: opts.queue,
    drained,
    depthAtEnd: Math.max(0, depth),
    waitedMs: Date.now() - started,
    retriesLeft: Math.max(0, retrying),
    retrievalResults,
  };
}
