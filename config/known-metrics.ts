// Gates on metrics nothing can produce are config errors (exit 2) before any load, not a FAIL (or
// exit 99 "no samples") at the end of a whole run. A gate's metric must be one of k6's built-ins
// (or of a module k6 ships), chaosgate's own (a probe's, the drain check's, a derived one), typed
// in evaluate.metricTypes, or — k6 cannot list a script's custom metrics, and `k6 inspect` shows only
// the thresholds' metrics, which the script names too — a name the script (or a module it imports)
// spells out; `evaluate` takes the input's metrics instead of the script. Names that look like
// chaosgate's own (`queue_*`, `drain_*`, `chaosgate_*`) need a producer or the name in quotes.
import type { GateConfig } from '../evaluator/config.js';
import { derivedMetrics } from '../evaluator/derived-metrics.js';
import { DRAIN_METRICS } from '../model/metric-names.js';
import { driftInner, parseMetricRef } from '../evaluator/thresholds.js';
import { ConfigError } from '../lib/errors.js';
import { builtinMetrics } from '../model/k6-metrics.js';
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
  /** Metrics typed in evaluate.metricTypes: declared by the user, so known. */
  typed?: Iterable<string>;
  /**
   * Check every name, not only chaosgate-looking ones: a name must be a k6 built-in, produced, seen,
   * typed or spelled out in a script. Only where the script or the input is known.
   */
  strict?: boolean;
}

/**
 * Metrics of the modules k6 ships beside its core (k6/net/grpc streams, k6/browser): not in
 * model/k6-metrics.ts (whose kinds the evaluator uses) but every bit as built in.
 */
export const K6_MODULE_METRICS: readonly string[] = ['grpc_streams', 'grpc_streams_msgs_sent', 'grpc_streams_msgs_received'];
const K6_MODULE_PREFIXES = ['browser_'] as const;

function isK6Metric(name: string): boolean {
  return Object.hasOwn(builtinMetrics, name) || K6_MODULE_METRICS.includes(name) || K6_MODULE_PREFIXES.some((p) => name.startsWith(p));
}

/** A whole-word mention of `name` in a script (a metric's constructor, a threshold key). */
function mentionedIn(name: string, scripts: readonly string[]): boolean {
  const word = new RegExp(`(^|[^A-Za-z0-9_$])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_$])`);
  return scripts.some((text) => word.test(text));
}

/** Edit distance, capped: for "did you mean". */
function distance(a: string, b: string, cap = 3): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

function closest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestD = 3;
  for (const c of candidates) {
    const d = distance(name, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
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
  const typed = new Set(p.typed ?? []);
  const problems: string[] = [];
  gates.forEach((g, i) => {
    let metric: string;
    try {
      metric = parseMetricRef(driftInner(g.metric) ?? g.metric).metric;
    } catch {
      return; // the gate's own validation reports it
    }
    if (produced.has(metric) || inScript(metric, p.scripts ?? [])) return;
    if (!OWN_METRIC_PREFIXES.some((prefix) => metric.startsWith(prefix))) {
      if (!p.strict || isK6Metric(metric) || typed.has(metric) || mentionedIn(metric, p.scripts ?? [])) return;
      const guess = closest(metric, [...Object.keys(builtinMetrics), ...K6_MODULE_METRICS, ...produced, ...typed]);
      const where = p.seen ? 'the input has no sample of it' : 'the script never names it';
      problems.push(
        `gates[${i}]${g.id ? ` (${g.id})` : ''}: metric ${metric} is not a k6 built-in, ${where}, and no probe or evaluate.metricTypes declares it${guess ? ` — did you mean ${guess}?` : ''}`,
      );
      return;
    }
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
