// A scenario that samples the gauges every sampleIntervalMs alongside the load, for as long as it.
import { sleep } from 'k6';
import { config } from './config.ts';
import { sampleGpuMemory, sampleQueueDepth } from './metrics.ts';

export function samplerScenario(durationSeconds: number) {
  return {
    executor: 'constant-vus' as const,
    vus: 1,
    duration: `${Math.max(1, Math.ceil(durationSeconds))}s`,
    exec: 'sample',
    gracefulStop: '2s',
  };
}

/** The sampler scenario's function: each scenario file re-exports it as `sample`. */
export async function sample(): Promise<void> {
  await sampleQueueDepth();
  sampleGpuMemory();
  sleep(config.sampleIntervalMs / 1000);
}
