// Gates on metrics nothing can produce are config errors (exit 2), not a FAIL at the end. k6 can
// not list a script's custom metrics, so only names that look like chaosgate's own — the queue
// probes' `queue_*`, the drain check's `drain_*`, the derived `chaosgate_*` — are checked: such a
// gate is refused when no configured probe, no drain check, no input and no script produces it.
import type { GateConfig } from '../evaluator/config.js';
import { derivedMetrics } from '../evaluator/derived-metrics.js';
import { DRAIN_METRICS } from '../model/metric-names.js';
import { parseMetricRef } from '../evaluator/thresholds.js';
import { ConfigError } from '../lib/errors.js';
import { metricsOfProbe } from '../probes/registry.js';
import type { ProbeConfig } from '../probes/config.js';

/** Prefixes of the metrics chaosgate itself produces (and so can tell are missing). */
export const OWN_METRIC_PREFIXES = ['queue_', 'drain_', 'chaosgate_'] as const;

export interface Producers {
  /** Probes that will sample (a run's, incl. the reference stack's default one). */
  probes?: readonly (Pick<ProbeConfig, 'kind'> | ProbeConfig)[];
  /** The run checks the ingestion drain (true: the reference stack's gauges) or drains its probed queues ('queues': drain_seconds). */
  drain?: boolean | 'queues';
  /** Metrics seen in the input (evaluate: after reading). */
  seen?: Iterable<string>;
  /** Texts of the k6 scripts: a name in quotes there is taken as a custom metric it defines. */
  scripts?: readonly string[];
}

function producedBy(p: Producers): Set<string> {
  const out = new Set<string>(Object.keys(derivedMetrics));
  for (const probe of p.probes ?? []) for (const m of metricsOfProbe(probe)) out.add(m);
  if (p.drain === 'queues') out.add(DRAIN_METRICS.seconds);
  else if (p.drain) for (const m of Object.values(DRAIN_METRICS)) if (m !== DRAIN_METRICS.seconds) out.add(m);
  for (const m of p.seen ?? []) out.add(m);
  return out;
}

function inScript(name: string, scripts: readonly string[]): boolean {
  return scripts.some((text) => text.includes(`'${name}'`) || text.includes(`"${name}"`) || text.includes(`\`${name}\``));
}

/** Problems ("gates[i] (id): …"), one per gate on an own-looking metric nothing produces. */
export function unproducibleMetrics(gates: readonly Pick<GateConfig, 'id' | 'metric'>[], p: Producers): string[] {
  const produced = producedBy(p);
  const problems: string[] = [];
  gates.forEach((g, i) => {
    let metric: string;
    try {
      metric = parseMetricRef(g.metric).metric;
    } catch {
      return; // the gate's own validation reports it
    }
    if (!OWN_METRIC_PREFIXES.some((prefix) => metric.startsWith(prefix))) return;
    if (produced.has(metric) || inScript(metric, p.scripts ?? [])) return;
    const byProbes = (p.probes ?? []).map((x) => `${x.kind}: ${metricsOfProbe(x).join(', ')}`);
    const known = byProbes.length ? `the configured probes produce ${byProbes.join('; ')}` : 'no probe is configured';
    problems.push(`gates[${i}]${g.id ? ` (${g.id})` : ''}: metric ${metric} is produced by nothing here (${known}${p.seen ? '; the input has no sample of it' : ''})`);
  });
  return problems;
}

/** Throws a ConfigError (exit 2) naming every gate on a metric nothing produces. */
export function refuseUnproducibleMetrics(gates: readonly Pick<GateConfig, 'id' | 'metric'>[], p: Producers): void {
  const problems = unproducibleMetrics(gates, p);
  if (problems.length) throw new ConfigError('gates', problems);
}
