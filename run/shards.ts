// `chaosgate run --shards N`: N k6 processes on this machine with exactly the arguments k6-operator
// gives its runners (execution segment, the full segment sequence, `--tag instance_id=i`), each
// streamed live through its own FIFO into the one evaluation, so live and abort gates judge the
// whole load. The chaos plan stays in the one run process. Seen from the orchestrator, the N
// processes are one RunningK6 and their streams one SampleStream.
import { join } from 'node:path';
import { runnerSegmentArgs } from '../k8s/render.js';
import { runK6, type K6Exit, type RunningK6 } from '../load/k6-runner.js';
import { openSampleStream, type SampleStream } from './k6-stream.js';

export const MAX_SHARDS = 64;

export interface ShardedLoadOptions {
  shards: number;
  outDir: string;
  script: string;
  k6Args: string[];
  env: Record<string, string>;
  signal: AbortSignal;
  /** Output of shards 2..N, each line prefixed "[k6-<i>] " (shard 1's is the composite's child). */
  onLog: (text: string) => void;
  /** Called once each shard's k6 has started (the run journals its process). */
  onStarted?: (k6: RunningK6) => Promise<void>;
}

/** Throws (a plain Error naming --shards) unless 1 <= n <= MAX_SHARDS. */
export function checkShards(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_SHARDS) throw new Error(`--shards ${n}: must be a whole number from 1 to ${MAX_SHARDS}`);
}

/** Source name of shard i (1-based) in the evaluation: its inputs appear as k6-1 … k6-N. */
export const shardSource = (i: number) => `k6-${i}`;

/** The streams of every shard, one SampleStream: done when all are. */
export async function openShardStreams(
  opts: Pick<ShardedLoadOptions, 'shards' | 'outDir'> & {
    /** Complete lines of shard `source` ("k6-<i>"): text[start, end), first line firstLineNo; returns the count. */
    onText: (source: string, text: string, start: number, end: number, firstLineNo: number) => number;
    /** The source (and file) name of stream i; default shardSource (k6-<i>). */
    sourceName?: (i: number) => string;
    /** Opens stream i on reading threads instead (k6-stream.ts threadedStreams); onText is then unused. */
    open?: ((fifo: string, copy: string, source: string) => Promise<SampleStream>) | null;
  },
): Promise<{ stream: SampleStream; shards: SampleStream[] }> {
  const streams: SampleStream[] = [];
  try {
    for (let i = 1; i <= opts.shards; i++) {
      const source = (opts.sourceName ?? shardSource)(i);
      const fifo = join(opts.outDir, `${source}.fifo`);
      const copy = join(opts.outDir, `${source}.ndjson.gz`);
      streams.push(opts.open ? await opts.open(fifo, copy, source) : await openSampleStream(fifo, copy, (text, start, end, first) => opts.onText(source, text, start, end, first)));
    }
  } catch (err) {
    for (const s of streams) s.release();
    await Promise.all(streams.map((s) => s.remove()));
    throw err;
  }
  const stream: SampleStream = {
    fifoPath: streams[0]!.fifoPath,
    done: Promise.all(streams.map((s) => s.done)).then((all) => ({
      lines: all.reduce((n, x) => n + x.lines, 0),
      bytes: all.reduce((n, x) => n + x.bytes, 0),
    })),
    release: () => streams.forEach((s) => s.release()),
    remove: async () => {
      await Promise.all(streams.map((s) => s.remove()));
    },
  };
  return { stream, shards: streams };
}

/**
 * The exit that stands for all shards: a killed shard or one with an unexpected code first (the
 * run did not happen as planned), then 99 (a threshold breached on a shard), else 0.
 */
/** Killed, or an exit code other than k6's pass (0) and thresholds-breached (99). */
export function shardFailed(exit: K6Exit): boolean {
  return exit.exitCode === null || (exit.exitCode !== 0 && exit.exitCode !== 99);
}

export function combinedExit(exits: K6Exit[]): K6Exit {
  return exits.find((e) => e.exitCode === null) ?? exits.find(shardFailed) ?? exits.find((e) => e.exitCode === 99) ?? exits[0]!;
}

/**
 * Starts N k6 processes, one per shard stream; one stops all, done when all are done. A shard
 * whose k6 ends without opening its output releases its stream (else its reader waits forever).
 */
export async function startShards(opts: ShardedLoadOptions, streams: SampleStream[]): Promise<RunningK6> {
  checkShards(opts.shards);
  const runners: RunningK6[] = [];
  try {
    for (let i = 1; i <= opts.shards; i++) {
      const k6 = await runK6({
        script: opts.script,
        k6Args: [...opts.k6Args, ...runnerSegmentArgs(i, opts.shards)],
        outDir: opts.outDir,
        ndjsonPath: streams[i - 1]!.fifoPath,
        summaryPath: join(opts.outDir, `k6-summary-${i}.json`),
        env: opts.env,
        stdio: 'pipe',
        signal: opts.signal,
      });
      runners.push(k6);
      await opts.onStarted?.(k6);
      void k6.done.then(() => streams[i - 1]!.release());
      if (i > 1) {
        const prefix = `[${shardSource(i)}] `;
        const onData = (d: Buffer) => opts.onLog(d.toString().replace(/^(?=.)/gm, prefix));
        k6.child.stderr?.on('data', onData);
        k6.child.stdout?.on('data', onData);
      }
    }
  } catch (err) {
    await Promise.all(runners.map((r) => r.stop()));
    throw err;
  }
  // One shard killed or failing is a run that did not happen as planned: the others stop at once
  // (not hours later, at the end of a soak), and the first failure is the one reported.
  let firstFailure: K6Exit | null = null;
  for (const r of runners) {
    void r.done.then((exit) => {
      if (firstFailure !== null || !shardFailed(exit)) return;
      firstFailure = exit;
      for (const other of runners) if (other !== r) void other.stop();
    });
  }
  const done = Promise.all(runners.map((r) => r.done)).then((exits) => firstFailure ?? combinedExit(exits));
  return {
    child: runners[0]!.child,
    done,
    stop: async () => combinedExit(await Promise.all(runners.map((r) => r.stop()))),
    paths: { ...runners[0]!.paths, ndjson: join(opts.outDir, `${shardSource(1)}.ndjson.gz`) },
  };
}
