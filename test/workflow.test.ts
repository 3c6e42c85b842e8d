// The CI workflow: actionlint (the pinned build in tools/bin) passes on it, and it carries the
// inputs, schedule, artifact names and steps that QA and the seeds' pipeline rely on.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { projectRoot, requireTool } from '../lib/tools.js';

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
    const files = (i: number) => String(uploads[i]!.with!.path).trim().split('\n').map((l) => l.replace('${{ env.OUT_DIR }}/', ''));
    expect(files(0)).toEqual(['junit.xml', 'report.json', 'report.html']);
    expect(files(1)).toEqual(['k6-summary.json', 'k6.ndjson.gz']);
    const junit = uses('dorny/test-reporter@');
    expect(junit).toHaveLength(1);
    expect(junit[0]!.if).toBe('always()');
    expect(junit[0]!.with).toMatchObject({ reporter: 'java-junit' });
    const summary = job.steps.find((s) => s.run?.includes('GITHUB_STEP_SUMMARY'));
    expect(summary?.if).toBe('always()');
  });

  it('downloads the previous night\'s report for the soak, optionally', () => {
    const download = uses('actions/download-artifact@');
    expect(download).toHaveLength(1);
    expect(download[0]!.with!.name).toBe('chaos-test-reports');
    expect(download[0]).toMatchObject({ 'continue-on-error': true });
  });
});

describe('the `chaosgate run` step script', () => {
  // The step's own bash, run with `npx` on PATH replaced by a script that prints its arguments:
  // checks how the inputs and the previous night's report become chaosgate's flags.
  function runStep(env: Record<string, string>, files: Record<string, string> = {}): { out: string; dir: string } {
    const dir = mkdtempSync(join(tmpdir(), 'chaosgate-wf-'));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'npx'), '#!/bin/sh\necho "NPX: $*"\n');
    chmodSync(join(dir, 'bin', 'npx'), 0o755);
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(dir, name, '..'), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    const script = job.steps.find((s) => s.name === 'chaosgate run')!.run!;
    writeFileSync(join(dir, 'step.sh'), script);
    // As GitHub Actions runs a `run:` block with `shell: bash`.
    const res = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', 'step.sh'], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, OUT_DIR: 'results/7-1', PREVIOUS_DIR: 'previous-night', CHAOSGATE_CONFIG: '', ...env },
    });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    return { out: res.stdout.split('\n').find((l) => l.startsWith('NPX: '))!, dir };
  }

  it('passes profile, out dir and a non-empty duration', () => {
    const a = runStep({ PROFILE: 'chaos-smoke', DURATION: '90s' });
    expect(a.out).toBe('NPX: chaosgate run chaos-smoke --out-dir results/7-1 --duration 90s');
    rmSync(a.dir, { recursive: true });
    const b = runStep({ PROFILE: 'spike', DURATION: '' });
    expect(b.out).toBe('NPX: chaosgate run spike --out-dir results/7-1');
    rmSync(b.dir, { recursive: true });
  });

  it('turns the previous night\'s JSON report into run.previousReport, keeping a given config', () => {
    const r = runStep(
      { PROFILE: 'soak', DURATION: '2h', CHAOSGATE_CONFIG: 'gate.json' },
      { 'previous-night/report.json': '{}', 'previous-night/junit.xml': '<x/>', 'gate.json': '{"gates":[{"metric":"m","expression":"max<1"}]}' },
    );
    expect(r.out).toBe('NPX: chaosgate run soak --out-dir results/7-1 --duration 2h --config results/ci-config.json');
    expect(JSON.parse(readFileSync(join(r.dir, 'results', 'ci-config.json'), 'utf8'))).toEqual({
      gates: [{ metric: 'm', expression: 'max<1' }],
      run: { previousReport: 'previous-night/report.json' },
    });
    rmSync(r.dir, { recursive: true });
  });

  it('keeps ./chaosgate.config.json (chaosgate\'s default) when merging the previous report', () => {
    const r = runStep(
      { PROFILE: 'soak', DURATION: '' },
      { 'previous-night/report.json': '{}', 'chaosgate.config.json': '{"profiles":{}}' },
    );
    expect(r.out).toBe('NPX: chaosgate run soak --out-dir results/7-1 --config results/ci-config.json');
    expect(JSON.parse(readFileSync(join(r.dir, 'results', 'ci-config.json'), 'utf8'))).toEqual({
      profiles: {},
      run: { previousReport: 'previous-night/report.json' },
    });
    rmSync(r.dir, { recursive: true });
  });
});
