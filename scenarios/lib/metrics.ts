// The custom metrics: queue depth (Celery layout, all priority lists, via k6/x/redis), GPU
// memory in percent, and ingestion end-to-end latency.
import { Gauge, Trend, Counter } from 'k6/metrics';
import { Client, type RedisConnectionURL } from 'k6/x/redis';
import { config, redisUrl } from './config.ts';
import { gpuMemoryPercent } from './endpoints.ts';

export const queueDepth = new Gauge('queue_depth');
export const gpuMemoryUsedPercent = new Gauge('gpu_memory_used_percent');
export const ingestionLatency = new Trend('ingestion_e2e_latency', true);
/** Documents of a mini-batch by outcome: processed, failed, timeout. */
export const ingestionDocuments = new Counter('ingestion_documents');

const client = new Client(redisUrl as RedisConnectionURL);

/** Sums LLEN over every list of the queue; a Redis error is counted as a failed check, not a 0. */
export async function sampleQueueDepth(): Promise<void> {
  try {
    const lengths = await Promise.all(config.queueKeys.map((key) => client.llen(key)));
    queueDepth.add(
      lengths.reduce((a: number, b: number) => a + b, 0),
      { queue: config.queue, group: 'ingestion' },
    );
  } catch (err) {
    console.warn(`queue depth of ${config.queue} not sampled: ${String(err)}`);
  }
}

export function sampleGpuMemory(): void {
  const percent = gpuMemoryPercent();
  if (percent !== null) gpuMemoryUsedPercent.add(percent, { group: 'gpu' });
}
