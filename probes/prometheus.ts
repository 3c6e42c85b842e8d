// Scrapes a Prometheus / OpenMetrics endpoint (a DCGM exporter, a Celery exporter, a Django app's
// /metrics) each interval; the chosen metrics become gauges, their labels tags. A counter (and a
// histogram's or summary's buckets, count and sum) becomes its per-second rate between two
// scrapes, since its running total means nothing in a gate.
import { z } from 'zod';
import { gaugeName, headersEnv, httpUrl } from './fields.js';
import { envHeaders, httpGetText } from './http-get.js';
import { isCumulative, parsePrometheusText, type PromSample } from './prometheus-text.js';
import { defineProbe, type ProbeReading } from './types.js';

const ACCEPT = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

const selection = z
  .object({
    metric: z
      .string()
      .regex(/^[A-Za-z_:][A-Za-z0-9_:]*$/, 'a Prometheus metric name')
      .describe('the sample name as the endpoint writes it (`DCGM_FI_DEV_FB_USED`, `celery_queue_length`, `http_requests_total`)'),
    as: gaugeName.optional().describe('the gauge it becomes; default the name, with `_per_second` added for a rate'),
    where: z.record(z.string(), z.string()).default({}).describe('label filter: only samples whose labels have these exact values, e.g. `{"queue_name": "ingestion"}`'),
    rate: z.boolean().optional().describe('per-second rate between two scrapes; default: for counters (and histogram/summary buckets, counts and sums) only'),
    tags: z.array(z.string()).optional().describe('labels kept as tags; default all'),
  })
  .strict();

type Selection = z.output<typeof selection>;

const schema = z
  .object({
    url: httpUrl.describe('the /metrics endpoint, http:// or https://'),
    headersEnv,
    select: z.array(selection).min(1).describe('the metrics to gate on, each into its own gauge'),
  })
  .strict();

export function gaugeFor(sel: Selection, rate: boolean): string {
  return sel.as ?? (rate ? `${sel.metric.replace(/:/g, '_')}_per_second` : sel.metric.replace(/:/g, '_'));
}

const keyOf = (name: string, tags: Record<string, string>) =>
  `${name}\u0000${Object.entries(tags)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('\u0000')}`;

/**
 * The readings of one scrape. `previous` holds each cumulative series' last value and time (updated
 * here): its first scrape gives no rate, a drop (a restart) counts from zero like Prometheus' rate().
 */
export function selectReadings(samples: readonly PromSample[], select: readonly Selection[], now: number, previous: Map<string, { value: number; time: number }>): ProbeReading[] {
  const out: ProbeReading[] = [];
  for (const sel of select) {
    const named = samples.filter((s) => s.name === sel.metric);
    if (named.length === 0) {
      const near = [...new Set(samples.map((s) => s.name))].filter((n) => n.toLowerCase().includes(sel.metric.toLowerCase().slice(0, 6))).slice(0, 5);
      throw new Error(`no sample named ${sel.metric} in the scrape${near.length ? ` (similar: ${near.join(', ')})` : ''}`);
    }
    const chosen = named.filter((s) => Object.entries(sel.where).every(([k, v]) => s.labels[k] === v));
    if (chosen.length === 0)
      throw new Error(
        `${sel.metric}: no sample with ${JSON.stringify(sel.where)} (label sets seen: ${named
          .slice(0, 3)
          .map((s) => JSON.stringify(s.labels))
          .join(', ')})`,
      );
    for (const s of chosen) {
      if (Number.isNaN(s.value)) continue; // NaN (e.g. a summary quantile with no observation) is no figure
      const rate = sel.rate ?? isCumulative(s);
      const tags = Object.fromEntries(Object.entries(s.labels).filter(([k]) => !sel.tags || sel.tags.includes(k)));
      const metric = gaugeFor(sel, rate);
      if (!rate) {
        if (Number.isFinite(s.value)) out.push({ metric, value: s.value, tags });
        continue;
      }
      const key = keyOf(metric, s.labels);
      const before = previous.get(key);
      previous.set(key, { value: s.value, time: now });
      if (!before || now <= before.time || !Number.isFinite(s.value)) continue;
      const grown = s.value >= before.value ? s.value - before.value : s.value;
      out.push({ metric, value: grown / ((now - before.time) / 1000), tags });
    }
  }
  return out;
}

export const prometheusProbe = defineProbe({
  kind: 'prometheus',
  schema,
  reads:
    'an HTTP GET of a Prometheus text or OpenMetrics endpoint each interval; each `select[]` sample (label filter `where`) becomes a gauge tagged by its labels, counters as per-second rates',
  metrics: { '(select[].as)': 'the sample value, or its per-second rate for a counter' },
  metricsOf: (config) => config.select.map((s) => gaugeFor(s, s.rate ?? /_(total|count|sum|bucket)$/.test(s.metric))),
  create(config, ctx) {
    const previous = new Map<string, { value: number; time: number }>();
    return {
      id: config.id,
      kind: config.kind,
      async read() {
        const text = await httpGetText(config.url, envHeaders(config.headersEnv), ctx.timeoutMs, ACCEPT);
        return selectReadings(parsePrometheusText(text), config.select, Date.now(), previous);
      },
      async close() {},
    };
  },
});
