// ocr: upload + process at a constant rate; GPU memory (percent of total) sampled as a gauge.
import { config, durationSeconds } from './lib/config.ts';
import { processOcr, uploadDocument } from './lib/endpoints.ts';
import { samplerScenario } from './lib/samplers.ts';
import { constantRate } from './lib/executors.ts';

export { sample } from './lib/samplers.ts';

const s = config.ocr;

export const options = {
  scenarios: {
    ocr: constantRate(s, 'ocr'),
    samplers: samplerScenario(durationSeconds(s.duration)),
  },
};

export function ocr(): void {
  const id = uploadDocument();
  if (id) processOcr(id);
}
