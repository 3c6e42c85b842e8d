// ingestion: submit a mini-batch, poll each document's status until processed (bounded),
// emit the end-to-end latency as a Trend and the queue depth (Celery layout) as a Gauge, and
// check that retrieval finds every processed document.
import { check, sleep } from 'k6';
import { config } from './lib/config.ts';
import { enqueueIngestion, ingestionStatus, retrievalResults } from './lib/endpoints.ts';
import { ingestionDocuments, ingestionLatency, sampleQueueDepth } from './lib/metrics.ts';

const s = config.ingestion;

export const options = {
  scenarios: {
    ingestion: {
      executor: 'per-vu-iterations' as const,
      vus: 1,
      iterations: s.batches,
      // Every poll round is bounded: the whole run is too.
      maxDuration: `${Math.ceil((s.batches * (s.pollMaxAttempts * s.pollIntervalMs + 5000 + s.batchSize * 200)) / 1000)}s`,
    },
  },
};

export default async function (): Promise<void> {
  const pending = new Map<string, number>();
  for (let i = 0; i < s.batchSize; i++) {
    const id = enqueueIngestion();
    if (id) pending.set(id, Date.now());
  }
  await sampleQueueDepth();
  const processed: string[] = [];
  for (let round = 0; round < s.pollMaxAttempts && pending.size > 0; round++) {
    sleep(s.pollIntervalMs / 1000);
    for (const [id, submittedAt] of pending) {
      const status = ingestionStatus(id);
      if (status?.status === 'processed') {
        ingestionLatency.add(Date.now() - submittedAt, { group: 'ingestion' });
        ingestionDocuments.add(1, { status: 'processed', group: 'ingestion' });
        processed.push(id);
        pending.delete(id);
      } else if (status?.status === 'failed') {
        ingestionDocuments.add(1, { status: 'failed', group: 'ingestion' });
        pending.delete(id);
      }
    }
    await sampleQueueDepth();
  }
  if (pending.size > 0) ingestionDocuments.add(pending.size, { status: 'timeout', group: 'ingestion' });
  check(processed, { 'mini-batch processed': (p) => p.length === s.batchSize });
  for (const id of processed) retrievalResults(id);
  await sampleQueueDepth();
}
