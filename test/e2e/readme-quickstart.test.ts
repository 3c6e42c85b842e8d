// The README's "Gate your own service" works as written: its config, script and command blocks,
// taken from README.md as they stand, run in a folder outside the repository against a small HTTP
// service of the test's own (its URL put where the README has http://127.0.0.1:8000, as a user
// would put theirs). A healthy service passes (exit 0) with the fault visible in its phase; a slow
// one breaches the p95 gate (exit 99).
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analysisSchema } from '../../model/analysis.js';
import { reportSchema, type ReportModel } from '../../model/report.js';
import { projectRoot } from '../../lib/tools.js';
import { bundleCli, type CliBundle } from '../support/cli-bundle.js';

const README_URL = 'http://127.0.0.1:8000';

/** The fenced block right after `<!-- quickstart:NAME -->` in the README. */
function quickstartBlock(readme: string, name: string): string {
  const marker = readme.indexOf(`<!-- quickstart:${name} -->`);
  if (marker < 0) throw new Error(`README.md has no <!-- quickstart:${name} --> block`);
  const open = readme.indexOf('```', marker);
  const bodyStart = readme.indexOf('\n', open) + 1;
  const close = readme.indexOf('\n```', bodyStart);
  return readme.slice(bodyStart, close + 1);
}

interface Service {
  server: Server;
  url: string;
  delayMs: number;
  hits: number;
}

async function startService(): Promise<Service> {
  const svc = { delayMs: 0, hits: 0 } as Service;
  svc.server = createServer((req, res) => {
    svc.hits++;
    req.resume();
    setTimeout(() => res.end('hello\n'), svc.delayMs);
  });
  await new Promise<void>((r) => svc.server.listen(0, '127.0.0.1', r));
  const addr = svc.server.address();
  svc.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  return svc;
}

function run(cli: string, args: string[], cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 150_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

async function onlyReport(dir: string): Promise<ReportModel> {
  const runs = await readdir(join(dir, 'results'));
  expect(runs).toHaveLength(1);
  expect(runs[0]).toMatch(/^chaos-/);
  const runDir = join(dir, 'results', runs[0]!);
  const files = await readdir(runDir);
  for (const f of ['junit.xml', 'report.json', 'summary.md', 'report.html', 'k6.ndjson.gz', 'chaos-events.jsonl']) expect(files).toContain(f);
  return reportSchema.parse(JSON.parse(await readFile(join(runDir, 'report.json'), 'utf8')));
}

let cli: CliBundle;
let svc: Service;
let config: string;
let script: string;
let args: string[];

beforeAll(async () => {
  const readme = await readFile(join(projectRoot, 'README.md'), 'utf8');
  config = quickstartBlock(readme, 'config');
  script = quickstartBlock(readme, 'script');
  const command = quickstartBlock(readme, 'command').replace(/#.*$/gm, '').trim();
  expect(command.startsWith('npx chaosgate ')).toBe(true);
  args = command.slice('npx chaosgate '.length).split(/\s+/);
  expect(config).toContain(README_URL);
  expect(script).toContain('CHAOSGATE_URL_WEB');
  [cli, svc] = await Promise.all([bundleCli('readme'), startService()]);
}, 60_000);

afterAll(async () => {
  svc?.server.close();
  await cli?.remove();
});

/** A fresh folder outside the repository with the README's two files, the service's URL in place. */
async function userFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chaosgate-readme-'));
  await writeFile(join(dir, 'chaosgate.config.json'), config.replaceAll(README_URL, svc.url));
  const scriptName = /"script":\s*"([^"]+)"/.exec(config)![1]!;
  await writeFile(join(dir, scriptName), script);
  return dir;
}

describe('README: gate your own service, as written', () => {
  it('passes against a healthy service, with the fault in its own phase (exit 0)', async () => {
    const dir = await userFolder();
    try {
      svc.delayMs = 0;
      const hitsBefore = svc.hits;
      const res = await run(cli.cli, args, dir);
      expect(res.code, res.out).toBe(0);
      expect(svc.hits - hitsBefore).toBeGreaterThan(50);
      const report = await onlyReport(dir);
      expect(report.verdict).toBe('pass');
      expect(report.gates.map((g) => [g.id, g.verdict])).toEqual([
        ['error-rate', 'pass'],
        ['web-p95', 'pass'],
      ]);
      // The fault acted on the service's requests while it was on, and only then.
      const phases = analysisSchema.parse(report.analysis).phases;
      const fault = phases.find((p) => p.phase === 'fault:web-slow');
      const baseline = phases.find((p) => p.phase === 'baseline');
      expect(fault?.p95).toBeGreaterThanOrEqual(300);
      expect(baseline?.p95).toBeLessThan(300);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 160_000);

  it('breaches the p95 gate when the service is slow (exit 99)', async () => {
    const dir = await userFolder();
    try {
      svc.delayMs = 1200;
      const res = await run(cli.cli, args, dir);
      expect(res.code, res.out).toBe(99);
      const report = await onlyReport(dir);
      const p95 = report.gates.find((g) => g.id === 'web-p95')!;
      expect(p95.verdict).toBe('fail');
      expect(p95.observed).toBeGreaterThanOrEqual(1200);
      expect(res.out).toMatch(/FAIL\s+web-p95/);
    } finally {
      svc.delayMs = 0;
      await rm(dir, { recursive: true, force: true });
    }
  }, 160_000);
});
