// smoke: every endpoint once, with checks; any failed check fails the run (exit 99).
import { config } from './lib/config.ts';
import { enqueueIngestion, ingestionStatus, login, loginWithBadCredentials, ocrHealth, processOcr, retrievalResults, uploadDocument, webPage, webPages } from './lib/endpoints.ts';
import { ingestionDocuments, ingestionLatency, sampleGpuMemory, sampleQueueDepth } from './lib/metrics.ts';
import { check, sleep } from 'k6';

export const options = {
  scenarios: { smoke: { executor: 'shared-iterations' as const, vus: 1, iterations: 1, maxDuration: '60s' } },
  thresholds: { checks: ['rate==1'] },
};

export default async function (): Promise<void> {
  for (const [path, name] of webPages) webPage(path, name);
  login();
  loginWithBadCredentials();
  ocrHealth();
  sampleGpuMemory();
  const docId = uploadDocument();
  if (docId) processOcr(docId);

  const submittedAt = Date.now();
  const ingestId = enqueueIngestion();
  await sampleQueueDepth();
  let status = ingestId ? ingestionStatus(ingestId) : null;
  for (let i = 0; ingestId && i < config.ingestion.pollMaxAttempts && status?.status !== 'processed' && status?.status !== 'failed'; i++) {
    sleep(config.ingestion.pollIntervalMs / 1000);
    status = ingestionStatus(ingestId);
  }
  const processed = status?.status === 'processed';
  check(status, { 'ingestion processed': () => processed });
  ingestionDocuments.add(1, { status: processed ? 'processed' : (status?.status ?? 'timeout'), group: 'ingestion' });
  if (processed && ingestId) {
    ingestionLatency.add(Date.now() - submittedAt, { group: 'ingestion' });
    retrievalResults(ingestId);
  }
  await sampleQueueDepth();
}
