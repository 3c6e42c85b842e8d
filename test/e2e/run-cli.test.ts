// `chaosgate run` refuses bad input before it starts anything: a clear message, exit 2, no stack trace.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/tools.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-run-cli-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

function run(args: string[], config?: unknown) {
  const argv = [join(projectRoot, 'bin', 'chaosgate.mjs'), 'run', ...args];
  if (config !== undefined) argv.push('--config', join(dir, 'c.json'));
  return { argv, config };
}

async function exec(args: string[], config?: unknown) {
  const r = run(args, config);
  if (config !== undefined) await writeFile(join(dir, 'c.json'), typeof config === 'string' ? config : JSON.stringify(config));
  const p = spawnSync(process.execPath, r.argv, { encoding: 'utf8', cwd: dir, timeout: 30_000 });
  return { code: p.status, stderr: p.stderr, stdout: p.stdout };
}

const noTrace = (s: string) => expect(s).not.toMatch(/\n\s+at .+:\d+:\d+/);

describe('chaosgate run: bad input', () => {
  it('names an unknown profile and lists the known ones', async () => {
    const r = await exec(['nightly-typo']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown profile "nightly-typo" \(known: chaos-smoke, smoke, soak, spike\)/);
    noTrace(r.stderr);
  });

  it('refuses a duration that is not one', async () => {
    const r = await exec(['soak', '--duration', 'forever']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--duration forever: not a duration/);
  });

  it('names the config field of a bad profile plan entry', async () => {
    const r = await exec(['broken'], {
      profiles: { broken: { scenario: 'smoke', plan: [{ id: 'x', kind: 'http-latency', target: 'stack', params: { fixedMs: -5 } }] } },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/profiles\.broken\.plan\.0\.params\.fixedMs/);
    noTrace(r.stderr);
  });

  it('names an unknown scenario and a misspelt run field', async () => {
    const r = await exec(['x'], { run: { recovry: {} }, profiles: { x: { scenario: 'nope' } } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/run: Unrecognized key: "recovry"|run.*recovry/);
    expect(r.stderr).toMatch(/profiles\.x\.scenario/);
  });

  it('refuses run.previousReport, naming evaluate.baselineReport that replaced it', async () => {
    const r = await exec(['soak'], { run: { previousReport: 'last-night/report.json' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('run.previousReport: no longer a config field; use evaluate.baselineReport (env CHAOSGATE_BASELINE_REPORT, flag --baseline)');
    noTrace(r.stderr);
  });

  it('reads --baseline (as evaluate and merge do) before starting anything: a missing report is exit 3', async () => {
    const r = await exec(['soak', '--baseline', 'no-such-night/report.json']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no-such-night/report.json');
    noTrace(r.stderr);
  });

  it('gives file:line:col for a config that is not JSON', async () => {
    const r = await exec(['smoke'], '{\n  "run": {\n    "outDir": "x",,\n  }\n}');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/c\.json:3:\d+:\s+- not valid JSON/);
  });

  it('refuses chaos against a host off the allowlist before starting anything', async () => {
    const r = await exec(['ext'], {
      load: { baseUrl: 'http://127.0.0.1:9' },
      chaos: { proxy: { routes: [{ name: 'stack', upstream: 'staging.example.com:443' }] } },
      profiles: { ext: { scenario: 'smoke', stack: 'external', plan: [{ id: 'slow', kind: 'http-latency', target: 'stack', params: { fixedMs: 10 } }] } },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/staging\.example\.com/);
    expect(r.stderr).toMatch(/allowlist/);
    noTrace(r.stderr);
  });
});
