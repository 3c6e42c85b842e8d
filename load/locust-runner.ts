// Runs a locustfile with the real Locust (`python -m locust --headless`), next to load/k6-runner.ts:
// the same RunningK6 shape, so the run's watch, stop and judgement are one path for both drivers.
// Locust loads the user's locustfile and chaosgate's plugin (load/locust/chaosgate_locust.py),
// which writes every request as k6-format NDJSON into the run's sample stream (one FIFO per
// process that runs users: the one local process, or each worker of a master). Before any load,
// load/locust/chaosgate_check.py compiles and imports the locustfile and finds its length.
import { execFile, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { durationToMs } from '../lib/duration.js';
import { ConfigError, UsageError } from '../lib/errors.js';
import { freePort } from '../lib/net.js';
import { pins, projectRoot } from '../lib/tools.js';
import type { LocustSection } from './locust-config.js';
import { spawnStarted, stopOnAbort, type K6Exit, type RunningK6 } from './k6-runner.js';

/** The plugin and the check, shipped in the package (package.json `files`). */
export const LOCUST_PLUGIN = join(projectRoot, 'load', 'locust', 'chaosgate_locust.py');
export const LOCUST_CHECK = join(projectRoot, 'load', 'locust', 'chaosgate_check.py');

/** The env var that names the plugin's output (a FIFO of the run's stream). */
export const LOCUST_OUT_ENV = 'CHAOSGATE_LOCUST_OUT';

/** The line the plugin prints when the test starts (local process or master). */
const TEST_START = /chaosgate-locust: test_start (\d+(?:\.\d+)?)/;

/** The Python that runs Locust: CHAOSGATE_PYTHON, else python3 on PATH. */
export function locustPython(env: NodeJS.ProcessEnv = process.env): string {
  return env.CHAOSGATE_PYTHON || 'python3';
}

const INSTALL_HINT = `install it with \`pip install locust==${pins.locust}\` (or \`npm run setup\`), or point CHAOSGATE_PYTHON at a Python that has it`;

/** What the check says about a locustfile. */
export interface LocustfileInfo {
  users: string[];
  shape: string | null;
  shapeUsesCommonOptions: boolean;
  /** The LoadTestShape's length on a simulated clock; null when it has none or it is unknown. */
  shapeMs: number | null;
  /** Why a shape's length is unknown. */
  shapeNote: string | null;
}

/**
 * Compiles and imports the locustfile as Locust does, with the run's env (a locustfile may read
 * CHAOSGATE_URL_<NAME> at import). A syntax error, an import that raises, no User class, or no
 * Locust at all is a UsageError (exit 2) naming file:line; nothing has been started then.
 */
export async function checkLocustfile(file: string, env: Record<string, string>, timeoutMs = 60_000): Promise<LocustfileInfo> {
  const python = locustPython({ ...process.env, ...env });
  const { code, stdout, stderr, spawnError } = await new Promise<{ code: number | null; stdout: string; stderr: string; spawnError: string | null }>((done) => {
    execFile(
      python,
      [LOCUST_CHECK, file],
      { env: { ...process.env, ...env }, cwd: dirname(file), timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' },
      (err, out, errText) => {
        const e = err as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
        if (e && (e.code === 'ENOENT' || e.code === 'EACCES')) return done({ code: null, stdout: '', stderr: '', spawnError: String(e.code) });
        if (e?.killed) return done({ code: null, stdout: out, stderr: `no answer within ${timeoutMs / 1000} s`, spawnError: null });
        done({ code: e ? (typeof e.code === 'number' ? e.code : 1) : 0, stdout: out, stderr: errText, spawnError: null });
      },
    );
  });
  if (spawnError !== null) throw new UsageError(`Locust: ${python} cannot start (${spawnError}): ${INSTALL_HINT}`);
  let answer: { problem?: string } & Partial<LocustfileInfo>;
  try {
    answer = JSON.parse(stdout.trim().split('\n').pop() ?? '') as typeof answer;
  } catch {
    const why = stderr.trim().split('\n').slice(-6).join('\n');
    throw new UsageError(`${file}: the locustfile check printed no answer (exit ${code ?? 'killed'}):\n${why}`);
  }
  if (answer.problem !== undefined) {
    throw new UsageError(code === 4 ? `${answer.problem}: ${INSTALL_HINT}` : `locustfile ${answer.problem} (no load was started)`);
  }
  const info = answer as LocustfileInfo;
  if (info.users.length === 0) throw new UsageError(`${file}: the locustfile defines no User class (no load was started)`);
  return info;
}

/** The planned length and the command-line arguments the profile's `locust` fields give. */
export interface LocustPlan {
  plannedMs: number | null;
  args: string[];
  /** Why the planned length is unknown (a shape whose ticks need a running test), else null. */
  note: string | null;
}

/**
 * Checks the `locust` fields against the locustfile (a LoadTestShape sets users and length; without
 * one, users and runTime are needed): a ConfigError naming `<where>.<field>`. `runTime` is the
 * section's or the run's --duration.
 */
export function locustPlan(info: LocustfileInfo, section: LocustSection, runTime: string | null, where: string, source: string): LocustPlan {
  const issues: string[] = [];
  if (info.shape !== null && !info.shapeUsesCommonOptions) {
    for (const f of ['users', 'spawnRate', 'runTime'] as const) {
      if (section[f] !== undefined) issues.push(`${where}.locust.${f}: the locustfile's LoadTestShape ${info.shape} sets the users and the length: remove it`);
    }
    if (runTime !== null && section.runTime === undefined) issues.push(`${where}: --duration/duration ${runTime}: the locustfile's LoadTestShape ${info.shape} sets the length`);
    if (issues.length) throw new ConfigError(source, issues);
    return {
      plannedMs: info.shapeMs,
      args: [],
      note: info.shapeMs === null ? `the LoadTestShape ${info.shape}'s length is unknown (${info.shapeNote ?? 'no end found'}): no short-run check, no overrun guard` : null,
    };
  }
  if (section.users === undefined) issues.push(`${where}.locust.users: required (the locustfile has no LoadTestShape)`);
  if (runTime === null) issues.push(`${where}.locust.runTime: required (the locustfile has no LoadTestShape); e.g. "30s"`);
  if (issues.length) throw new ConfigError(source, issues);
  const ms = durationToMs(runTime!) ?? Number.NaN;
  if (!(ms >= 1000) || ms % 1000 !== 0) throw new ConfigError(source, [`${where}: run time ${runTime}: Locust runs whole seconds (at least 1s)`]);
  const users = section.users!;
  return { plannedMs: ms, args: ['-u', String(users), '-r', String(section.spawnRate ?? users), '-t', `${ms / 1000}s`], note: null };
}

export interface RunLocustOptions {
  locustfile: string;
  section: LocustSection;
  /** From locustPlan: -u/-r/-t, or none for a LoadTestShape. */
  planArgs: string[];
  outDir: string;
  /** One FIFO (or file) per process that runs users: 1 without workers, else one per worker. */
  outputs: string[];
  env: Record<string, string>;
  signal?: AbortSignal;
  /** Every process's output; workers' lines prefixed "[locust-worker-<i>] ". */
  onLog: (text: string) => void;
  /** Each process once started (the run journals it). */
  onStarted?: (child: ChildProcess) => Promise<void>;
  /** Called with each output's index when its process ended (its stream's reader must not wait on). */
  onOutputEnded?: (index: number) => void;
  /** How long Locust may take from start to its test's start (workers connecting included). */
  startTimeoutMs?: number;
  /** After SIGTERM, how long before SIGKILL. */
  stopTimeoutMs?: number;
}

/** Source names in the evaluation: `locust` alone, `locust-<i>` per worker. */
export const locustSource = (workers: number, i: number) => (workers === 0 ? 'locust' : `locust-${i}`);

interface Proc {
  child: ChildProcess;
  done: Promise<K6Exit>;
}

/** Killed, or any exit code but 0 (the run passes --exit-code-on-error 0: failed requests are samples, not an exit code). */
export const locustFailed = (e: K6Exit) => e.exitCode !== 0;

/**
 * Starts Locust (and its workers) and resolves once its test has started (the plugin's line), or
 * once it ended before that (`done` tells how). The first process is the local one or the master.
 */
export async function runLocust(opts: RunLocustOptions): Promise<RunningK6> {
  const python = locustPython({ ...process.env, ...opts.env });
  const files = `${resolve(opts.locustfile)},${LOCUST_PLUGIN}`;
  const cwd = dirname(resolve(opts.locustfile));
  const outDir = resolve(opts.outDir);
  const workers = opts.section.workers;
  const baseEnv: NodeJS.ProcessEnv = { ...process.env, ...opts.env, PYTHONUNBUFFERED: '1' };
  delete baseEnv[LOCUST_OUT_ENV];
  const common = ['-m', 'locust', '-f', files];
  const mainArgs = [
    ...common,
    '--headless',
    '--only-summary',
    '--exit-code-on-error',
    '0',
    '--csv',
    join(outDir, 'locust'),
    '--json-file',
    join(outDir, 'locust-stats'),
    ...opts.planArgs,
    ...opts.section.args,
  ];
  const procs: Proc[] = [];
  const start = async (args: string[], env: NodeJS.ProcessEnv, prefix: string, output: number | null): Promise<Proc> => {
    const child = await spawnStarted(python, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true }).catch((err: Error) => {
      throw new UsageError(`Locust: ${python} cannot start (${err.message}): ${INSTALL_HINT}`);
    });
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const done = new Promise<K6Exit>((r) => child.once('exit', (exitCode, signal) => r({ exitCode, signal }))).finally(() => process.off('exit', killOnExit));
    const onData = (d: Buffer) => opts.onLog(prefix ? d.toString().replace(/^(?=.)/gm, prefix) : d.toString());
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    if (output !== null) void done.then(() => opts.onOutputEnded?.(output));
    const proc = { child, done };
    procs.push(proc);
    await opts.onStarted?.(child);
    return proc;
  };

  let main: Proc;
  let sawStart: Promise<RegExpExecArray>;
  // Locust's own clock at its test start (the plugin's line): the run's start, however late this
  // process reads the line on a busy machine (read late, the run looked shorter than planned).
  let startedAt: number | undefined;
  const stopAll = async (): Promise<K6Exit[]> => {
    const [first, ...rest] = procs;
    const timeout = opts.stopTimeoutMs ?? 15_000;
    // Locust's SIGTERM handler shuts down as at the end of its run time (stats, quitting event): the
    // master tells its workers to quit; a worker still there after that is stopped itself.
    const stopOne = async (p: Proc, after: number): Promise<K6Exit> => {
      if (p.child.exitCode !== null || p.child.signalCode !== null) return p.done;
      const term = setTimeout(() => p.child.kill('SIGTERM'), after);
      const kill = setTimeout(() => p.child.kill('SIGKILL'), after + timeout);
      try {
        return await p.done;
      } finally {
        clearTimeout(term);
        clearTimeout(kill);
      }
    };
    return Promise.all([first ? stopOne(first, 0) : Promise.resolve({ exitCode: 0, signal: null }), ...rest.map((p) => stopOne(p, 5_000))]);
  };
  try {
    if (workers === 0) {
      main = await start(mainArgs, { ...baseEnv, [LOCUST_OUT_ENV]: opts.outputs[0]! }, '', 0);
      sawStart = waitForLine(main, TEST_START);
    } else {
      const port = await freePort();
      main = await start(
        [...mainArgs, '--master', '--master-bind-host', '127.0.0.1', '--master-bind-port', String(port), '--expect-workers', String(workers), '--expect-workers-max-wait', '60'],
        baseEnv,
        '',
        null,
      );
      sawStart = waitForLine(main, TEST_START);
      for (let i = 1; i <= workers; i++) {
        await start(
          [...common, '--worker', '--master-host', '127.0.0.1', '--master-port', String(port)],
          { ...baseEnv, [LOCUST_OUT_ENV]: opts.outputs[i - 1]! },
          `[locust-worker-${i}] `,
          i - 1,
        );
      }
    }
    const limit = opts.startTimeoutMs ?? 90_000;
    let timer: NodeJS.Timeout | undefined;
    const started = await Promise.race([
      sawStart.then((line) => {
        startedAt = Math.round(Number(line[1]) * 1000);
        return 'started' as const;
      }),
      // Any process ending before the test starts (a worker whose import failed) ends the wait.
      ...procs.map((p) => p.done.then(() => 'ended' as const)),
      new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), limit))),
    ]).finally(() => clearTimeout(timer));
    if (started === 'late') throw new Error(`Locust did not start its test within ${limit / 1000} s (see locust.log)`);
  } catch (err) {
    await stopAll();
    throw err;
  }

  // The master's end ends the test: workers it could not tell to quit are stopped (after a grace).
  if (workers > 0) void main!.done.then(() => stopAll());
  // A worker that dies (or the master) ends the run: the others stop at once, the first failure is reported.
  let firstFailure: K6Exit | null = null;
  for (const p of procs) {
    void p.done.then((exit) => {
      if (firstFailure !== null || !locustFailed(exit)) return;
      firstFailure = exit;
      void stopAll();
    });
  }
  // Without workers the one process is the load; with them the master ends the test and the workers follow.
  const done = Promise.all(procs.map((p) => p.done)).then((exits) => firstFailure ?? exits.find(locustFailed) ?? exits[0]!);
  let stopping: Promise<K6Exit> | undefined;
  const stop = (): Promise<K6Exit> => {
    stopping ??= stopAll().then(() => done);
    return stopping;
  };
  stopOnAbort(opts.signal, stop, done);
  return {
    child: main!.child,
    done,
    stop,
    startedAt,
    paths: { ndjson: opts.outputs[0]!, summary: join(outDir, 'locust-stats.json'), scenarioConfig: null, script: resolve(opts.locustfile) },
  };
}

/** Resolves when the process prints a line matching `re` (on stdout or stderr); never rejects. */
function waitForLine(p: Proc, re: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolveSeen) => {
    let tail = '';
    const onData = (d: Buffer) => {
      tail = (tail + d.toString()).slice(-4096);
      const seen = re.exec(tail);
      if (seen !== null) {
        p.child.stdout!.off('data', onData);
        p.child.stderr!.off('data', onData);
        resolveSeen(seen);
      }
    };
    p.child.stdout!.on('data', onData);
    p.child.stderr!.on('data', onData);
  });
}
