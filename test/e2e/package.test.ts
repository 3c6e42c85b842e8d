// The package as a user gets it: `npm pack` → `npm install <tarball>` into a fresh project outside
// this repository (engine-strict on this Node) → `npx chaosgate init` there → `npx chaosgate run`
// of the profile init wrote, on the real k6 (CHAOSGATE_K6_BIN), against a loopback service the test
// starts: exit 0 healthy, 99 when the service is slow; the installed evaluate on the run's NDJSON;
// the k6 lookup from the installed package (no k6: exit 2 at once).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot, toolPath } from '../../lib/tools.js';
import { PackedInstall } from '../support/packed-install.js';

const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string; engines: { node: string } };

let installed: PackedInstall;
let work: string;
let app: string;
let tarball: string;
let service: Server;
let serviceUrl: string;
let requests = 0;
/** Each answer of the loopback service waits this long. */
let delayMs = 0;

/** A command in the project (or `cwd`), in the user's shell unless `env` is given. */
const sh = (cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) => installed.sh(cmd, args, opts);
/** A user's shell: node and npm on PATH, no k6 there, a HOME of its own (no k6 cache). */
const userEnv = (extra: NodeJS.ProcessEnv = {}) => installed.env(extra);

/** `npx chaosgate …` in the project, as the user types it. */
const npxChaosgate = (args: string[], env?: NodeJS.ProcessEnv, timeoutMs?: number) => sh('npx', ['--no', '--', 'chaosgate', ...args], { env, timeoutMs });
/** The same installed bin without npx's own start-up (seconds on a busy machine). */
const chaosgate = (args: string[], env?: NodeJS.ProcessEnv, timeoutMs?: number) => installed.chaosgate(args, env, timeoutMs);

beforeAll(async () => {
  installed = new PackedInstall('package');
  ({ work, app } = installed);
  const pack = await installed.pack();
  expect(pack.stderr).toBe('');
  expect(pack.code).toBe(0);
  tarball = installed.tarball;
  const install = await installed.install();
  expect(install.stderr).not.toMatch(/EBADENGINE|ERR!/);
  expect(install.code).toBe(0);

  service = createServer((req, res) => {
    requests++;
    req.resume();
    setTimeout(() => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n'), delayMs);
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
}, 300_000);

afterAll(async () => {
  await new Promise((resolve) => service?.close(resolve));
  installed?.remove();
});

describe('npm pack', () => {
  it('carries the built CLI and worker, the built-in scenarios and the templates; no sources', () => {
    const files = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.trim().split('\n').sort();
    for (const f of [
      'dist/cli.mjs',
      'dist/cli-main.mjs',
      'dist/evaluator-worker.mjs',
      'dist/evaluator-state-worker.mjs',
      'dist/evaluator-record-worker.mjs',
      'bin/chaosgate.mjs',
      'scenarios/chaos-smoke.ts',
      'scenarios/lib/endpoints.ts',
      'templates/chaosgate.config.json',
      'templates/k6/chaosgate.ts',
      'templates/workflows/chaosgate.yml',
      'templates/locust/chaosgate.config.json',
      'templates/locust/locustfile.py',
      'load/locust/chaosgate_locust.py',
      'load/locust/chaosgate_check.py',
    ]) {
      expect(files).toContain(`package/${f}`);
    }
    expect(files.filter((f) => /^package\/(cli|lib|evaluator|run|test)\//.test(f))).toEqual([]);
    // Only the CLI's bundles of dist/ (not the docs generator or a benchmark built beside them).
    expect(files.filter((f) => f.startsWith('package/dist/'))).toEqual([
      'package/dist/cli-main.mjs',
      'package/dist/cli.mjs',
      'package/dist/evaluator-record-worker.mjs',
      'package/dist/evaluator-state-worker.mjs',
      'package/dist/evaluator-worker.mjs',
    ]);
  });

  it("installs under --engine-strict, and our engines cover every installed dependency's", () => {
    const ours = Number(/>=\s*(\d+)/.exec(pkg.engines.node)![1]);
    const modules = join(app, 'node_modules');
    const dirs = readdirSync(modules).flatMap((d) => (d.startsWith('@') ? readdirSync(join(modules, d)).map((s) => join(d, s)) : [d]));
    const wanted = dirs
      .filter((d) => existsSync(join(modules, d, 'package.json')))
      .map((d) => ({ d, node: (JSON.parse(readFileSync(join(modules, d, 'package.json'), 'utf8')) as { engines?: { node?: string } }).engines?.node }))
      .filter((e) => e.node);
    expect(wanted.length).toBeGreaterThan(3);
    for (const { d, node } of wanted) {
      const min = /^\s*>=?\s*(\d+)/.exec(node!);
      expect(min, `${d}: engines.node "${node}"`).not.toBeNull();
      expect(Number(min![1]), `${d} wants node ${node}, we say ${pkg.engines.node}`).toBeLessThanOrEqual(ours);
    }
    expect(ours).toBeLessThanOrEqual(Number(process.versions.node.split('.')[0]));
  });
});

describe('the installed chaosgate', () => {
  it('runs: --version and --help list init, setup, run and evaluate', async () => {
    const version = await npxChaosgate(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    const help = await chaosgate(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['init', 'setup', 'run', 'evaluate']) expect(help.stdout).toMatch(new RegExp(`^  ${cmd} `, 'm'));
  });

  it('init writes the config, the script and the workflow, and refuses to overwrite them (exit 2)', async () => {
    const init = await npxChaosgate(['init', '--service-url', serviceUrl]);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('wrote chaosgate.config.json\nwrote k6/chaosgate.ts\nwrote .github/workflows/chaosgate.yml\n');
    const config = JSON.parse(readFileSync(join(app, 'chaosgate.config.json'), 'utf8'));
    expect(config.services).toEqual({ web: { url: serviceUrl } });
    expect(Object.keys(config.profiles)).toEqual(['smoke', 'chaos', 'soak']);
    expect(readFileSync(join(app, 'k6', 'chaosgate.ts'), 'utf8')).toContain(`__ENV.CHAOSGATE_URL_WEB || '${serviceUrl}'`);

    const again = await chaosgate(['init', '--service-url', serviceUrl]);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(
      `chaosgate: init: refusing to overwrite ${['chaosgate.config.json', 'k6/chaosgate.ts', '.github/workflows/chaosgate.yml'].map((f) => join(app, f)).join(', ')} (move them away, or --force)\n`,
    );
  });

  it('finds no k6 outside the repository without one (exit 2, the way out named), and takes CHAOSGATE_K6_BIN', async () => {
    const none = await chaosgate(['setup', '--which']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^chaosgate: k6 not found: chaosgate needs k6 v1\.x with the xk6-redis extension \(k6\/x\/redis\)\. /);
    expect(none.stderr).toContain('Run `npx chaosgate setup`');
    // An installed package has no tools/bin of its own to look at.
    expect(none.stderr).not.toContain('node_modules/chaosgate/tools');
    const given = await chaosgate(['setup', '--which'], userEnv({ CHAOSGATE_K6_BIN: toolPath.k6 }));
    expect(given).toMatchObject({ code: 0, stdout: `${toolPath.k6}\tv1.8.1\tCHAOSGATE_K6_BIN\n` });
  });

  const k6User = () => userEnv({ CHAOSGATE_K6_BIN: toolPath.k6 });
  const runDir = (name: string) => join(app, 'results', name);

  it('run smoke: the init config and script against the healthy service, exit 0 with every report', async () => {
    delayMs = 5;
    const before = requests;
    const run = await npxChaosgate(['run', 'smoke', '--duration', '4s', '--out-dir', runDir('healthy')], k6User(), 90_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('service web: CHAOSGATE_URL_WEB=' + serviceUrl);
    expect(run.stderr).toMatch(/^PASS web-p95: /m);
    // 10/s for 4 s (the script's default rate); one more may start at the edge.
    const served = requests - before;
    expect(served).toBeGreaterThanOrEqual(38);
    expect(served).toBeLessThanOrEqual(41);
    for (const f of ['junit.xml', 'report.json', 'report.html', 'summary.md', 'k6-summary.json', 'k6.ndjson.gz']) expect(existsSync(join(runDir('healthy'), f)), f).toBe(true);
    const report = JSON.parse(readFileSync(join(runDir('healthy'), 'report.json'), 'utf8')) as { verdict: string; gates: { id: string; verdict: string }[] };
    expect(report.verdict).toBe('pass');
    expect(report.gates.map((g) => [g.id, g.verdict])).toEqual(
      expect.arrayContaining([
        ['error-rate', 'pass'],
        ['web-p95', 'pass'],
      ]),
    );
  }, 100_000);

  it('run smoke against the same service made slow (600 ms an answer): web-p95 breaches, exit 99', async () => {
    delayMs = 600;
    const run = await chaosgate(['run', 'smoke', '--duration', '4s', '--out-dir', runDir('slow')], k6User(), 90_000);
    expect(run.code, run.stderr).toBe(99);
    expect(run.stderr).toMatch(/^FAIL web-p95: http_req_duration\{service:web\}: p\(95\)<=500/m);
    const report = JSON.parse(readFileSync(join(runDir('slow'), 'report.json'), 'utf8')) as { verdict: string; gates: { id: string; verdict: string }[] };
    expect(report.verdict).toBe('fail');
    expect(readFileSync(join(runDir('slow'), 'junit.xml'), 'utf8')).toMatch(/<failure[^>]*>[\s\S]*web-p95|web-p95[\s\S]*<failure/);
  }, 100_000);

  it("the installed evaluate judges the healthy run's NDJSON: 0 when the gates hold, 99 when one cannot", async () => {
    const gates = (p95: number) => {
      const path = join(work, `gates-${p95}.json`);
      writeFileSync(
        path,
        JSON.stringify({
          gates: [
            { id: 'web-errors', metric: 'http_req_failed{service:web}', expression: 'rate==0' },
            { id: 'web-p95', metric: 'http_req_duration{service:web}', expression: `p(95)<${p95}` },
          ],
        }),
      );
      return path;
    };
    const ndjson = join(runDir('healthy'), 'k6.ndjson.gz');
    const held = await chaosgate(['evaluate', ndjson, '--config', gates(5000), '--json', join(work, 'report.json')]);
    expect(held.stderr).toBe('');
    expect(held.code).toBe(0);
    const report = JSON.parse(readFileSync(join(work, 'report.json'), 'utf8')) as { verdict: string; gates: { id: string; verdict: string }[] };
    expect(report.gates.map((g) => [g.id, g.verdict])).toEqual([
      ['web-errors', 'pass'],
      ['web-p95', 'pass'],
    ]);
    // Every answer took at least 5 ms: p95 < 1 ms cannot hold.
    const breached = await chaosgate(['evaluate', ndjson, '--config', gates(1)]);
    expect(breached.code).toBe(99);
    expect(breached.stdout).toMatch(/^FAIL .*p\(95\)<1 /m);
  });

  it('a built-in profile runs from the package too (its scenario and the reference stack it starts)', async () => {
    const dir = join(work, 'no-config');
    mkdirSync(dir);
    const run = await sh(process.execPath, [join(app, 'node_modules', '.bin', 'chaosgate'), 'run', 'smoke', '--out-dir', join(dir, 'out')], {
      cwd: dir,
      env: k6User(),
      timeoutMs: 90_000,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('starting the reference stack');
    expect(run.stderr).toMatch(/^PASS k6 checks: rate==1/m);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')).verdict).toBe('pass');
  }, 100_000);

  it('run without any k6 in reach: exit 2 at once, naming what is needed and `npx chaosgate setup`', async () => {
    const started = Date.now();
    const run = await chaosgate(['run', 'smoke', '--duration', '4s', '--out-dir', runDir('nok6')], userEnv(), 60_000);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^chaosgate: k6 not found: chaosgate needs k6 v1\.x\. /m);
    expect(run.stderr).toContain('Run `npx chaosgate setup`');
    expect(run.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});
