// The config a scenario runs with: the validated `load` section plus what the harness derives
// (the queue's Redis keys). Types only, shared with the Node side that writes the JSON file.
// Secrets (credentials, the Redis URL, which may carry a password) come by env, never in here.

export interface ScenarioConfig {
  baseUrl: string;
  queue: string;
  /** Every Redis list of the Celery queue (kombu's priority lists); the depth is their sum. */
  queueKeys: string[];
  httpTimeout: string;
  sampleIntervalMs: number;
  spike: {
    baselineRate: number;
    multiplier: number;
    baselineDuration: string;
    rampDuration: string;
    peakDuration: string;
    recoveryDuration: string;
    preAllocatedVUs: number;
    maxVUs: number;
  };
  soak: { rate: number; duration: string; preAllocatedVUs: number; maxVUs: number };
  ingestion: { batchSize: number; batches: number; pollIntervalMs: number; pollMaxAttempts: number };
  ocr: { rate: number; duration: string; preAllocatedVUs: number; maxVUs: number };
  chaosSmoke: {
    rate: number;
    checksRate: number;
    duration: string;
    spikeAt: string;
    spikeDuration: string;
    spikeMultiplier: number;
    preAllocatedVUs: number;
    maxVUs: number;
  };
  /**
   * Seconds of every duration text above, parsed by the harness's one parser (lib/duration.ts), so
   * the scenarios never parse a duration themselves.
   */
  seconds: Record<string, number>;
}

/** The env vars a scenario reads. */
export const scenarioEnv = {
  configFile: 'CHAOSGATE_SCENARIO_CONFIG',
  redisUrl: 'CHAOSGATE_REDIS_URL',
  username: 'CHAOSGATE_USERNAME',
  password: 'CHAOSGATE_PASSWORD',
} as const;
