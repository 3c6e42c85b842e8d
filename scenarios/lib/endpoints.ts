// One function per endpoint of the seeds' stack. Every request carries a stable `name` tag (the
// endpoint, never a URL with ids) and a `group` tag (web, ocr, gpu, ingestion, auth).
import http, { type RefinedResponse, type ResponseType } from 'k6/http';
import { check } from 'k6';
import { config, credentials } from './config.ts';

export type EndpointGroup = 'web' | 'ocr' | 'gpu' | 'ingestion' | 'auth';

type Res = RefinedResponse<ResponseType | undefined>;

const okStatuses = http.expectedStatuses({ min: 200, max: 399 });
// Bad credentials must answer 401: here that is the expected answer, not a failed request.
const unauthorizedExpected = http.expectedStatuses(401);

function params(name: string, group: EndpointGroup, extra: Record<string, unknown> = {}) {
  return { tags: { name, group }, timeout: config.httpTimeout, responseCallback: okStatuses, ...extra };
}

const url = (path: string) => `${config.baseUrl}${path}`;

function json<T>(res: Res): T | null {
  try {
    return res.json() as unknown as T;
  } catch {
    return null;
  }
}

const jsonHeaders = { headers: { 'Content-Type': 'application/json' } };

export const webPages = [
  ['/', 'GET /'],
  ['/health/liveliness', 'GET /health/liveliness'],
  ['/tenant-demo/', 'GET /tenant-demo/'],
  ['/health', 'GET /health'],
  ['/readiness', 'GET /readiness'],
  ['/admin/login/', 'GET /admin/login/'],
] as const;

export function webPage(path: string, name: string): Res {
  const res = http.get(url(path), params(name, 'web'));
  check(res, { [`${name} 200`]: (r) => r.status === 200 });
  return res;
}

export function home(): Res {
  return webPage('/', 'GET /');
}

export function login(): string | null {
  const res = http.post(url('/api/auth/login'), JSON.stringify(credentials), params('POST /api/auth/login', 'auth', jsonHeaders));
  const token = json<{ token?: string }>(res)?.token ?? null;
  check(res, { 'login 200 with a token': (r) => r.status === 200 && !!token });
  return token;
}

export function loginWithBadCredentials(): Res {
  const body = JSON.stringify({ username: credentials.username, password: `${credentials.password}-wrong` });
  const res = http.post(url('/api/auth/login'), body, params('POST /api/auth/login', 'auth', { ...jsonHeaders, responseCallback: unauthorizedExpected }));
  check(res, { 'bad credentials 401': (r) => r.status === 401 });
  return res;
}

const pdf = new Uint8Array(4096).fill(0x25).buffer;

export function uploadDocument(): string | null {
  const res = http.post(url('/api/v1/documents/'), { file: http.file(pdf, 'scan.pdf', 'application/pdf') }, params('POST /api/v1/documents/', 'ocr'));
  const id = json<{ document_id?: string }>(res)?.document_id ?? null;
  check(res, { 'upload 201 with an id': (r) => r.status === 201 && !!id });
  return id;
}

export function processOcr(documentId: string): Res {
  const body = JSON.stringify({ document_id: documentId, backend: 'auto' });
  const res = http.post(url('/api/v1/ocr/process'), body, params('POST /api/v1/ocr/process', 'ocr', jsonHeaders));
  check(res, { 'ocr processed': (r) => r.status === 200 && json<{ status?: string }>(r)?.status === 'processed' });
  return res;
}

export function ocrHealth(): Res {
  const res = http.get(url('/api/v1/health'), params('GET /api/v1/health', 'gpu'));
  check(res, { 'ocr health healthy': (r) => r.status === 200 && json<{ status?: string }>(r)?.status === 'healthy' });
  return res;
}

/** GPU memory in use, in percent of the total; null when the endpoint did not answer. */
export function gpuMemoryPercent(): number | null {
  const res = http.get(url('/api/v1/health/gpu-memory'), params('GET /api/v1/health/gpu-memory', 'gpu'));
  const body = json<{ used_bytes?: number; total_bytes?: number }>(res);
  const ok = res.status === 200 && typeof body?.used_bytes === 'number' && typeof body.total_bytes === 'number' && body.total_bytes > 0;
  check(res, { 'gpu memory reported': () => ok });
  return ok ? (body!.used_bytes! / body!.total_bytes!) * 100 : null;
}

export function enqueueIngestion(priority = 0): string | null {
  const body = JSON.stringify({ title: 'chaosgate mini-batch document', priority });
  const res = http.post(url('/api/ingestion/documents'), body, params('POST /api/ingestion/documents', 'ingestion', jsonHeaders));
  const id = json<{ document_id?: string }>(res)?.document_id ?? null;
  check(res, { 'ingestion accepted': (r) => r.status === 202 && !!id });
  return id;
}

export interface IngestionStatus {
  status: string;
  retries_left: number;
  attempts: number;
}

export function ingestionStatus(documentId: string): IngestionStatus | null {
  const res = http.get(url(`/api/ingestion/documents/${documentId}`), params('GET /api/ingestion/documents/:id', 'ingestion'));
  return res.status === 200 ? json<IngestionStatus>(res) : null;
}

export function retrievalResults(documentId: string): number {
  const res = http.get(url(`/api/rag/retrieve?document_id=${documentId}`), params('GET /api/rag/retrieve', 'ingestion'));
  const n = json<{ retrieval_results?: number }>(res)?.retrieval_results ?? 0;
  check(res, { 'retrieval_results > 0': (r) => r.status === 200 && n > 0 });
  return n;
}
