// One user journey of the spike and soak: a page, an OCR job, an ingestion submit. Priorities
// rotate over kombu's steps so every priority list of the queue sees traffic.
import exec from 'k6/execution';
import { enqueueIngestion, home, processOcr, uploadDocument } from './endpoints.ts';

const PRIORITIES = [0, 3, 6, 9];

export function journey(): void {
  home();
  const id = uploadDocument();
  if (id) processOcr(id);
  enqueueIngestion(PRIORITIES[exec.scenario.iterationInTest % PRIORITIES.length]);
}
