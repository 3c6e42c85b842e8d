// A number from an endpoint's JSON, each interval, into a gauge: a readiness check's
// `checks.db.latency_ms`, a GPU service's `used_percent`. A missing path, a non-number or a non-2xx
// answer fails the reading (probe_errors), never a zero.
import { z } from 'zod';
import { gaugeName, headersEnv, httpUrl } from './fields.js';
import { envHeaders, httpGetText } from './http-get.js';
import { defineProbe, type ProbeReading } from './types.js';

const path = z
  .string()
  .regex(/^[^.\s]+(\.[^.\s]+)*$/, 'dot-separated keys, e.g. checks.db.latency_ms (an array index is a number: gpus.0.used_percent)')
  .describe('where the number is: dot-separated keys, array indexes as numbers (`gpus.0.used_percent`)');

/** The value at a dot path, or a message saying where the path ends. */
export function valueAt(doc: unknown, dotPath: string): number {
  let at: unknown = doc;
  const keys = dotPath.split('.');
  for (const [i, key] of keys.entries()) {
    const here = keys.slice(0, i).join('.') || '(the document)';
    if (Array.isArray(at)) {
      if (!/^\d+$/.test(key) || Number(key) >= at.length) throw new Error(`${dotPath}: ${here} is an array of ${at.length}, no index ${key}`);
      at = at[Number(key)];
    } else if (at !== null && typeof at === 'object') {
      if (!Object.hasOwn(at, key)) throw new Error(`${dotPath}: ${here} has no key ${JSON.stringify(key)} (keys: ${Object.keys(at).slice(0, 10).join(', ')})`);
      at = (at as Record<string, unknown>)[key];
    } else {
      throw new Error(`${dotPath}: ${here} is ${JSON.stringify(at)}, not an object`);
    }
  }
  if (typeof at !== 'number' || !Number.isFinite(at)) throw new Error(`${dotPath} is ${JSON.stringify(at)?.slice(0, 80)}, not a number`);
  return at;
}

const schema = z
  .object({
    url: httpUrl,
    headersEnv,
    read: z
      .array(z.object({ path, metric: gaugeName.describe('the gauge the number becomes') }).strict())
      .min(1)
      .describe('the numbers to read from one answer: `[{"path": "checks.db.latency_ms", "metric": "db_latency_ms"}]`'),
  })
  .strict();

export const httpJsonProbe = defineProbe({
  kind: 'http-json',
  schema,
  reads: 'an HTTP GET of `url` each interval; each `read[].path` (dot path) of the JSON answer must be a number, which becomes the gauge `read[].metric`',
  metrics: { '(read[].metric)': 'the number at read[].path' },
  metricsOf: (config) => config.read.map((r) => r.metric),
  create(config, ctx) {
    return {
      id: config.id,
      kind: config.kind,
      async read() {
        const text = await httpGetText(config.url, envHeaders(config.headersEnv), ctx.timeoutMs, 'application/json');
        let doc: unknown;
        try {
          doc = JSON.parse(text);
        } catch {
          throw new Error(`${config.url}: the answer is not JSON (${JSON.stringify(text.slice(0, 60))}…)`);
        }
        return config.read.map((r): ProbeReading => ({ metric: r.metric, value: valueAt(doc, r.path) }));
      },
      async close() {},
    };
  },
});
