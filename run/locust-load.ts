// The Locust side of the load stage (run/orchestrate.ts picks it for a profile with `locustfile`):
// the locustfile's check and planned length, one sample stream per process that runs users, and
// Locust started into them. The evaluation, chaos timeline, probes, watch and judgement are the
// run's own, the same as for k6: the plugin writes k6-format samples.
import type { ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { UsageError } from '../lib/errors.js';
import { LOCUST_OWN_ARGS, locustSectionSchema, type LocustSection } from '../load/locust-config.js';
import { checkLocustfile, locustPlan, locustSource, runLocust } from '../load/locust-runner.js';
import type { RunningK6 } from '../load/k6-runner.js';
import type { ScriptPlan } from './inspect.js';
import { openSampleStream, type SampleStream } from './k6-stream.js';
import { openShardStreams } from './shards.js';
import { join } from 'node:path';

/** A profile's Locust load, resolved from its fields and the command line. */
export interface LocustLoad {
  file: string;
  section: LocustSection;
  /** The section's runTime, or the run's --duration / the profile's duration. */
  runTime: string | null;
  /** Set by planLocust: -u/-r/-t (none for a LoadTestShape). */
  planArgs: string[];
}

/**
 * The profile's `locustfile` (relative to the config's folder) as a LocustLoad, or null. The
 * command line's arguments after `--` go to Locust; chaosgate's own are refused there too.
 */
export function resolveLocustLoad(
  profile: { locustfile?: string; locust?: LocustSection; duration?: string },
  opts: { configDir?: string; duration?: string; k6Args?: string[]; shards?: number; script?: string },
): LocustLoad | null {
  // k6 would fail on Python with a parse error far from the cause.
  if (opts.script?.endsWith('.py'))
    throw new UsageError(`--script ${opts.script}: a .py file is a locustfile: give it to a profile's \`locustfile\` (docs/locust.md); --script runs k6 scripts`);
  if (opts.script !== undefined || profile.locustfile === undefined) return null;
  if ((opts.shards ?? 1) > 1) throw new UsageError('--shards runs k6 processes: a locustfile profile scales out with locust.workers (docs/locust.md)');
  const extra = opts.k6Args ?? [];
  const own = extra.filter((a) => LOCUST_OWN_ARGS.test(a));
  if (own.length) throw new UsageError(`arguments after --: ${own.join(' ')} are set by chaosgate for Locust (use the profile's locust fields)`);
  const section = profile.locust ?? locustSectionSchema.parse({});
  return {
    file: resolve(opts.configDir ?? '.', profile.locustfile),
    section: { ...section, args: [...section.args, ...extra] },
    runTime: opts.duration ?? profile.duration ?? section.runTime ?? null,
    planArgs: [],
  };
}

/** Checks the locustfile (exit 2 before any load) and returns the run's planned length. */
export async function planLocust(load: LocustLoad, env: Record<string, string>, profile: string, line: (text: string) => void): Promise<ScriptPlan> {
  const info = await checkLocustfile(load.file, env);
  const plan = locustPlan(info, load.section, load.runTime, `profiles.${profile}`, `profile ${profile}`);
  load.planArgs = plan.args;
  if (plan.note) line(`locust: ${plan.note}`);
  line(`locust: ${info.users.join(', ')}${info.shape ? ` shaped by ${info.shape}` : ''}${load.section.workers ? ` on ${load.section.workers} workers` : ''}`);
  // Locust has no thresholds of its own; the run stops it after its length (plus the run's grace).
  return { plannedMs: plan.plannedMs, maxMs: plan.plannedMs, thresholds: [] };
}

/** One stream per process that runs users: `locust` alone, or `locust-<i>` per worker. */
export async function openLocustStreams(
  load: LocustLoad,
  outDir: string,
  onText: (source: string, text: string, start: number, end: number, firstLineNo: number) => number,
): Promise<{ stream: SampleStream; streams: SampleStream[] }> {
  const workers = load.section.workers;
  if (workers === 0) {
    const source = locustSource(0, 1);
    const stream = await openSampleStream(join(outDir, `${source}.fifo`), join(outDir, `${source}.ndjson.gz`), (text, start, end, first) =>
      onText(source, text, start, end, first),
    );
    return { stream, streams: [stream] };
  }
  const { stream, shards } = await openShardStreams({ shards: workers, outDir, onText, sourceName: (i) => locustSource(workers, i) });
  return { stream, streams: shards };
}

/** Starts Locust into the streams; resolves once its test has started (the run's t0). */
export function startLocust(
  load: LocustLoad,
  streams: SampleStream[],
  opts: { outDir: string; env: Record<string, string>; signal: AbortSignal; onLog: (text: string) => void; onStarted: (child: ChildProcess) => Promise<void> },
): Promise<RunningK6> {
  return runLocust({
    locustfile: load.file,
    section: load.section,
    planArgs: load.planArgs,
    outDir: opts.outDir,
    outputs: streams.map((s) => s.fifoPath),
    env: opts.env,
    signal: opts.signal,
    onLog: opts.onLog,
    onStarted: opts.onStarted,
    // A process that ends without opening its FIFO (a worker failing at start) must not leave its reader waiting.
    onOutputEnded: (i) => streams[i]?.release(),
  });
}
