// What k6 itself says about a script before it runs (`k6 inspect --execution-requirements`): how
// long it is planned to take and the thresholds it declares, including sub-metric thresholds such
// as `http_req_duration{name:GET /x}` that k6's JSON output never declares on a Metric line.
import { execFile } from 'node:child_process';
import { durationToMs } from '../lib/duration.js';
import { UsageError } from '../lib/errors.js';
import { findK6, isBuiltinScript, k6Env } from '../lib/tools.js';

export interface K6Threshold {
  /** As k6 keys it: a metric, or a sub-metric like `http_req_duration{name:GET /x}`. */
  metric: string;
  expression: string;
  abortOnFail: boolean;
}

export interface ScriptPlan {
  /**
   * When every time-bound scenario has ended without its graceful stop (max over scenarios of
   * startTime + duration or the stages' sum); null when no scenario is time-bound (iterations only).
   */
  plannedMs: number | null;
  /** k6's `totalDuration`: the longest the run can take, graceful stops included. */
  maxMs: number | null;
  thresholds: K6Threshold[];
}

/** The scenario shapes k6 reports (lib/executor configs), as far as the length goes. */
interface InspectedScenario {
  executor?: string;
  startTime?: string | null;
  duration?: string | null;
  stages?: Array<{ duration?: string | null }> | null;
}

interface Inspected {
  scenarios?: Record<string, InspectedScenario> | null;
  thresholds?: Record<string, Array<string | { threshold?: string; abortOnFail?: boolean }>> | null;
  totalDuration?: string | null;
}

const ms = (d: string | null | undefined): number => (d ? (durationToMs(d) ?? 0) : 0);

/** Planned end of one scenario, or null for executors that end by iterations. */
function scenarioEndMs(s: InspectedScenario): number | null {
  const start = ms(s.startTime);
  switch (s.executor) {
    case 'constant-vus':
    case 'constant-arrival-rate':
    case 'externally-controlled':
      return start + ms(s.duration);
    case 'ramping-vus':
    case 'ramping-arrival-rate':
      return start + (s.stages ?? []).reduce((t, st) => t + ms(st.duration), 0);
    default:
      return null; // shared-iterations, per-vu-iterations: done when the iterations are
  }
}

export function planFromInspect(raw: Inspected): ScriptPlan {
  const ends = Object.values(raw.scenarios ?? {})
    .map(scenarioEndMs)
    .filter((e): e is number => e !== null);
  const thresholds: K6Threshold[] = [];
  for (const [metric, list] of Object.entries(raw.thresholds ?? {})) {
    for (const t of list ?? []) {
      if (typeof t === 'string') thresholds.push({ metric, expression: t, abortOnFail: false });
      else if (t && typeof t.threshold === 'string') thresholds.push({ metric, expression: t.threshold, abortOnFail: t.abortOnFail === true });
    }
  }
  return {
    plannedMs: ends.length ? Math.max(...ends) : null,
    maxMs: raw.totalDuration ? durationToMs(raw.totalDuration) : null,
    thresholds,
  };
}

/** `k6 run` flags that change how long the test runs: `k6 inspect` cannot be told about them. */
const EXECUTION_FLAGS = /^(-u|--vus|-d|--duration|-i|--iterations|-s|--stage|--execution-segment|--execution-segment-sequence)(=|$)/;

/** The k6Args that reshape execution (so k6 inspect's length is not the run's), if any. */
export function executionShapingArgs(k6Args: readonly string[]): string[] {
  return k6Args.filter((a) => EXECUTION_FLAGS.test(a) || /^-[udis]\S/.test(a));
}

/** The `-e NAME=value` / `--env NAME=value` pairs of k6Args, as inspect arguments (the script's __ENV). */
export function envArgs(k6Args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < k6Args.length; i++) {
    const a = k6Args[i]!;
    if ((a === '-e' || a === '--env') && i + 1 < k6Args.length) out.push('--env', k6Args[++i]!);
    else if (a.startsWith('--env=')) out.push('--env', a.slice(6));
    else if (/^-e[^-]/.test(a)) out.push('--env', a.slice(2));
  }
  return out;
}

/**
 * Runs `k6 inspect --execution-requirements` on the script with the env the run will give it
 * (and the -e pairs of its k6Args). A script k6 cannot load is a UsageError naming the script with
 * k6's own message (exit 2).
 */
export async function inspectScript(script: string, env: Record<string, string>, cwd: string, k6Args: readonly string[] = [], timeoutMs = 60_000): Promise<ScriptPlan> {
  const k6 = findK6({ redis: isBuiltinScript(script) }).path;
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      k6,
      ['inspect', '--execution-requirements', '--include-system-env-vars', '--no-color', ...envArgs(k6Args), script],
      { env: k6Env(env), cwd, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' },
      (err, out, errText) => {
        if (!err) return resolve(out);
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        if (e.code === 'ENOENT' || e.code === 'EACCES') {
          return reject(new UsageError(`k6 at ${k6} cannot start (${e.code}): set CHAOSGATE_K6_BIN to a k6 binary or run \`npm run setup\``));
        }
        const why = `${errText}`.trim().split('\n').slice(-6).join('\n') || e.message;
        reject(new UsageError(`${script}: k6 cannot load the script${e.killed ? ` (no answer within ${timeoutMs / 1000} s)` : ''}:\n${why}`));
      },
    );
  });
  let raw: Inspected;
  try {
    raw = JSON.parse(stdout.slice(stdout.indexOf('{'))) as Inspected;
  } catch {
    throw new UsageError(`${script}: \`k6 inspect\` printed no JSON (is ${k6} a k6 binary?)`);
  }
  return planFromInspect(raw);
}
