// ocr: upload + process at a constant rate; GPU memory (percent of total) sampled as a gauge.
import { config, durationSeconds } from './lib/config.ts';
import { processOcr, uploadDocument } from './lib/endpoints.ts';
import { samplerScenario } from './lib/samplers.ts';

export { sample } from './lib/samplers.ts';

const s = config.ocr;

export const options = {
  scenarios: {
    ocr: {
      executor: 'constant-arrival-rate' as const,
      rate: s.rate,
      timeUnit: '1s',
      duration: s.duration,
      preAllocatedVUs: s.preAllocatedVUs,
      maxVUs: s.maxVUs,
      exec: 'ocr',
    },
    samplers: samplerScenario(durationSeconds(s.duration)),
  },
};

export function ocr(): void {
  const id = uploadDocument();
  if (id) processOcr(id);
}
