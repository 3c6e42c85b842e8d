// spike: ramping-arrival-rate journeys at a baseline rate, a sudden jump to multiplier x for a
// short time, back to the baseline; the gauges are sampled alongside.
import { config, durationSeconds } from './lib/config.ts';
import { journey } from './lib/journey.ts';
import { samplerScenario } from './lib/samplers.ts';

export { sample } from './lib/samplers.ts';

const s = config.spike;
const peak = Math.ceil(s.baselineRate * s.multiplier);
const total = [s.baselineDuration, s.rampDuration, s.peakDuration, s.rampDuration, s.recoveryDuration].reduce((t, d) => t + durationSeconds(d), 0);

export const options = {
  scenarios: {
    spike: {
      executor: 'ramping-arrival-rate' as const,
      startRate: s.baselineRate,
      timeUnit: '1s',
      preAllocatedVUs: s.preAllocatedVUs,
      maxVUs: s.maxVUs,
      stages: [
        { target: s.baselineRate, duration: s.baselineDuration },
        { target: peak, duration: s.rampDuration },
        { target: peak, duration: s.peakDuration },
        { target: s.baselineRate, duration: s.rampDuration },
        { target: s.baselineRate, duration: s.recoveryDuration },
      ],
      exec: 'spike',
    },
    samplers: samplerScenario(total),
  },
};

export function spike(): void {
  journey();
}
