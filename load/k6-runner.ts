// Runs one k6 script with the real k6: any script (a user's, or a built-in scenario resolved to
// its script and env by builtinScript), samples streamed to `--out json=<path>` (a file or a FIFO
// the caller reads), extra k6 arguments passed through, stopped gracefully. One spawn path for all.
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../lib/atomic-write.js';
import { UsageError } from '../lib/errors.js';
import { findK6, isBuiltinScript, k6Env } from '../lib/tools.js';
import { scenarioPath, type ScenarioName } from './scenarios.js';
import { scenarioEnv, type ScenarioConfig } from './scenario-config.js';

interface CommonOptions {
  /** Folder k6 runs in (and the outputs below unless given elsewhere). */
  outDir: string;
  /** k6's NDJSON samples; a file or a FIFO. Default: <outDir>/k6.ndjson. */
  ndjsonPath?: string;
  /** k6's end-of-test summary (--summary-export); null: none. Default: <outDir>/k6-summary.json. */
  summaryPath?: string | null;
  /** Extra env for k6, e.g. credentialsEnv(...). */
  env?: Record<string, string>;
  /** Extra `k6 run` arguments (a profile's k6Args, the command line's args after `--`). */
  k6Args?: string[];
  /** `--tag name=value` on every sample, e.g. { run_id: '...' }. */
  tags?: Record<string, string>;
  /** Aborting stops k6 as stop() does. */
  signal?: AbortSignal;
  /** k6's stdout/stderr. Default: inherit. */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  /** After SIGINT, how long k6 may take to finish before SIGKILL. Default 15 s. */
  stopTimeoutMs?: number;
}

/** A built-in scenario: the script under scenarios/ plus the config file and env it reads. */
export interface BuiltinScenarioOptions extends CommonOptions {
  scenario: ScenarioName;
  /** What the scenario reads (build it with buildScenarioConfig). */
  config: ScenarioConfig;
  /** Redis the scenarios' queue gauge reads (may carry a password, so it goes by env). */
  redisUrl: string;
}

/** Any k6 script. */
export interface ScriptOptions extends CommonOptions {
  script: string;
}

export type RunK6Options = BuiltinScenarioOptions | ScriptOptions;

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
  /** Where the outputs go (scenarioConfig: only for a built-in scenario). */
  paths: { ndjson: string; summary: string | null; scenarioConfig: string | null; script: string };
  /** When the load started by the driver's own clock (Locust says it), else unset: now. */
  startedAt?: number;
}

const TAG_NAME = /^[A-Za-z_][\w.-]*$/;

/**
 * A built-in scenario as a script and the env it needs: its config is written to
 * <outDir>/scenario-config.<name>.json, named by env with the Redis URL (which may hold a password).
 */
export async function builtinScript(
  scenario: ScenarioName,
  config: ScenarioConfig,
  outDir: string,
  redisUrl: string,
): Promise<{ script: string; env: Record<string, string>; configFile: string }> {
  const configFile = join(resolve(outDir), `scenario-config.${scenario}.json`);
  await mkdir(resolve(outDir), { recursive: true });
  await writeFileAtomic(configFile, `${JSON.stringify(config, null, 2)}\n`);
  return { script: scenarioPath(scenario), env: { [scenarioEnv.configFile]: configFile, [scenarioEnv.redisUrl]: redisUrl }, configFile };
}

/**
 * Spawns `command args` and waits until it has started: a missing or non-executable binary is a
 * UsageError (exit 2) at once, never a child whose exit nobody will ever see.
 */
export async function spawnStarted(command: string, args: string[], options: Parameters<typeof spawn>[2]): Promise<ChildProcess> {
  const child = spawn(command, args, options);
  await new Promise<void>((started, failed) => {
    const onError = (err: NodeJS.ErrnoException) => {
      child.off('spawn', onSpawn);
      failed(new UsageError(`k6 at ${command} cannot start (${err.code ?? err.message}): set CHAOSGATE_K6_BIN to a k6 binary or run \`npm run setup\``));
    };
    const onSpawn = () => {
      child.off('error', onError);
      started();
    };
    child.once('error', onError);
    child.once('spawn', onSpawn);
  });
  return child;
}

export async function runK6(opts: RunK6Options): Promise<RunningK6> {
  // The built-in scenarios import k6/x/redis; a user's script may run on a plain k6 v1. Looked up
  // before anything is written: a missing k6 is a UsageError (exit 2) at once.
  const k6 = findK6({ redis: 'scenario' in opts || ('script' in opts && isBuiltinScript(opts.script)) }).path;
  const outDir = resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const builtin = 'scenario' in opts ? await builtinScript(opts.scenario, opts.config, outDir, opts.redisUrl) : null;
  const script = builtin ? builtin.script : resolve((opts as ScriptOptions).script);
  const paths = {
    ndjson: resolve(opts.ndjsonPath ?? join(outDir, 'k6.ndjson')),
    summary: opts.summaryPath === null ? null : resolve(opts.summaryPath ?? join(outDir, 'k6-summary.json')),
    scenarioConfig: builtin?.configFile ?? null,
    script,
  };

  // Port 0 for k6's REST API: several k6 may run at once (tests, engineers) without a clash.
  const args = ['run', '--no-color', '--quiet', '--address', '127.0.0.1:0', '--out', `json=${paths.ndjson}`];
  if (paths.summary) args.push('--summary-export', paths.summary);
  for (const [name, value] of Object.entries(opts.tags ?? {})) {
    if (!TAG_NAME.test(name)) throw new Error(`runK6: tag name "${name}" is not a valid k6 tag name`);
    args.push('--tag', `${name}=${value}`);
  }
  args.push(...(opts.k6Args ?? []), script);

  const env = k6Env({ ...opts.env, ...builtin?.env });
  const stdio: StdioOptions = ['ignore', opts.stdio ?? 'inherit', opts.stdio ?? 'inherit'];
  // Its own process group: a terminal's Ctrl-C reaches only us, and stop() sends k6 exactly one
  // SIGINT (a second one makes k6 abort without its teardown and summary).
  const child = await spawnStarted(k6, args, { env, stdio, cwd: outDir, detached: true });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const done = new Promise<K6Exit>((resolveDone) => {
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
  stopOnAbort(opts.signal, stop, done);
  return { child, done, stop, paths };
}

/** Stops a load process when `signal` aborts (or already has); the listener goes when it ends. */
export function stopOnAbort(signal: AbortSignal | undefined, stop: () => Promise<unknown>, done: Promise<unknown>): void {
  if (!signal) return;
  const onAbort = () => void stop();
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  void done.then(() => signal.removeEventListener('abort', onAbort));
}
