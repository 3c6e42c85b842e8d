// The document/OCR service: upload, OCR on bounded GPU slots, health and GPU memory.
import { randomUUID } from 'node:crypto';
import { readJson, readUploadedFile, sleep, HttpError, type Route } from '../http.js';

const MAX_DOCUMENTS = 50_000;
const BACKENDS = new Set(['auto', 'gpu', 'cpu']);
/** The new PDF renderer (feature flag) is slower: the kill switch has something to undo. */
const NEW_RENDERER_SLOWDOWN = 1.5;

export const ocrRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/v1/documents/',
    group: 'ocr',
    handle: async ({ req, state }) => {
      const file = await readUploadedFile(req);
      const id = randomUUID();
      if (state.documents.size >= MAX_DOCUMENTS) state.documents.delete(state.documents.keys().next().value!);
      state.documents.set(id, file);
      return { status: 201, body: { document_id: id, filename: file.filename, size_bytes: file.bytes } };
    },
  },
  {
    method: 'POST',
    path: '/api/v1/ocr/process',
    group: 'ocr',
    handle: async ({ req, state, signal }) => {
      const body = await readJson(req);
      const documentId = body.document_id;
      const backend = body.backend ?? 'auto';
      if (typeof documentId !== 'string') throw new HttpError(422, 'document_id: required string');
      if (typeof backend !== 'string' || !BACKENDS.has(backend)) throw new HttpError(422, 'backend: one of auto, gpu, cpu');
      const doc = state.documents.get(documentId);
      if (!doc) return { status: 404, body: { error: 'unknown document_id' } };
      const queuedAt = Date.now();
      const release = await state.gpu.acquire(signal);
      if (!release) return { status: 499, body: { error: 'client closed the request' } };
      const waitMs = Date.now() - queuedAt;
      const newRenderer = state.toggles.newPdfRendererEnabled;
      const processingMs = state.config.ocrProcessingMs * (newRenderer ? NEW_RENDERER_SLOWDOWN : 1);
      try {
        await sleep(processingMs, signal);
      } finally {
        release();
      }
      const renderer = newRenderer ? 'new-pdf-renderer' : 'legacy-renderer';
      return {
        status: 200,
        headers: { 'x-pdf-renderer': renderer },
        body: {
          document_id: documentId,
          status: 'processed',
          backend: backend === 'auto' ? 'gpu' : backend,
          renderer,
          pages: 1 + (doc.bytes >> 12),
          queue_wait_ms: waitMs,
          processing_ms: processingMs,
        },
      };
    },
  },
  {
    method: 'GET',
    path: '/api/v1/health',
    group: 'gpu',
    handle: async () => ({ status: 200, body: { status: 'healthy' } }),
  },
  {
    method: 'GET',
    path: '/api/v1/health/gpu-memory',
    group: 'gpu',
    handle: async ({ state }) => {
      const { gpu } = state;
      return {
        status: 200,
        body: {
          used_bytes: gpu.usedBytes,
          total_bytes: gpu.totalBytes,
          used_percent: Math.round((gpu.usedBytes / gpu.totalBytes) * 10_000) / 100,
          active_jobs: gpu.activeJobs,
          waiting_jobs: gpu.waitingJobs,
        },
      };
    },
  },
];
