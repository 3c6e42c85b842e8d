// The workflows run step by step as GitHub would run them (test/support/workflow-runner.ts): every
// `run:` step with GitHub's env vars, in order; `uses:` steps stubbed, their paths checked. `gh` is
// a stand-in serving the runs and artifacts of the nights before from a folder; `npx chaosgate run`
// is the real CLI's `evaluate` on a night's k6 samples with the repo's soak gates, so verdicts,
// exit codes and the baseline a night compares with are chaosgate's own.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../lib/tools.js';
import { runJob, type JobRun, type UsesStub } from './support/workflow-runner.js';

const root = mkdtempSync(join(tmpdir(), 'chaosgate-nights-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const cli = join(projectRoot, 'bin', 'chaosgate.mjs');
const store = join(root, 'store');
mkdirSync(store);
writeFileSync(join(store, 'runs.json'), '[]');
const JQ = '.[] | "\\(.databaseId) \\(.conclusion)"';

// gh: `run list` and `run download` from the store (runs.json, <id>/<artifact>/…); anything else fails.
const ghStub = `#!/usr/bin/env node
const fs = require('fs'), path = require('path');
const store = process.env.GH_STORE, args = process.argv.slice(2);
const flag = (n) => { const i = args.indexOf(n); return i < 0 ? undefined : args[i + 1]; };
fs.appendFileSync(path.join(store, 'gh.log'), JSON.stringify({ args, token: process.env.GH_TOKEN || null }) + '\\n');
if (!process.env.GH_TOKEN) { console.error('gh: no GH_TOKEN'); process.exit(4); }
if (flag('--repo') !== process.env.GITHUB_REPOSITORY) { console.error('gh: wrong --repo'); process.exit(1); }
if (args[0] === 'run' && args[1] === 'list') {
  if (flag('--jq') !== ${JSON.stringify(JQ)} || flag('--json') !== 'databaseId,conclusion' || flag('--status') !== 'completed') { console.error('gh stub: unexpected query ' + args.join(' ')); process.exit(1); }
  const runs = JSON.parse(fs.readFileSync(path.join(store, 'runs.json'), 'utf8'))
    .filter((r) => r.workflow === flag('--workflow') && r.event === flag('--event')).reverse().slice(0, Number(flag('--limit')));
  for (const r of runs) console.log(r.databaseId + ' ' + r.conclusion);
} else if (args[0] === 'run' && args[1] === 'download') {
  const from = path.join(store, args[2], flag('--name'));
  if (!fs.existsSync(from)) { console.error('no artifact matches ' + flag('--name')); process.exit(1); }
  fs.mkdirSync(flag('--dir'), { recursive: true });
  for (const f of fs.readdirSync(from)) fs.copyFileSync(path.join(from, f), path.join(flag('--dir'), f));
} else { console.error('gh stub: ' + args.join(' ')); process.exit(1); }
`;

// npx chaosgate run <profile> --out-dir D [--duration X]: the real CLI evaluates tonight's samples
// (night.ndjson in the workspace) with the profile's gates from the workspace's config.
const npxStub = `#!/usr/bin/env bash
set -euo pipefail
echo "NPX: $*" >> npx.log
echo "BASELINE: \${CHAOSGATE_BASELINE_REPORT-unset}" >> npx.log
[ "$1" = chaosgate ] && [ "$2" = run ] || { echo "npx stub: $*" >&2; exit 1; }
profile=$3; out=$5
mkdir -p "$out"
node -e 'const c = JSON.parse(require("fs").readFileSync("chaosgate.config.json", "utf8")); const p = c.profiles?.[process.argv[1]]; process.stdout.write(JSON.stringify({ evaluate: c.evaluate, gates: p?.gates ?? c.gates }))' "$profile" > "$out/gates.json"
exec node ${JSON.stringify(cli)} evaluate night.ndjson -c "$out/gates.json" --report json="$out/report.json" --report junit="$out/junit.xml" --report html="$out/report.html" --report markdown="$out/summary.md"
`;

const npmStub = '#!/bin/sh\necho "NPM: $*" >> npm.log\n';
const sudoStub = '#!/bin/sh\necho "SUDO: $*" >> sudo.log\n';

const bin = join(root, 'bin');
mkdirSync(bin);
for (const [name, text] of Object.entries({ gh: ghStub, npx: npxStub, npm: npmStub, sudo: sudoStub })) {
  writeFileSync(join(bin, name), text);
  chmodSync(join(bin, name), 0o755);
}

/** k6 NDJSON of a night: 16 minutes of requests every 0.5 s at `latency(minute)` ms, the soak's gauges (three of init's 5-minute drift windows). */
function nightSamples(latency: (minute: number) => number, failEvery = 0): string {
  const t0 = Date.UTC(2026, 0, 1, 2, 17);
  const lines = [
    JSON.stringify({ type: 'Metric', metric: 'gpu_memory_used_percent', data: { name: 'gpu_memory_used_percent', type: 'gauge', contains: 'default', thresholds: [] } }),
    JSON.stringify({ type: 'Metric', metric: 'queue_depth', data: { name: 'queue_depth', type: 'gauge', contains: 'default', thresholds: [] } }),
  ];
  const point = (metric: string, ms: number, value: number, tags: Record<string, string>) =>
    JSON.stringify({ type: 'Point', metric, data: { time: new Date(ms).toISOString(), value, tags } });
  for (let i = 0; i < 16 * 120; i++) {
    const t = t0 + i * 500;
    const failed = failEvery > 0 && i % failEvery === 0;
    const tags = { name: 'GET /', status: failed ? '500' : '200', expected_response: failed ? 'false' : 'true' };
    // A little spread so the p95 is not every sample.
    lines.push(point('http_req_duration', t, latency(i / 120) * (0.9 + (i % 10) * 0.02), tags));
    lines.push(point('http_req_failed', t, failed ? 1 : 0, tags));
    if (i % 10 === 0) {
      lines.push(point('gpu_memory_used_percent', t, 40, { group: 'gpu' }));
      lines.push(point('queue_depth', t, 3, { queue: 'ingestion', probe: 'celery-redis' }));
    }
  }
  return lines.join('\n') + '\n';
}

/** The stubs of the `uses:` steps: checkout copies the repo's files the steps read; uploads check and keep their paths. */
function stubs(runId: number, uploaded: Record<string, string[]>): Record<string, UsesStub> {
  return {
    'actions/checkout': ({ workspace }) => {
      mkdirSync(join(workspace, 'scripts'), { recursive: true });
      copyFileSync(join(projectRoot, 'scripts', 'previous-report.sh'), join(workspace, 'scripts', 'previous-report.sh'));
      if (!existsSync(join(workspace, 'chaosgate.config.json'))) copyFileSync(join(projectRoot, 'chaosgate.config.json'), join(workspace, 'chaosgate.config.json'));
    },
    'actions/setup-node': () => {},
    'actions/setup-go': () => {},
    'actions/cache': ({ with: w }) => {
      expect(w.path).toBeTruthy();
      expect(w.key).not.toMatch(/\$\{\{/);
      return { 'cache-hit': 'false' };
    },
    'actions/upload-artifact': ({ with: w, workspace }) => {
      const files = w
        .path!.trim()
        .split('\n')
        .map((l) => l.trim());
      const present = files.filter((f) => existsSync(join(workspace, f)));
      uploaded[w.name!] = present.map((f) => basename(f));
      const dir = join(store, String(runId), w.name!);
      mkdirSync(dir, { recursive: true });
      for (const f of present) copyFileSync(join(workspace, f), join(dir, basename(f)));
    },
    'dorny/test-reporter': ({ with: w, workspace }) => {
      if (!existsSync(join(workspace, w.path!))) throw new Error(`test-reporter: ${w.path} missing`);
    },
  };
}

interface Night {
  run: JobRun;
  uploaded: Record<string, string[]>;
  npx: string;
  gh: string[];
  report: { verdict: string; gates: { id: string; verdict: string; message: string; baselineValue?: number | null }[]; notes?: string[] } | null;
}

let nextRunId = 1000;
/** One night (or dispatch) of chaos.yml: its own workspace, tonight's samples, then the run recorded in the store. */
function chaosNight(opts: { event: 'schedule' | 'workflow_dispatch'; inputs?: Record<string, string | boolean>; samples: string; record?: boolean }): Night {
  const runId = nextRunId++;
  const workspace = join(root, `ws-${runId}`);
  mkdirSync(workspace);
  writeFileSync(join(workspace, 'night.ndjson'), opts.samples);
  writeFileSync(join(store, 'gh.log'), '');
  const uploaded: Record<string, string[]> = {};
  const run = runJob({
    workflowFile: join(projectRoot, '.github', 'workflows', 'chaos.yml'),
    event: opts.event,
    inputs: opts.inputs,
    workspace,
    binDir: bin,
    runId,
    stubs: stubs(runId, uploaded),
    extraEnv: { GH_STORE: store },
  });
  if (opts.event === 'schedule' && opts.record !== false) {
    const runs = JSON.parse(readFileSync(join(store, 'runs.json'), 'utf8')) as unknown[];
    runs.push({ databaseId: runId, conclusion: run.status, event: 'schedule', workflow: 'chaos.yml' });
    writeFileSync(join(store, 'runs.json'), JSON.stringify(runs));
  }
  const outDir = join(workspace, 'results', `${runId}-1`);
  return {
    run,
    uploaded,
    npx: existsSync(join(workspace, 'npx.log')) ? readFileSync(join(workspace, 'npx.log'), 'utf8') : '',
    gh: readFileSync(join(store, 'gh.log'), 'utf8').trim().split('\n').filter(Boolean),
    report: existsSync(join(outDir, 'report.json')) ? JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) : null,
  };
}

const step = (n: Night, name: string) => n.run.steps.find((s) => s.name === name)!;
const gate = (n: Night, id: string) => n.report!.gates.find((g) => g.id === id)!;

describe('chaos.yml run step by step', () => {
  it('the run_chaos=true dispatch runs the runtime setup and the gate, never looks for a previous night, and uploads every artifact', () => {
    const n = chaosNight({ event: 'workflow_dispatch', inputs: { run_chaos: true, profile: 'soak', duration: '90s' }, samples: nightSamples(() => 40) });
    expect(n.run.steps.filter((s) => !s.skipped).map((s) => s.name)).toEqual([
      'actions/checkout@v4',
      'actions/setup-node@v4',
      'actions/setup-go@v5',
      'actions/cache@v4',
      'Setup (npm ci, build, k6)',
      'Redis for the reference stack',
      'chaosgate run',
      'Upload chaos-test-reports (JUnit + JSON)',
      'Upload chaos-load-summaries (k6 summary + NDJSON.gz)',
      'Markdown summary',
      'Publish JUnit',
    ]);
    expect(step(n, "Find the previous night's report").skipped).toBe(true);
    expect(n.gh).toEqual([]);
    expect(n.npx).toContain(`NPX: chaosgate run soak --out-dir results/${nextRunId - 1}-1 --duration 90s`);
    expect(n.npx).toContain('BASELINE: unset');
    expect(n.uploaded['chaos-test-reports']).toEqual(['junit.xml', 'report.json', 'report.html']);
    expect(n.run.summary).toContain('| soak-p95 |');
    // The dispatch's soak has no previous night: its baseline gates are skipped, the run is green.
    expect(n.report!.verdict).toBe('warn');
    expect(n.run.status).toBe('success');
  });

  it('a dispatch without run_chaos is skipped whole', () => {
    const n = chaosNight({ event: 'workflow_dispatch', inputs: { run_chaos: false, profile: 'soak', duration: '' }, samples: '' });
    expect(n.run.steps).toEqual([]);
  });

  // The nights share the store: each night's artifacts and conclusion are what the next one finds.
  let night1: Night;
  it('night 1: no previous night; the baseline gates are skipped with a warning and a note, and the night is green', () => {
    night1 = chaosNight({ event: 'schedule', samples: nightSamples(() => 40) });
    expect(step(night1, 'Setup (npm ci, build, k6)').outcome).toBe('success');
    expect(readFileSync(join(root, `ws-${nextRunId - 1}`, 'npm.log'), 'utf8')).toBe('NPM: run setup -- --runtime\n');
    const find = step(night1, "Find the previous night's report");
    expect(find.outputs).toEqual({ report: '', how: 'none', runs: '' });
    expect(find.stdout).toContain('none: no scheduled run of chaos.yml among the last 20 left a complete report');
    expect(night1.npx).toContain('NPX: chaosgate run soak --out-dir');
    expect(night1.npx).toContain('--duration 2h');
    expect(night1.npx).toContain('BASELINE: unset');
    expect(gate(night1, 'p95-vs-last-night').verdict).toBe('warn');
    expect(gate(night1, 'p95-vs-last-night').message).toContain('skipped: no previous report was given');
    expect(gate(night1, 'p95-drift').verdict).toBe('pass');
    expect(night1.report!.notes!.join('\n')).toContain('no baseline');
    expect(night1.run.summary).toContain('no baseline');
    expect(night1.run.status).toBe('success');
  });

  let night2: Night;
  it("night 2 compares with night 1's report (the last green scheduled run) and passes", () => {
    night2 = chaosNight({ event: 'schedule', samples: nightSamples(() => 41) });
    const find = step(night2, "Find the previous night's report");
    expect(find.outputs).toMatchObject({ report: `previous-night/${nextRunId - 2}/report.json`, how: 'green', runs: String(nextRunId - 2) });
    expect(night2.npx).toContain(`BASELINE: previous-night/${nextRunId - 2}/report.json`);
    expect(gate(night2, 'p95-vs-last-night').verdict).toBe('pass');
    expect(gate(night2, 'p95-vs-last-night').baselineValue).toBeGreaterThan(40);
    expect(night2.report!.verdict).toBe('pass');
    expect(night2.run.status).toBe('success');
    // Every gh call carried the run's token.
    expect(night2.gh.every((l) => JSON.parse(l).token === 'ghs_test-token')).toBe(true);
  });

  let night3: Night;
  it('night 3, 25 % slower, fails its p95 against night 2 (exit 99), and its complete report is still uploaded', () => {
    night3 = chaosNight({ event: 'schedule', samples: nightSamples(() => 41 * 1.25) });
    expect(step(night3, "Find the previous night's report").outputs.runs).toBe(String(nextRunId - 2));
    expect(gate(night3, 'p95-vs-last-night').verdict).toBe('fail');
    expect(step(night3, 'chaosgate run').exitCode).toBe(99);
    expect(night3.run.status).toBe('failure');
    expect(night3.uploaded['chaos-test-reports']).toContain('report.json');
    expect(step(night3, 'Markdown summary').outcome).toBe('success');
  });

  it('night 4 skips the failed night and compares with night 2, the last green one', () => {
    const night4 = chaosNight({ event: 'schedule', samples: nightSamples(() => 41) });
    expect(step(night4, "Find the previous night's report").outputs).toMatchObject({ how: 'green', runs: String(nextRunId - 3) });
    expect(night4.report!.verdict).toBe('pass');
    expect(night4.run.status).toBe('success');
  });

  it('never stuck: with only failed nights, the newest complete report stands in (said so); partial ones and missing artifacts are passed over', () => {
    // A fresh history: two failed nights, the newer one partial, and one without an artifact at all.
    const runs = [
      { databaseId: 1, conclusion: 'failure', event: 'schedule', workflow: 'chaos.yml' },
      { databaseId: 2, conclusion: 'failure', event: 'schedule', workflow: 'chaos.yml' },
      { databaseId: 3, conclusion: 'failure', event: 'schedule', workflow: 'chaos.yml' },
      { databaseId: 4, conclusion: 'success', event: 'workflow_dispatch', workflow: 'chaos.yml' },
    ];
    const night3Report = readFileSync(join(store, String(nextRunId - 2), 'chaos-test-reports', 'report.json'), 'utf8');
    for (const [id, report] of [
      [1, night3Report],
      [2, JSON.stringify({ ...JSON.parse(night3Report), partial: true })],
    ] as const) {
      mkdirSync(join(store, String(id), 'chaos-test-reports'), { recursive: true });
      writeFileSync(join(store, String(id), 'chaos-test-reports', 'report.json'), report);
    }
    cpSync(join(store, 'runs.json'), join(root, 'runs-saved.json'));
    writeFileSync(join(store, 'runs.json'), JSON.stringify(runs));
    const n = chaosNight({ event: 'schedule', samples: nightSamples(() => 40), record: false });
    const find = step(n, "Find the previous night's report");
    expect(find.outputs).toMatchObject({ report: 'previous-night/1/report.json', how: 'fallback', runs: '1' });
    expect(find.stdout).toContain("a failed night's complete report stands in");
    // 3 (no artifact) and 2 (partial) were looked at and passed over; 4 is a dispatch.
    expect(n.gh.filter((l) => JSON.parse(l).args[1] === 'download').map((l) => JSON.parse(l).args[2])).toEqual(['3', '2', '1']);
    expect(n.report!.notes!.join('\n')).toContain('had the verdict fail');
    expect(n.run.status).toBe('success');
    cpSync(join(root, 'runs-saved.json'), join(store, 'runs.json'));
  });
});

describe('scripts/previous-report.sh modes', () => {
  /** The script on its own, against the store the nights above left (nights 1002 and 1003 green, 1004 failed, 1005 green, of chaos.yml). */
  function lookup(env: Record<string, string>): { status: number | null; stdout: string; stderr: string; outputs: Record<string, string>; cwd: string } {
    const cwd = mkdtempSync(join(root, 'lookup-'));
    writeFileSync(join(cwd, 'out'), '');
    const res = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', join(projectRoot, 'scripts', 'previous-report.sh')], {
      cwd,
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env.PATH}`, GH_STORE: store, GH_TOKEN: 't', GITHUB_REPOSITORY: 'acme/shop', GITHUB_OUTPUT: join(cwd, 'out'), WORKFLOW: 'chaos.yml', ...env },
    });
    const outputs = Object.fromEntries(
      readFileSync(join(cwd, 'out'), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    return { status: res.status, stdout: res.stdout, stderr: res.stderr, outputs, cwd };
  }

  it('NIGHTS=2: the last two green nights in one folder, whose median chaosgate compares with', () => {
    const r = lookup({ NIGHTS: '2' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.outputs).toEqual({ report: 'previous-night/median', how: 'green', runs: '1005 1003' });
    expect(readdirSync(join(r.cwd, 'previous-night', 'median')).sort()).toEqual(['1003.json', '1005.json']);
    expect(r.stdout).toContain('(the last green nights, median of 2)');
  });

  it('a pinned report is taken as it is; a missing one is exit 2; none is none', () => {
    writeFileSync(join(root, 'golden.json'), '{}');
    expect(lookup({ BASELINE: join(root, 'golden.json') }).outputs).toEqual({ report: join(root, 'golden.json'), how: 'pinned', runs: '' });
    const missing = lookup({ BASELINE: 'baselines/nope.json' });
    expect(missing.status).toBe(2);
    expect(missing.stdout).toContain('::error title=chaosgate baseline::the pinned baseline baselines/nope.json does not exist');
    expect(lookup({ BASELINE: 'none' }).outputs).toEqual({ report: '', how: 'none', runs: '' });
    expect(lookup({ NIGHTS: 'two' }).status).toBe(2);
  });
});

// ---- the user's workflow from `chaosgate init`, through the composite action ---------------------

describe("init's workflow through the composite action, run step by step", () => {
  /** The action's checkout: its action.yml and the scripts it runs; chaosgate itself a stand-in that evaluates like the npx one. */
  const actionPath = join(root, 'action');
  mkdirSync(join(actionPath, 'scripts'), { recursive: true });
  mkdirSync(join(actionPath, 'bin'), { recursive: true });
  mkdirSync(join(actionPath, 'lib'), { recursive: true });
  copyFileSync(join(projectRoot, 'action.yml'), join(actionPath, 'action.yml'));
  copyFileSync(join(projectRoot, 'scripts', 'previous-report.sh'), join(actionPath, 'scripts', 'previous-report.sh'));
  copyFileSync(join(projectRoot, 'lib', 'pins.json'), join(actionPath, 'lib', 'pins.json'));
  writeFileSync(join(actionPath, 'scripts', 'build.mjs'), '');
  // `node …/bin/chaosgate.mjs setup` and `… run <profile> --config F --out-dir D [--duration X]`.
  writeFileSync(
    join(actionPath, 'bin', 'chaosgate.mjs'),
    `import { spawnSync } from 'node:child_process'; import fs from 'node:fs';
const a = process.argv.slice(2);
fs.appendFileSync('chaosgate.log', 'ARGS: ' + a.join(' ') + '\\nBASELINE: ' + (process.env.CHAOSGATE_BASELINE_REPORT ?? 'unset') + '\\n');
if (a[0] === 'setup') process.exit(0);
const out = a[a.indexOf('--out-dir') + 1]; const profile = a[1];
fs.mkdirSync(out, { recursive: true });
const c = JSON.parse(fs.readFileSync(a[a.indexOf('--config') + 1], 'utf8'));
fs.writeFileSync(out + '/gates.json', JSON.stringify({ gates: c.profiles[profile].gates }));
const r = spawnSync(process.execPath, [${JSON.stringify(cli)}, 'evaluate', 'night.ndjson', '-c', out + '/gates.json', '--report', 'json=' + out + '/report.json', '--report', 'junit=' + out + '/junit.xml', '--report', 'markdown=' + out + '/summary.md'], { stdio: 'inherit' });
process.exit(r.status ?? 1);
`,
  );

  // The user's repository: `chaosgate init`'s config (its soak profile, for a `web` service) and workflow.
  const userRepo = join(root, 'user');
  mkdirSync(join(userRepo, '.github', 'workflows'), { recursive: true });
  writeFileSync(
    join(userRepo, 'chaosgate.config.json'),
    readFileSync(join(projectRoot, 'templates', 'chaosgate.config.json'), 'utf8').replace('{{SERVICE_URL}}', 'http://127.0.0.1:8000'),
  );
  writeFileSync(
    join(userRepo, '.github', 'workflows', 'chaosgate.yml'),
    readFileSync(join(projectRoot, 'templates', 'workflows', 'chaosgate.yml'), 'utf8').replace('{{ACTION}}', './'),
  );

  const userStore: Record<number, string> = {};
  function userNight(runId: number, samples: string): { run: JobRun; log: string; report: Night['report'] } {
    const workspace = join(root, `user-ws-${runId}`);
    cpSync(userRepo, workspace, { recursive: true });
    writeFileSync(join(workspace, 'night.ndjson'), samples);
    const uploaded: Record<string, string[]> = {};
    const run = runJob({
      workflowFile: join(workspace, '.github', 'workflows', 'chaosgate.yml'),
      event: 'schedule',
      workspace,
      binDir: bin,
      runId,
      actionPath,
      stubs: stubs(runId, uploaded),
      extraEnv: { GH_STORE: store },
    });
    const runs = JSON.parse(readFileSync(join(store, 'runs.json'), 'utf8')) as unknown[];
    runs.push({ databaseId: runId, conclusion: run.status, event: 'schedule', workflow: 'chaosgate.yml' });
    writeFileSync(join(store, 'runs.json'), JSON.stringify(runs));
    const dir = join(workspace, 'chaosgate-results', `${runId}-1-chaosgate`);
    userStore[runId] = dir;
    if (!existsSync(join(workspace, 'chaosgate.log')))
      throw new Error(
        JSON.stringify(
          run.steps.map((s) => [s.name, s.outcome, s.stdout.slice(-300), s.stderr.slice(-600)]),
          null,
          1,
        ),
      );
    return {
      run,
      log: readFileSync(join(workspace, 'chaosgate.log'), 'utf8'),
      report: existsSync(join(dir, 'report.json')) ? JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) : null,
    };
  }
  // The web service's requests carry the service tag the config's `services` gives them.
  const webSamples = (ms: number) => nightSamples(() => ms).replaceAll('"name":"GET /"', '"name":"GET /","service":"web"');

  it('night 1: the action finds no previous run of this workflow, the soak runs, its baseline gates are skipped as warnings', () => {
    const n = userNight(5001, webSamples(40));
    const names = n.run.steps.filter((s) => !s.skipped).map((s) => s.name);
    expect(names).toContain('./ > Find the previous report');
    expect(names).toContain('./ > chaosgate run');
    expect(n.run.steps.find((s) => s.name === './ > Set up Go (to build k6)')!.skipped).toBe(false);
    expect(n.log).toContain('ARGS: run soak --config chaosgate.config.json --out-dir chaosgate-results/5001-1-chaosgate --duration 2h');
    expect(n.log).toContain('BASELINE: unset');
    expect(n.report!.gates.find((g) => g.id === 'p95-vs-last-night')!.verdict).toBe('warn');
    expect(n.run.status).toBe('success');
  });

  it("night 2: the action downloads night 1's report with the run's token and the soak compares with it (25 % slower: exit 99)", () => {
    const n = userNight(5002, webSamples(50));
    const find = n.run.steps.find((s) => s.name === './ > Find the previous report')!;
    expect(find.outputs.how).toBe('green');
    expect(find.outputs.runs).toBe('5001');
    expect(n.log).toMatch(/BASELINE: .*chaosgate-previous\/5001\/report\.json/);
    const g = n.report!.gates.find((x) => x.id === 'p95-vs-last-night')!;
    expect(g.verdict).toBe('fail');
    expect(n.run.steps.find((s) => s.name === './ > chaosgate run')!.exitCode).toBe(99);
    expect(n.run.status).toBe('failure');
    expect(readdirSync(join(store, '5002', 'chaos-test-reports')).sort()).toEqual(
      ['junit.xml', 'report.html', 'report.json'].filter((f) => existsSync(join(userStore[5002]!, f))).sort(),
    );
  });
});
