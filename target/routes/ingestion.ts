// Ingestion (the RAG platform's Celery side): enqueue for embedding, status by id, retrieval,
// and the queue's depth as the probes see it.
import { readJson, HttpError, type Route } from '../http.js';
import { enqueue, queueDepth } from '../celery-queue.js';

export const ingestionRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/ingestion/documents',
    group: 'ingestion',
    handle: async ({ req, state }) => {
      const body = await readJson(req);
      const priority = body.priority ?? 0;
      if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 9) {
        throw new HttpError(422, 'priority: integer 0..9');
      }
      const { queue, maxRetries } = state.config;
      const id = await state.ingestion.create(maxRetries);
      await enqueue(state.redis, queue, { documentId: id, retries: 0, priority });
      return { status: 202, body: { document_id: id, queue, status: 'queued' } };
    },
  },
  {
    method: 'GET',
    path: '/api/ingestion/documents/:id',
    group: 'ingestion',
    handle: async ({ params, state }) => {
      const status = await state.ingestion.get(params.id!);
      return status ? { status: 200, body: status } : { status: 404, body: { error: 'unknown document_id' } };
    },
  },
  {
    method: 'GET',
    path: '/api/ingestion/queue',
    group: 'ingestion',
    handle: async ({ state }) => ({
      status: 200,
      body: {
        queue: state.config.queue,
        depth: await queueDepth(state.redis, state.config.queue),
        retrying: await state.ingestion.retryingCount(),
        embedding_errors: await state.ingestion.embeddingErrors(),
        rate_limited: await state.ingestion.rateLimited(),
      },
    }),
  },
  {
    method: 'GET',
    path: '/api/rag/retrieve',
    group: 'ingestion',
    handle: async ({ url, state }) => {
      const id = url.searchParams.get('document_id');
      if (!id) throw new HttpError(422, 'document_id: required query parameter');
      const status = await state.ingestion.get(id);
      if (!status) return { status: 404, body: { error: 'unknown document_id' } };
      return { status: 200, body: { document_id: id, retrieval_results: status.status === 'processed' ? status.chunks : 0 } };
    },
  },
];
