// Generates k6-shaped NDJSON for the evaluator benchmark: the k6 v2 line shape (metric last), the
// metrics one HTTP request and one iteration produce, realistic tag sets (~300–350-byte lines),
// latencies with a long tail and a few errors. Deterministic for a given seed.
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { once } from 'node:events';
import type { Writable } from 'node:stream';

const ENDPOINTS = [
  ['POST', '::ocr', '/api/v1/ocr/process'],
  ['POST', '::documents', '/api/v1/documents/'],
  ['GET', '::health', '/api/v1/health'],
  ['GET', '::health', '/api/v1/health/gpu-memory'],
  ['GET', '::tenant', '/tenant-demo/'],
  ['GET', '::health', '/health/liveliness'],
  ['GET', '::api', '/readiness'],
  ['POST', '::auth', '/api/v1/auth/login'],
] as const;
const STATUSES = ['200', '200', '200', '200', '200', '200', '200', '200', '201', '401', '503'];
const SCENARIOS = ['spike', 'soak'];
const REQUEST_METRICS = ['http_reqs', 'http_req_duration', 'http_req_blocked', 'http_req_connecting', 'http_req_tls_handshaking', 'http_req_sending', 'http_req_waiting', 'http_req_receiving', 'http_req_failed'];

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function requestTags(method: string, group: string, path: string, status: string, scenario: string): string {
  const url = `http://127.0.0.1:8000${path}`;
  const expected = status.startsWith('2') ? 'true' : 'false';
  return JSON.stringify({ expected_response: expected, group, method, name: url, proto: 'HTTP/1.1', scenario, status, tls_version: '', url });
}

/** Writes `points` sample lines (plus Metric lines) to `path`, gzip-compressed when `gzip`. */
export async function generateNdjson(path: string, points: number, opts: { gzip?: boolean; seed?: number } = {}): Promise<void> {
  const random = rng(opts.seed ?? 1);
  const file = createWriteStream(path, { highWaterMark: 1 << 20 });
  const out: Writable = opts.gzip ? createGzip({ level: 1 }) : file;
  if (opts.gzip) (out as ReturnType<typeof createGzip>).pipe(file);
  const metrics = [...REQUEST_METRICS, 'data_sent', 'data_received', 'iteration_duration', 'iterations'];
  const kinds: Record<string, [string, string]> = {
    http_reqs: ['counter', 'default'], http_req_failed: ['rate', 'default'], data_sent: ['counter', 'data'],
    data_received: ['counter', 'data'], iterations: ['counter', 'default'],
  };
  let buf = '';
  for (const m of metrics) {
    const [type, contains] = kinds[m] ?? ['trend', 'time'];
    buf += JSON.stringify({ type: 'Metric', data: { name: m, type, contains, thresholds: [], submetrics: null }, metric: m }) + '\n';
  }
  const tagSets: string[] = [];
  for (const [method, group, path2] of ENDPOINTS) for (const status of STATUSES) for (const sc of SCENARIOS) tagSets.push(requestTags(method, group, path2, status, sc));
  const iterTags = SCENARIOS.map((sc) => JSON.stringify({ group: '', scenario: sc }));
  let written = 0;
  let time = Date.UTC(2026, 0, 1, 2);
  const line = (iso: string, value: number, tags: string, metric: string) =>
    `{"type":"Point","data":{"time":"${iso}","value":${value},"tags":${tags}},"metric":"${metric}"}\n`;
  while (written < points) {
    time += 0.5 + random() * 2; // ~800 requests per second
    const iso = new Date(Math.floor(time)).toISOString().slice(0, 23) + String(Math.floor(random() * 1e6)).padStart(6, '0') + 'Z';
    const t = Math.floor(random() * tagSets.length);
    const tags = tagSets[t]!;
    const failed = tags.includes('"expected_response":"false"') ? 1 : 0;
    const base = 5 + -Math.log(random() + 1e-12) * (t % 8 === 0 ? 400 : 40);
    // k6 derives milliseconds from integer nanoseconds: short decimals, as in real output.
    const ms = (v: number) => Math.round(v * 1e6) / 1e6;
    const values = [1, ms(base), ms(random() * 0.05), 0, 0, ms(random() * 0.1), ms(base * 0.97), ms(random() * 0.3), failed];
    for (let i = 0; i < REQUEST_METRICS.length && written < points; i++, written++) buf += line(iso, values[i]!, tags, REQUEST_METRICS[i]!);
    if (random() < 0.25 && written + 4 <= points) {
      const it = iterTags[t % 2]!;
      buf += line(iso, Math.floor(200 + random() * 2000), it, 'data_sent');
      buf += line(iso, Math.floor(500 + random() * 20000), it, 'data_received');
      buf += line(iso, ms(base + random() * 5), it, 'iteration_duration');
      buf += line(iso, 1, it, 'iterations');
      written += 4;
    }
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(file, 'close');
}
