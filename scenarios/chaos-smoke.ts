// chaos-smoke: the load of the seeds' chaos smoke. Steady journeys (page, OCR upload + process,
// ingestion submit) with one spike late in the run, health/auth/GPU checks all along, and the
// gauges sampled alongside. The faults themselves come from chaosgate's plan, not from here.
import exec from 'k6/execution';
import { config, durationSeconds } from './lib/config.ts';
import { constantRate } from './lib/executors.ts';
import { gpuMemoryPercent, login, loginWithBadCredentials, ocrHealth, webPage } from './lib/endpoints.ts';
import { journey } from './lib/journey.ts';
import { samplerScenario } from './lib/samplers.ts';

export { sample } from './lib/samplers.ts';

const s = config.chaosSmoke;
const total = durationSeconds(s.duration);
const spikeAt = Math.min(durationSeconds(s.spikeAt), total);
const spikeHold = Math.max(0, Math.min(durationSeconds(s.spikeDuration), total - spikeAt));
const peak = Math.ceil(s.rate * s.spikeMultiplier);
const after = Math.max(0, total - spikeAt - spikeHold);

// A one-second ramp each way: k6's ramping stages interpolate, so 0 s would be a jump k6 smooths anyway.
const stages = [{ target: s.rate, duration: `${Math.max(1, spikeAt - 1)}s` }];
if (spikeHold > 0) stages.push({ target: peak, duration: '1s' }, { target: peak, duration: `${Math.max(1, spikeHold - 1)}s` });
if (after > 0) stages.push({ target: s.rate, duration: '1s' }, { target: s.rate, duration: `${Math.max(1, after - 1)}s` });

export const options = {
  scenarios: {
    journeys: {
      executor: 'ramping-arrival-rate' as const,
      startRate: s.rate,
      timeUnit: '1s',
      preAllocatedVUs: s.preAllocatedVUs,
      maxVUs: s.maxVUs,
      stages,
      exec: 'journeys',
    },
    checks: constantRate({ rate: s.checksRate, duration: s.duration, preAllocatedVUs: 4, maxVUs: 40 }, 'checks'),
    samplers: samplerScenario(total),
  },
};

export function journeys(): void {
  journey();
}

const HEALTH: ReadonlyArray<readonly [string, string]> = [
  ['/health/liveliness', 'GET /health/liveliness'],
  ['/health', 'GET /health'],
  ['/readiness', 'GET /readiness'],
];
/** One health/auth/GPU check per iteration, rotating over the whole scenario (not per VU), so every group is seen evenly all run long. */
export function checks(): void {
  const round = exec.scenario.iterationInTest;
  const step = round % 6;
  if (step < HEALTH.length) {
    const [path, name] = HEALTH[step]!;
    webPage(path, name);
  } else if (step === 3) ocrHealth();
  else if (step === 4) gpuMemoryPercent();
  else if (round % 12 === 11) login();
  else loginWithBadCredentials();
}
