// The CI workflow: actionlint (the pinned build in tools/bin) passes on it, and it carries the
// inputs, schedule, artifact names and steps that QA and the seeds' pipeline rely on.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { k6CachePath, pins, projectRoot, requireTool } from '../lib/tools.js';

const workflowPath = join(projectRoot, '.github', 'workflows', 'chaos.yml');

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Workflow {
  on: {
    workflow_dispatch: { inputs: Record<string, { type: string; options?: string[]; default?: unknown }> };
    schedule: { cron: string }[];
  };
  jobs: Record<string, { if?: string; env?: Record<string, string>; steps: Step[] }>;
}

const workflow = parse(readFileSync(workflowPath, 'utf8')) as Workflow;
const job = Object.values(workflow.jobs)[0]!;
const uses = (prefix: string) => job.steps.filter((s) => s.uses?.startsWith(prefix));

describe('.github/workflows/chaos.yml', () => {
  it('passes actionlint', () => {
    const res = spawnSync(requireTool('actionlint'), ['-no-color', workflowPath], { encoding: 'utf8' });
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('actionlint does fail on a broken workflow (so the check above means something)', () => {
    const broken = readFileSync(workflowPath, 'utf8').replace('inputs.run_chaos', 'inputs.run_choas');
    const res = spawnSync(requireTool('actionlint'), ['-no-color', '-'], { input: broken, encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stdout).toMatch(/run_choas/);
  });

  it('has the dispatch inputs run_chaos, profile and duration, and a nightly soak schedule', () => {
    const inputs = workflow.on.workflow_dispatch.inputs;
    expect(inputs.run_chaos).toMatchObject({ type: 'boolean', default: false });
    expect(inputs.profile).toMatchObject({ type: 'choice' });
    expect(inputs.profile!.options).toEqual(['smoke', 'spike', 'soak', 'chaos-smoke']);
    expect(inputs.duration).toMatchObject({ type: 'string' });
    expect(workflow.on.schedule).toHaveLength(1);
    expect(workflow.on.schedule[0]!.cron.split(' ')).toHaveLength(5);
    expect(job.if).toBe("github.event_name == 'schedule' || inputs.run_chaos");
    expect(job.env!.PROFILE).toContain("github.event_name == 'schedule' && 'soak'");
  });

  it('sets up node 20 and go, runs the setup and `chaosgate run` with the out dir and duration', () => {
    expect(uses('actions/checkout@')).toHaveLength(1);
    expect(uses('actions/setup-node@')[0]!.with!['node-version']).toBe(20);
    expect(uses('actions/setup-go@')).toHaveLength(1);
    const runs = job.steps.map((s) => s.run ?? '').join('\n');
    expect(runs).toContain('npm run setup');
    expect(runs).toMatch(/args=\(run "\$PROFILE" --out-dir "\$OUT_DIR"\)/);
    expect(runs).toContain('--duration "$DURATION"');
    expect(runs).toContain('npx chaosgate "${args[@]}"');
    expect(runs).toContain('>> "$GITHUB_STEP_SUMMARY"');
  });

  it('always uploads chaos-test-reports and chaos-load-summaries and publishes JUnit', () => {
    const uploads = uses('actions/upload-artifact@');
    expect(uploads.map((s) => s.with!.name)).toEqual(['chaos-test-reports', 'chaos-load-summaries']);
    expect(uploads.every((s) => s.if === 'always()')).toBe(true);
    // The file names `chaosgate run` writes into its out dir (run/orchestrate.ts, load/k6-runner.ts).
    const files = (i: number) =>
      String(uploads[i]!.with!.path)
        .trim()
        .split('\n')
        .map((l) => l.replace('${{ env.OUT_DIR }}/', ''));
    expect(files(0)).toEqual(['junit.xml', 'report.json', 'report.html']);
    expect(files(1)).toEqual(['k6-summary.json', 'k6.ndjson.gz']);
    const junit = uses('dorny/test-reporter@');
    expect(junit).toHaveLength(1);
    expect(junit[0]!.if).toBe('always()');
    expect(junit[0]!.with).toMatchObject({ reporter: 'java-junit' });
    const summary = job.steps.find((s) => s.run?.includes('GITHUB_STEP_SUMMARY'));
    expect(summary?.if).toBe('always()');
  });

  it("finds the previous night's report on the schedule only, with scripts/previous-report.sh and the run's token", () => {
    expect(uses('actions/download-artifact@')).toHaveLength(0);
    const find = job.steps.find((s) => s.name === "Find the previous night's report") as Step & { id: string; env: Record<string, string> };
    expect(find).toMatchObject({ id: 'previous', if: "github.event_name == 'schedule'", run: 'bash scripts/previous-report.sh' });
    expect(find.env).toMatchObject({ GH_TOKEN: '${{ github.token }}', WORKFLOW: 'chaos.yml' });
    expect(job.env!.BASELINE).toBe('previous-scheduled-run');
    const gate = job.steps.find((s) => s.name === 'chaosgate run') as Step & { env: Record<string, string> };
    expect(gate.env.PREVIOUS_REPORT).toBe('${{ steps.previous.outputs.report }}');
  });

  it('sets up the runtime only: no test packages', () => {
    expect(job.steps.find((s) => s.name?.startsWith('Setup'))!.run).toBe('npm run setup -- --runtime');
  });
});

describe('the `chaosgate run` step script', () => {
  // The step's own bash, run with `npx` on PATH replaced by a script (by default one that prints its
  // arguments and the previous-report variable): checks how the inputs and the previous night's
  // report reach chaosgate.
  const printArgs = '#!/bin/sh\necho "NPX: $*"\necho "BASELINE: ${CHAOSGATE_BASELINE_REPORT-unset}"\n';
  function runStep(env: Record<string, string>, files: Record<string, string> = {}, npx = printArgs) {
    const dir = mkdtempSync(join(tmpdir(), 'chaosgate-wf-'));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'npx'), npx);
    chmodSync(join(dir, 'bin', 'npx'), 0o755);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const script = job.steps.find((s) => s.name === 'chaosgate run')!.run!;
    writeFileSync(join(dir, 'step.sh'), script);
    // As GitHub Actions runs a `run:` block with `shell: bash`, with the job's env.
    const res = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', 'step.sh'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, OUT_DIR: 'results/7-1', CHAOSGATE_CONFIG: '', PREVIOUS_REPORT: '', ...env },
    });
    rmSync(dir, { recursive: true });
    const line = (prefix: string) =>
      res.stdout
        .split('\n')
        .find((l) => l.startsWith(prefix))
        ?.slice(prefix.length);
    return { status: res.status, stdout: res.stdout, stderr: res.stderr, args: line('NPX: '), baseline: line('BASELINE: ') };
  }

  it('passes profile, out dir and a non-empty duration', () => {
    expect(runStep({ PROFILE: 'chaos-smoke', DURATION: '90s' })).toMatchObject({ status: 0, stderr: '', args: 'chaosgate run chaos-smoke --out-dir results/7-1 --duration 90s' });
    expect(runStep({ PROFILE: 'spike', DURATION: '' })).toMatchObject({ status: 0, stderr: '', args: 'chaosgate run spike --out-dir results/7-1' });
  });

  it("gives the previous night's JSON report as CHAOSGATE_BASELINE_REPORT, beside a given config", () => {
    const r = runStep(
      { PROFILE: 'soak', DURATION: '2h', CHAOSGATE_CONFIG: 'gate.json', PREVIOUS_REPORT: 'previous-night/41/report.json' },
      { 'previous-night/41/report.json': '{}', 'gate.json': '{"gates":[{"metric":"m","expression":"max<1"}]}' },
    );
    expect(r).toMatchObject({
      status: 0,
      stderr: '',
      args: 'chaosgate run soak --out-dir results/7-1 --duration 2h --config gate.json',
      baseline: 'previous-night/41/report.json',
    });
    expect(r.stdout).toContain('comparing with previous-night/41/report.json');
  });

  it('without a previous report (first night, expired artifact) sets no baseline, and leaves ./chaosgate.config.json to chaosgate', () => {
    const r = runStep({ PROFILE: 'soak', DURATION: '', PREVIOUS_REPORT: '' }, { 'chaosgate.config.json': '{"profiles":{}}' });
    expect(r).toMatchObject({ status: 0, stderr: '', args: 'chaosgate run soak --out-dir results/7-1', baseline: 'unset' });
    expect(r.stdout).not.toContain('comparing with');
  });

  it('the real CLI reads the report the step names (a broken one: exit 3 naming it, before anything starts)', () => {
    const cli = join(projectRoot, 'bin', 'chaosgate.mjs');
    const r = runStep(
      { PROFILE: 'soak', DURATION: '', PREVIOUS_REPORT: 'previous-night/report.json' },
      { 'previous-night/report.json': '{"not":"a report"}' },
      `#!/bin/sh\nshift\nexec "${process.execPath}" "${cli}" "$@"\n`,
    );
    expect(r.status).toBe(3);
    expect(r.stderr).toContain('baseline report previous-night/report.json: not a chaosgate report');
  });
});

// ---- the composite action (action.yml) and the workflow `chaosgate init` writes ----------------

interface ActionStep extends Step {
  id?: string;
  shell?: string;
  env?: Record<string, string>;
  'working-directory'?: string;
}
interface ActionMeta {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

const actionPath = join(projectRoot, 'action.yml');
const action = parse(readFileSync(actionPath, 'utf8')) as ActionMeta;
const actionStep = (name: string) => action.runs.steps.find((s) => s.name === name)!;

/** A git repository in a temp folder holding action.yml at its root and the init workflow using it as `./`. */
function lintRepo(workflowText: string): { dir: string; lint: () => { status: number | null; out: string } } {
  const dir = mkdtempSync(join(tmpdir(), 'chaosgate-action-'));
  spawnSync('git', ['init', '-q', dir]);
  writeFileSync(join(dir, 'action.yml'), readFileSync(actionPath, 'utf8'));
  mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
  writeFileSync(join(dir, '.github', 'workflows', 'chaosgate.yml'), workflowText);
  return {
    dir,
    lint: () => {
      const res = spawnSync(requireTool('actionlint'), ['-no-color'], { cwd: dir, encoding: 'utf8' });
      return { status: res.status, out: res.stdout + res.stderr };
    },
  };
}

const initWorkflow = readFileSync(join(projectRoot, 'templates', 'workflows', 'chaosgate.yml'), 'utf8');

describe('the init workflow template with the action', () => {
  it("passes actionlint, which also checks its `with:` against action.yml's inputs", () => {
    const repo = lintRepo(initWorkflow.replace('{{ACTION}}', './'));
    expect(repo.lint()).toEqual({ status: 0, out: '' });
    rmSync(repo.dir, { recursive: true });
  });

  it('actionlint fails on an input action.yml does not have (so the check above means something)', () => {
    const repo = lintRepo(initWorkflow.replace('{{ACTION}}', './').replace('          profile:', '          profil:'));
    const res = repo.lint();
    expect(res.status).toBe(1);
    expect(res.out).toContain('input "profil" is not defined in action "chaosgate"');
    rmSync(repo.dir, { recursive: true });
  });

  it('has run_chaos dispatch, a nightly soak, and the placeholder init replaces', () => {
    const wf = parse(initWorkflow.replace('{{ACTION}}', 'o/r@v1')) as Workflow;
    expect(wf.on.workflow_dispatch.inputs.run_chaos).toMatchObject({ type: 'boolean', default: false });
    expect(wf.on.workflow_dispatch.inputs.profile!.options).toEqual(['smoke', 'chaos', 'soak']);
    expect(wf.on.schedule[0]!.cron.split(' ')).toHaveLength(5);
    const j = Object.values(wf.jobs)[0]!;
    expect(j.if).toBe("github.event_name == 'schedule' || inputs.run_chaos");
    const gate = j.steps.find((s) => s.uses === 'o/r@v1')!;
    expect(gate.with).toMatchObject({ config: 'chaosgate.config.json' });
    expect(String(gate.with!.profile)).toContain("github.event_name == 'schedule' && env.NIGHTLY_PROFILE || inputs.profile");
    expect(String(gate.with!.duration)).toContain("github.event_name == 'schedule' && env.NIGHTLY_DURATION || inputs.duration");
    expect(String(gate.with!.baseline)).toContain("github.event_name == 'schedule' && 'previous-scheduled-run' || inputs.baseline");
    expect((wf as unknown as { permissions: Record<string, string> }).permissions).toMatchObject({ actions: 'read', checks: 'write' });
  });
});

describe('the django-celery init workflow (init --stack django-celery)', () => {
  it('passes actionlint as written (placeholders and all)', () => {
    const text = readFileSync(join(projectRoot, 'templates', 'stacks', 'django-celery', 'workflows', 'chaosgate.yml'), 'utf8');
    const repo = lintRepo(text);
    expect(repo.lint()).toEqual({ status: 0, out: '' });
    rmSync(repo.dir, { recursive: true });
  });
});

describe('action.yml', () => {
  it('is a composite action whose every input is used and every run step names its shell', () => {
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs).sort()).toEqual(['baseline', 'baseline-nights', 'config', 'duration', 'out-dir', 'profile', 'script', 'token']);
    const text = JSON.stringify(action.runs.steps);
    for (const name of Object.keys(action.inputs)) expect(text, `inputs.${name} unused`).toContain(`inputs.${name}`);
    for (const step of action.runs.steps.filter((s) => s.run)) expect(step.shell, step.name).toBe('bash');
    // Outputs come from a step that exists.
    for (const out of Object.values(action.outputs)) {
      const id = /steps\.([\w-]+)\.outputs/.exec(out.value)![1];
      expect(action.runs.steps.some((s) => s.id === id)).toBe(true);
    }
  });

  it('caches k6 by its pins and builds it only on a miss (with Go), runs the gate, then always reports', () => {
    const cache = action.runs.steps.find((s) => s.uses?.startsWith('actions/cache@'))!;
    expect(cache.with).toEqual({ path: '${{ steps.pins.outputs.dir }}', key: '${{ steps.pins.outputs.key }}' });
    expect(action.runs.steps.find((s) => s.uses?.startsWith('actions/setup-go@'))!.if).toBe("steps.k6-cache.outputs.cache-hit != 'true'");
    expect(actionStep('Build k6 (chaosgate setup)').run).toContain('chaosgate.mjs" setup');
    const after = action.runs.steps.slice(action.runs.steps.findIndex((s) => s.id === 'gate') + 1);
    expect(after.map((s) => s.uses?.split('@')[0] ?? s.name)).toEqual(['actions/upload-artifact', 'actions/upload-artifact', 'Job summary', 'dorny/test-reporter']);
    for (const s of after) expect(s.if).toMatch(/^always\(\)/);
    expect(after.slice(0, 2).map((s) => s.with!.name)).toEqual(['chaos-test-reports', 'chaos-load-summaries']);
    const files = (i: number) =>
      String(after[i]!.with!.path)
        .trim()
        .split('\n')
        .map((l) => l.replace('${{ steps.gate.outputs.report-dir }}/', ''));
    expect(files(0)).toEqual(['junit.xml', 'report.json', 'report.html']);
    // With samples.ndjson and chaos-events.jsonl: what `evaluate --events` needs to replay the run from the artifacts.
    expect(files(1)).toEqual(['k6-summary.json', 'k6.ndjson.gz', 'samples.ndjson', 'chaos-events.jsonl']);
    expect(actionStep('Job summary').run).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(after[3]!.with).toMatchObject({ reporter: 'java-junit' });
  });

  it('the pins step caches the folder `chaosgate setup` writes (lib/pins.json → k6CachePath)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaosgate-pins-'));
    const output = join(dir, 'out');
    writeFileSync(output, '');
    const res = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', actionStep('Pins').run!], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH,
        HOME: join(dir, 'home'),
        XDG_CACHE_HOME: join(dir, 'cache'),
        GITHUB_ACTION_PATH: projectRoot,
        GITHUB_OUTPUT: output,
        RUNNER_OS: 'Linux',
        RUNNER_ARCH: 'X64',
      },
    });
    expect(res.stderr).toBe('');
    const outputs = Object.fromEntries(
      readFileSync(output, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    expect(outputs.k6).toBe(pins.k6);
    expect(outputs.dir).toBe(dirname(k6CachePath({ XDG_CACHE_HOME: join(dir, 'cache') })));
    expect(outputs.key).toMatch(/^chaosgate-k6-Linux-X64-[0-9a-f]{16}$/);
    rmSync(dir, { recursive: true });
  });

  describe('the `chaosgate run` step script', () => {
    // The step's bash with GITHUB_ACTION_PATH at a stand-in CLI that prints its arguments and exits
    // with CODE: checks how the inputs become flags and that the exit code comes through.
    function gateStep(env: Record<string, string>, code = 0): { status: number | null; args: string; outputs: Record<string, string> } {
      const dir = mkdtempSync(join(tmpdir(), 'chaosgate-gate-'));
      mkdirSync(join(dir, 'bin'));
      writeFileSync(join(dir, 'bin', 'chaosgate.mjs'), `console.log('ARGS: ' + JSON.stringify(process.argv.slice(2))); process.exit(${code});\n`);
      writeFileSync(join(dir, 'out'), '');
      const res = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', actionStep('chaosgate run').run!], {
        encoding: 'utf8',
        cwd: dir,
        env: {
          PATH: process.env.PATH,
          GITHUB_ACTION_PATH: dir,
          GITHUB_OUTPUT: join(dir, 'out'),
          GITHUB_RUN_ID: '7',
          GITHUB_RUN_ATTEMPT: '2',
          GITHUB_JOB: 'gate',
          CONFIG: 'chaosgate.config.json',
          PROFILE: '',
          DURATION: '',
          SCRIPT: '',
          OUT_ROOT: 'chaosgate-results',
          ...env,
        },
      });
      const outputs = Object.fromEntries(
        readFileSync(join(dir, 'out'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => l.split(/=(.*)/s).slice(0, 2)),
      );
      rmSync(dir, { recursive: true });
      return { status: res.status, args: res.stdout.split('\n').find((l) => l.startsWith('ARGS: ')) ?? res.stdout, outputs };
    }

    it('passes profile, config, out dir and a non-empty duration', () => {
      const a = gateStep({ PROFILE: 'chaos', DURATION: '90s' });
      expect(a.args).toBe('ARGS: ["run","chaos","--config","chaosgate.config.json","--out-dir","chaosgate-results/7-2-gate","--duration","90s"]');
      expect(a).toMatchObject({ status: 0, outputs: { 'report-dir': 'chaosgate-results/7-2-gate', 'exit-code': '0' } });
      expect(gateStep({ PROFILE: 'smoke' }).args).toBe('ARGS: ["run","smoke","--config","chaosgate.config.json","--out-dir","chaosgate-results/7-2-gate"]');
    });

    it('runs a script without a profile', () => {
      expect(gateStep({ SCRIPT: 'k6/x.ts', CONFIG: 'gate.json' }).args).toBe('ARGS: ["run","--script","k6/x.ts","--config","gate.json","--out-dir","chaosgate-results/7-2-gate"]');
    });

    it("fails the step with chaosgate's exit code, which also becomes the exit-code output", () => {
      expect(gateStep({ PROFILE: 'chaos' }, 99)).toMatchObject({ status: 99, outputs: { 'exit-code': '99' } });
    });

    it('neither profile nor script: exit 2 with an error annotation, before running anything', () => {
      const r = gateStep({});
      expect(r.status).toBe(2);
      expect(r.args).toContain('::error title=chaosgate::set the profile input or the script input');
      expect(r.outputs['exit-code']).toBe('2');
    });
  });
});
