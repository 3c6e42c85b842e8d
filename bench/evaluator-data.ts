// Data for the evaluator benchmark, from output the real k6 wrote: a short k6 run against a tiny
// loopback server is recorded once (NDJSON, in UTC), then replicated in order, each copy shifted
// by the recording's span, to any number of points, its times written in UTC (`…Z`) or as k6
// writes them in a zone east of UTC (`…+01:00`, Europe/Berlin in winter), plain or gzip.
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { createGzip } from 'node:zlib';

export const k6Bin = process.env.CHAOSGATE_K6_BIN ?? join(process.cwd(), 'tools/bin/k6');

/** Runs k6 with `args` (env added), resolving with its exit code; its output goes to stderr. */
export function runK6(args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(k6Bin, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
    p.on('error', reject);
    p.on('exit', (code) => resolve(code ?? 1));
  });
}

const RECORD_SCRIPT = `
import http from 'k6/http';
export const options = { vus: 8, duration: __ENV.DURATION };
const paths = ['/api/v1/ocr/process', '/api/v1/documents/', '/api/v1/health', '/readiness', '/tenant-demo/', '/missing', '/fail'];
export default function () {
  const path = paths[Math.floor(Math.random() * paths.length)];
  if (path.startsWith('/api/v1/doc')) http.post(__ENV.BASE + path, 'x'.repeat(200));
  else http.get(__ENV.BASE + path);
}
`;

/**
 * Records `duration` of real k6 output (UTC) against a loopback server that answers with a little
 * random delay, 404 and 503 on two paths. Returns the path of the NDJSON file.
 */
export async function recordK6(dir: string, duration = '8s'): Promise<string> {
  const server = createServer((req, res) => {
    const status = req.url === '/missing' ? 404 : req.url === '/fail' ? 503 : 200;
    setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    }, Math.random() * 4);
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const script = join(dir, 'record.js');
  const out = join(dir, 'recorded.json');
  writeFileSync(script, RECORD_SCRIPT);
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const code = await runK6(['run', '-q', '--no-summary', '--out', `json=${out}`, script], { TZ: 'UTC', BASE: base, DURATION: duration });
    if (code !== 0) throw new Error(`recording k6 run exited ${code}`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
  return out;
}

interface Recorded {
  /** Metric declaration lines, written once at the top. */
  head: string[];
  /** Per point line: the text before the time, its whole second (ms, UTC), fraction, the rest. */
  prefix: string[];
  second: number[];
  fraction: string[];
  suffix: string[];
  /** The span a copy is shifted by (whole seconds, past the recording's last second). */
  spanMs: number;
}

export function loadRecording(path: string): Recorded {
  const r: Recorded = { head: [], prefix: [], second: [], fraction: [], suffix: [], spanMs: 0 };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    if (!line.includes('"type":"Point"')) {
      r.head.push(line);
      continue;
    }
    const t = line.indexOf('"time":"') + 8;
    const end = line.indexOf('"', t);
    const time = line.slice(t, end);
    if (!time.endsWith('Z')) throw new Error(`recorded time ${time} is not UTC`);
    r.prefix.push(line.slice(0, t));
    r.second.push(Date.parse(time.slice(0, 19) + 'Z'));
    r.fraction.push(time.slice(19, -1));
    r.suffix.push(line.slice(end));
  }
  if (r.prefix.length === 0) throw new Error(`${path}: no points recorded`);
  r.spanMs = r.second.reduce((a, b) => Math.max(a, b)) - r.second.reduce((a, b) => Math.min(a, b)) + 1000;
  return r;
}

/**
 * Writes `points` point lines (after the Metric lines): the recording over and over in order, copy
 * k shifted by k × its span, times in UTC or at `offsetMinutes` east (k6's local-zone format).
 * `names` > 1 spreads the points that carry a `name` tag over that many names (`/n3/…`, by point
 * number): as many series per named series — a high-cardinality run.
 */
export async function replicate(rec: Recorded, path: string, points: number, opts: { offsetMinutes: number; gzip: boolean; names?: number }): Promise<void> {
  const names = opts.names ?? 1;
  const file = createWriteStream(path, { highWaterMark: 1 << 20 });
  const out: Writable = opts.gzip ? createGzip({ level: 1 }) : file;
  if (opts.gzip) out.pipe(file);
  const zone =
    opts.offsetMinutes === 0
      ? 'Z'
      : `${opts.offsetMinutes > 0 ? '+' : '-'}${String(Math.floor(Math.abs(opts.offsetMinutes) / 60)).padStart(2, '0')}:${String(Math.abs(opts.offsetMinutes) % 60).padStart(2, '0')}`;
  let buf = rec.head.join('\n') + '\n';
  const seconds = new Map<number, string>();
  let written = 0;
  for (let copy = 0; written < points; copy++) {
    const shift = copy * rec.spanMs + opts.offsetMinutes * 60_000;
    seconds.clear();
    for (let i = 0; i < rec.prefix.length && written < points; i++, written++) {
      const s = rec.second[i]!;
      let text = seconds.get(s);
      if (text === undefined) seconds.set(s, (text = new Date(s + shift).toISOString().slice(0, 19)));
      const suffix = names > 1 ? rec.suffix[i]!.replace('"name":"', `"name":"/n${written % names}`) : rec.suffix[i]!;
      buf += rec.prefix[i]! + text + rec.fraction[i]! + zone + suffix + '\n';
      if (buf.length > 1 << 20) {
        if (!out.write(buf)) await once(out, 'drain');
        buf = '';
      }
    }
  }
  out.end(buf);
  await once(file, 'close');
}

/** `points` k6 lines, each of its own metric name (a cardinality bomb: one series per point). */
export async function writeDistinctMetrics(path: string, points: number): Promise<void> {
  const file = createWriteStream(path, { highWaterMark: 1 << 20 });
  let buf = '';
  const t0 = Date.UTC(2026, 10, 29);
  for (let i = 0; i < points; i++) {
    const time = new Date(t0 + Math.floor(i / 50)).toISOString();
    buf += `{"metric":"custom_metric_${i}","type":"Point","data":{"time":"${time}","value":${i % 1000},"tags":{"group":"","scenario":"default"}}}\n`;
    if (buf.length > 1 << 20) {
      if (!file.write(buf)) await once(file, 'drain');
      buf = '';
    }
  }
  file.end(buf);
  await once(file, 'close');
}
