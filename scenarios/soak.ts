// soak: constant-arrival-rate journeys for a configurable duration (the nightly soak: hours).
import { config, durationSeconds } from './lib/config.ts';
import { journey } from './lib/journey.ts';
import { samplerScenario } from './lib/samplers.ts';
import { constantRate } from './lib/executors.ts';

export { sample } from './lib/samplers.ts';

const s = config.soak;

export const options = {
  scenarios: {
    soak: constantRate(s, 'soak'),
    samplers: samplerScenario(durationSeconds(s.duration)),
  },
};

export function soak(): void {
  journey();
}
