// Runs one scenario with the real k6: writes the scenario config, spawns `k6 run`, streams k6's
// samples to `--out json=<path>` (a file or a FIFO the caller reads), and stops it gracefully.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { k6Env, requireTool } from '../lib/tools.js';
import { scenarioPath, type ScenarioName } from './scenarios.js';
import { scenarioEnv, type ScenarioConfig } from './scenario-config.js';

export interface RunK6Options {
  scenario: ScenarioName;
  /** What the scenario reads (build it with buildScenarioConfig). */
  config: ScenarioConfig;
  /** Folder for the scenario config (and the outputs below unless given elsewhere). */
  outDir: string;
  /** k6's NDJSON samples; a file or a FIFO. Default: <outDir>/k6.ndjson. */
  ndjsonPath?: string;
  /** k6's end-of-test summary (--summary-export); null: none. Default: <outDir>/k6-summary.json. */
  summaryPath?: string | null;
  /** Redis the scenarios' queue gauge reads (may carry a password, so it goes by env). */
  redisUrl: string;
  /** Extra env for k6, e.g. credentialsEnv(...). */
  env?: Record<string, string>;
  /** `--tag name=value` on every sample, e.g. { run_id: '...' }. */
  tags?: Record<string, string>;
  /** Aborting stops k6 as stop() does. */
  signal?: AbortSignal;
  /** k6's stdout/stderr. Default: inherit. */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  /** After SIGINT, how long k6 may take to finish before SIGKILL. Default 15 s. */
  stopTimeoutMs?: number;
}

export interface K6Exit {
  /** k6's exit code (0 pass, 99 thresholds breached, 105 stopped by signal, ...); null when killed. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningK6 {
  child: ChildProcess;
  done: Promise<K6Exit>;
  /** SIGINT (k6 stops gracefully: teardown, summary), SIGKILL after stopTimeoutMs; resolves on exit. */
  stop(): Promise<K6Exit>;
  /** Where the outputs go. */
  paths: { ndjson: string; summary: string | null; scenarioConfig: string };
}

const TAG_NAME = /^[A-Za-z_][\w.-]*$/;

export async function runK6(opts: RunK6Options): Promise<RunningK6> {
  const k6 = requireTool('k6');
  const outDir = resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const paths = {
    ndjson: resolve(opts.ndjsonPath ?? join(outDir, 'k6.ndjson')),
    summary: opts.summaryPath === null ? null : resolve(opts.summaryPath ?? join(outDir, 'k6-summary.json')),
    scenarioConfig: join(outDir, `scenario-config.${opts.scenario}.json`),
  };
  await writeFileAtomic(paths.scenarioConfig, `${JSON.stringify(opts.config, null, 2)}\n`);

  // Port 0 for k6's REST API: several k6 may run at once (tests, engineers) without a clash.
  const args = ['run', '--no-color', '--quiet', '--address', '127.0.0.1:0', '--out', `json=${paths.ndjson}`];
  if (paths.summary) args.push('--summary-export', paths.summary);
  for (const [name, value] of Object.entries(opts.tags ?? {})) {
    if (!TAG_NAME.test(name)) throw new Error(`runK6: tag name "${name}" is not a valid k6 tag name`);
    args.push('--tag', `${name}=${value}`);
  }
  args.push(scenarioPath(opts.scenario));

  const env = k6Env({
    ...opts.env,
    [scenarioEnv.configFile]: paths.scenarioConfig,
    [scenarioEnv.redisUrl]: opts.redisUrl,
  });
  const stdio: StdioOptions = ['ignore', opts.stdio ?? 'inherit', opts.stdio ?? 'inherit'];
  // Its own process group: a terminal's Ctrl-C reaches only us, and stop() sends k6 exactly one
  // SIGINT (a second one makes k6 abort without its teardown and summary).
  const child = spawn(k6, args, { env, stdio, cwd: outDir, detached: true });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const done = new Promise<K6Exit>((resolveDone, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode, signal) => resolveDone({ exitCode, signal }));
  }).finally(() => process.off('exit', killOnExit));

  let stopping: Promise<K6Exit> | undefined;
  const stop = (): Promise<K6Exit> => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return done;
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.stopTimeoutMs ?? 15_000);
      try {
        return await done;
      } finally {
        clearTimeout(timer);
      }
    })();
    return stopping;
  };
  const { signal } = opts;
  if (signal) {
    const onAbort = () => void stop();
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    done.then(
      () => signal.removeEventListener('abort', onAbort),
      () => signal.removeEventListener('abort', onAbort),
    );
  }
  return { child, done, stop, paths };
}
