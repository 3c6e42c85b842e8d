// The JSON the scenarios read (path in env CHAOSGATE_SCENARIO_CONFIG): the validated `load`
// section plus the queue's Redis keys. No secrets: those travel by env (see k6-runner.ts).
import type { LoadConfig } from './config.js';
import { queueKeys } from '../target/celery-queue.js';
import { validatedMs } from '../lib/duration.js';
import type { ScenarioConfig } from '../scenarios/lib/scenario-config.js';

export type { ScenarioConfig } from '../scenarios/lib/scenario-config.js';
export { scenarioEnv } from '../scenarios/lib/scenario-config.js';

/** Every duration text of the section a scenario reads (all validated by the load schema). */
function durationTexts(load: LoadConfig): string[] {
  const { spike, soak, ocr, chaosSmoke } = load;
  return [
    load.httpTimeout,
    spike.baselineDuration,
    spike.rampDuration,
    spike.peakDuration,
    spike.recoveryDuration,
    soak.duration,
    ocr.duration,
    chaosSmoke.duration,
    chaosSmoke.spikeAt,
    chaosSmoke.spikeDuration,
  ];
}

export function buildScenarioConfig(load: LoadConfig, overrides: { baseUrl?: string } = {}): ScenarioConfig {
  return {
    seconds: Object.fromEntries(durationTexts(load).map((text) => [text, validatedMs(text) / 1000])),
    baseUrl: (overrides.baseUrl ?? load.baseUrl).replace(/\/+$/, ''),
    queue: load.queue,
    queueKeys: queueKeys(load.queue),
    httpTimeout: load.httpTimeout,
    sampleIntervalMs: load.sampleIntervalMs,
    spike: load.spike,
    soak: load.soak,
    ingestion: load.ingestion,
    ocr: load.ocr,
    chaosSmoke: load.chaosSmoke,
  };
}
