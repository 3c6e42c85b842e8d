// The JSON the scenarios read (path in env CHAOSGATE_SCENARIO_CONFIG): the validated `load`
// section plus the queue's Redis keys. No secrets: those travel by env (see k6-runner.ts).
import type { LoadConfig } from './config.js';
import { queueKeys } from '../target/celery-queue.js';
import type { ScenarioConfig } from '../scenarios/lib/scenario-config.js';

export type { ScenarioConfig } from '../scenarios/lib/scenario-config.js';
export { scenarioEnv } from '../scenarios/lib/scenario-config.js';

export function buildScenarioConfig(load: LoadConfig, overrides: { baseUrl?: string } = {}): ScenarioConfig {
  return {
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
