// Small HTTP pieces for the target's routes: bounded body reading, JSON replies, a minimal
// multipart reader (one file part is all the upload endpoint needs).
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ChaosToggles, EndpointGroup } from './chaos-toggles.js';
import type { Gpu } from './gpu.js';
import type { IngestionStore } from './ingestion-store.js';
import type { TargetConfig } from './config.js';
import type { Credentials } from './credentials.js';
import type { Redis } from 'ioredis';

export interface Reply {
  status: number;
  body: unknown;
  /** Default: application/json (body serialised); text/* bodies are sent as they are. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface TargetState {
  config: TargetConfig;
  redis: Redis;
  toggles: ChaosToggles;
  gpu: Gpu;
  ingestion: IngestionStore;
  credentials: Credentials;
  /** Session tokens handed out by the login endpoint. */
  tokens: Set<string>;
  /** Uploaded documents (id -> size), bounded. */
  documents: Map<string, { filename: string; bytes: number }>;
  adminToken: string | undefined;
  maintenance: boolean;
}

export interface RouteContext {
  req: IncomingMessage;
  url: URL;
  params: Record<string, string>;
  state: TargetState;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Path with `:param` segments. */
  path: string;
  group: EndpointGroup | 'admin';
  handle(ctx: RouteContext): Promise<Reply>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const MAX_BODY_BYTES = 20 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = (await readBody(req)).toString('utf8');
  try {
    const value: unknown = JSON.parse(text || '{}');
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'body must be a JSON object');
}

/** The first file part of a multipart/form-data body: its filename and size in bytes. */
export async function readUploadedFile(req: IncomingMessage): Promise<{ filename: string; bytes: number }> {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(req.headers['content-type'] ?? '');
  if (!/^multipart\/form-data/i.test(req.headers['content-type'] ?? '') || !boundary) {
    throw new HttpError(415, 'expected multipart/form-data with a file part');
  }
  const body = await readBody(req);
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const headerEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (headerEnd < 0 || next < 0) break;
    const headers = body.subarray(start, headerEnd).toString('utf8');
    const filename = /filename="([^"]*)"/i.exec(headers);
    if (filename) return { filename: filename[1] ?? '', bytes: next - 2 - (headerEnd + 4) };
    start = next;
  }
  throw new HttpError(400, 'multipart body has no file part');
}

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (ms <= 0) return resolve();
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** Constant-time secret comparison (hashed first, so not even the length leaks). */
export function sameSecret(given: string, expected: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(given), h(expected));
}
