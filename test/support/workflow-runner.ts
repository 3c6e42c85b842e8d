// A small stand-in for the GitHub Actions runner, for tests: runs a job's steps in order as Actions
// does — `${{ }}` expressions in `if:`, `env:` and `with:` (the subset our workflows use), every
// `run:` step as `bash --noprofile --norc -eo pipefail` with the job's env, GITHUB_OUTPUT per step,
// one GITHUB_STEP_SUMMARY, `continue-on-error`, `always()`; a composite action used as `./` runs
// its own steps the same way. Other `uses:` steps are stubbed by the caller (which checks their
// paths). Not a full runner: an expression outside the subset throws, so a test never guesses.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  shell?: string;
  env?: Record<string, string | number | boolean>;
  with?: Record<string, string | number | boolean>;
  'continue-on-error'?: boolean;
  'working-directory'?: string;
}

export interface StepRecord {
  name: string;
  skipped: boolean;
  outcome: 'success' | 'failure' | 'skipped';
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

/** What a stubbed `uses:` step gets: its resolved `with:`, the workspace, the env. */
export interface UsesCall {
  uses: string;
  with: Record<string, string>;
  workspace: string;
  env: Record<string, string>;
}
/** A stub returns the step's outputs, or throws to fail it. */
export type UsesStub = (call: UsesCall) => Record<string, string> | void;

export interface JobRun {
  status: 'success' | 'failure';
  steps: StepRecord[];
  summary: string;
}

export interface RunJobOptions {
  /** The workflow file (its first job runs), or an already parsed one. */
  workflowFile: string;
  event: 'schedule' | 'workflow_dispatch' | 'push';
  inputs?: Record<string, string | boolean>;
  workspace: string;
  /** Prepended to PATH: where the test's stand-in commands (gh, npx, npm, sudo) are. */
  binDir: string;
  runId: number;
  /** `uses:` by prefix (`actions/upload-artifact`); a `uses:` no stub matches fails the run. */
  stubs: Record<string, UsesStub>;
  /** Where `uses: ./` (a local composite action) is, when the workflow uses one: the action's checkout. */
  actionPath?: string;
  extraEnv?: Record<string, string>;
}

// ---- expressions --------------------------------------------------------------------------------

type Value = string | number | boolean | null | Record<string, unknown>;

interface ExprContext {
  lookup(path: string[]): Value;
  status: { failed: boolean };
}

/** Evaluates an expression of the subset: literals, contexts, ==, !=, &&, ||, !, (), always/success/failure/cancelled. */
export function evaluate(expr: string, ctx: ExprContext): Value {
  const tokens = expr.match(/'(?:[^']|'')*'|==|!=|&&|\|\||[!()]|[A-Za-z_][\w.-]*(?:\(\))?|-?\d+(?:\.\d+)?|\S/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++]!;
  const truthy = (v: Value) => v !== null && v !== false && v !== 0 && v !== '';
  const eq = (a: Value, b: Value) =>
    (typeof a === 'string' && typeof b === 'string' ? a.toLowerCase() === b.toLowerCase() : String(a ?? '') === String(b ?? '') && typeof a === typeof b) ||
    (a === null && b === '') ||
    (a === '' && b === null);
  function primary(): Value {
    const t = next();
    if (t === undefined) throw new Error(`expression "${expr}": unexpected end`);
    if (t === '(') {
      const v = or();
      if (next() !== ')') throw new Error(`expression "${expr}": ) expected`);
      return v;
    }
    if (t === '!') return !truthy(primary());
    if (t.startsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
    if (/^-?\d/.test(t)) return Number(t);
    if (t === 'true' || t === 'false') return t === 'true';
    if (t === 'null') return null;
    if (t === 'always()') return true;
    if (t === 'success()') return !ctx.status.failed;
    if (t === 'failure()') return ctx.status.failed;
    if (t === 'cancelled()') return false;
    if (/^[A-Za-z_]/.test(t) && !t.endsWith('()') && peek() === '(') {
      next();
      const args: Value[] = [];
      while (peek() !== ')') {
        args.push(or());
        if (peek() === ',') next();
      }
      next();
      // The cache key's hash: stable for the same files (what a key needs here).
      if (t === 'hashFiles') return `hash(${args.join(',')})`;
      throw new Error(`expression "${expr}": function ${t} is outside the runner's subset`);
    }
    if (/^[A-Za-z_]/.test(t) && !t.endsWith('()')) return ctx.lookup(t.split('.'));
    throw new Error(`expression "${expr}": "${t}" is outside the runner's subset`);
  }
  function comparison(): Value {
    let v = primary();
    while (peek() === '==' || peek() === '!=') {
      const op = next();
      const r = primary();
      v = op === '==' ? eq(v, r) : !eq(v, r);
    }
    return v;
  }
  function and(): Value {
    let v = comparison();
    while (peek() === '&&') {
      next();
      const r = comparison();
      v = truthy(v) ? r : v;
    }
    return v;
  }
  function or(): Value {
    let v = and();
    while (peek() === '||') {
      next();
      const r = and();
      v = truthy(v) ? v : r;
    }
    return v;
  }
  const v = or();
  if (i !== tokens.length) throw new Error(`expression "${expr}": unexpected "${tokens[i]}"`);
  return v;
}

const asText = (v: Value): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** `${{ … }}` in a string, each replaced by its value as text. */
export function interpolate(text: string, ctx: ExprContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, e: string) => asText(evaluate(e.trim(), ctx)));
}

/** An `if:` (with or without `${{ }}`); none: success(). */
function condition(text: string | undefined, ctx: ExprContext): boolean {
  if (text === undefined) return !ctx.status.failed;
  const e = text
    .trim()
    .replace(/^\$\{\{([\s\S]*)\}\}$/, '$1')
    .trim();
  const v = evaluate(e, ctx);
  // Actions adds success() to a condition that names no status function.
  const statusFn = /\b(always|success|failure|cancelled)\(\)/.test(e);
  return v !== null && v !== false && v !== 0 && v !== '' && (statusFn || !ctx.status.failed);
}

// ---- running -----------------------------------------------------------------------------------

function parseOutputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([\w-]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const body: string[] = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) body.push(lines[i]!);
      out[heredoc[1]!] = body.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      out[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return out;
}

interface Scope {
  env: Record<string, string>;
  inputs: Record<string, string | boolean>;
  steps: Record<string, { outputs: Record<string, string>; outcome: string }>;
  actionPath?: string;
}

export function runJob(opts: RunJobOptions): JobRun {
  const wf = parse(readFileSync(opts.workflowFile, 'utf8')) as {
    env?: Record<string, string>;
    jobs: Record<string, { if?: string; env?: Record<string, string>; steps: Step[] }>;
  };
  const [jobName, job] = Object.entries(wf.jobs)[0]!;
  const temp = mkdtempSync(join(opts.workspace, '..', 'runner-temp-'));
  const summaryFile = join(temp, 'step-summary.md');
  writeFileSync(summaryFile, '');
  const github = {
    event_name: opts.event,
    run_id: String(opts.runId),
    run_attempt: '1',
    repository: 'acme/shop',
    token: 'ghs_test-token',
    workflow: 'chaos',
    workspace: opts.workspace,
    action_path: opts.actionPath ?? '',
  };
  const baseEnv: Record<string, string> = {
    PATH: `${opts.binDir}:${process.env.PATH}`,
    HOME: process.env.HOME ?? temp,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: opts.event,
    GITHUB_RUN_ID: String(opts.runId),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: jobName,
    GITHUB_REPOSITORY: github.repository,
    GITHUB_WORKSPACE: opts.workspace,
    GITHUB_WORKFLOW_REF: `${github.repository}/${opts.workflowFile.slice(opts.workflowFile.indexOf('.github/'))}@refs/heads/main`,
    GITHUB_STEP_SUMMARY: summaryFile,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: temp,
    XDG_CACHE_HOME: join(temp, 'cache'),
    ...opts.extraEnv,
  };
  const status = { failed: false };
  const records: StepRecord[] = [];
  const inputs = opts.event === 'workflow_dispatch' ? (opts.inputs ?? {}) : {};

  const ctxFor = (scope: Scope): ExprContext => ({
    status,
    lookup([head, ...rest]) {
      const pick = (obj: unknown, path: string[]): Value => {
        let v: unknown = obj;
        for (const k of path) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
        return (v ?? null) as Value;
      };
      switch (head) {
        case 'github':
          return pick({ ...github, action_path: scope.actionPath ?? '' }, rest);
        case 'inputs':
          return pick(scope.inputs, rest);
        case 'env':
          return pick(scope.env, rest);
        case 'steps':
          return pick(scope.steps, rest);
        case 'runner':
          return pick({ os: 'Linux', arch: 'X64', temp }, rest);
        default:
          throw new Error(`context "${head}" is outside the runner's subset`);
      }
    },
  });

  function runSteps(steps: Step[], scope: Scope, prefix: string): void {
    for (const step of steps) {
      const ctx = ctxFor(scope);
      const name = prefix + (step.name ?? step.uses ?? step.run!.split('\n')[0]!);
      if (!condition(step.if, ctx)) {
        records.push({ name, skipped: true, outcome: 'skipped', exitCode: null, stdout: '', stderr: '', outputs: {} });
        if (step.id) scope.steps[step.id] = { outputs: {}, outcome: 'skipped' };
        continue;
      }
      const stepEnv: Record<string, string> = { ...scope.env };
      for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = interpolate(String(v), ctx);
      let outcome: 'success' | 'failure' = 'success';
      let outputs: Record<string, string> = {};
      let exitCode: number | null = 0;
      let stdout = '';
      let stderr = '';
      if (step.run !== undefined) {
        const outFile = join(temp, `output-${records.length}`);
        writeFileSync(outFile, '');
        const script = join(temp, `step-${records.length}.sh`);
        writeFileSync(script, interpolate(step.run, ctx));
        const cwd = step['working-directory'] ? resolve(opts.workspace, interpolate(step['working-directory'], ctx)) : opts.workspace;
        const res = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
          cwd,
          encoding: 'utf8',
          timeout: 300_000,
          env: { ...stepEnv, GITHUB_OUTPUT: outFile, ...(scope.actionPath ? { GITHUB_ACTION_PATH: scope.actionPath } : {}) },
        });
        ({ stdout, stderr } = res);
        exitCode = res.status;
        outcome = res.status === 0 ? 'success' : 'failure';
        outputs = parseOutputs(outFile);
      } else if (step.uses === './' && opts.actionPath) {
        const action = parse(readFileSync(join(opts.actionPath, 'action.yml'), 'utf8')) as {
          inputs: Record<string, { default?: string }>;
          outputs: Record<string, { value: string }>;
          runs: { steps: Step[] };
        };
        const given: Record<string, string> = {};
        for (const [k, v] of Object.entries(step.with ?? {})) given[k] = interpolate(String(v), ctx);
        const unknown = Object.keys(given).filter((k) => !(k in action.inputs));
        if (unknown.length) throw new Error(`${name}: inputs ${unknown.join(', ')} are not the action's`);
        const actionInputs: Record<string, string> = {};
        for (const [k, def] of Object.entries(action.inputs)) actionInputs[k] = given[k] ?? interpolate(String(def.default ?? ''), ctx);
        const inner: Scope = { env: { ...stepEnv }, inputs: actionInputs, steps: {}, actionPath: opts.actionPath };
        const before = records.length;
        runSteps(action.runs.steps, inner, `${name} > `);
        outcome = records.slice(before).some((r) => r.outcome === 'failure') ? 'failure' : 'success';
        for (const [k, o] of Object.entries(action.outputs)) outputs[k] = interpolate(o.value, ctxFor(inner));
        exitCode = null;
      } else {
        const key = Object.keys(opts.stubs).find((p) => step.uses!.startsWith(p));
        if (!key) throw new Error(`${name}: no stub for uses: ${step.uses}`);
        const withText: Record<string, string> = {};
        for (const [k, v] of Object.entries(step.with ?? {})) withText[k] = interpolate(String(v), ctx);
        try {
          outputs = opts.stubs[key]!({ uses: step.uses!, with: withText, workspace: opts.workspace, env: stepEnv }) ?? {};
        } catch (err) {
          outcome = 'failure';
          stderr = (err as Error).message;
        }
        exitCode = null;
      }
      records.push({ name, skipped: false, outcome, exitCode, stdout, stderr, outputs });
      if (step.id) scope.steps[step.id] = { outputs, outcome };
      if (outcome === 'failure' && !step['continue-on-error']) status.failed = true;
    }
  }

  const rootScope: Scope = { env: { ...baseEnv }, inputs, steps: {} };
  for (const [k, v] of Object.entries(wf.env ?? {})) rootScope.env[k] = interpolate(String(v), ctxFor(rootScope));
  if (!condition(job.if, ctxFor(rootScope))) return { status: 'success', steps: [], summary: '' };
  for (const [k, v] of Object.entries(job.env ?? {})) rootScope.env[k] = interpolate(String(v), ctxFor(rootScope));
  mkdirSync(opts.workspace, { recursive: true });
  runSteps(job.steps, rootScope, '');
  return { status: status.failed ? 'failure' : 'success', steps: records, summary: readFileSync(summaryFile, 'utf8') };
}
