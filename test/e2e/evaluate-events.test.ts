// `chaosgate evaluate --events` on what a real `chaosgate run` left (k6.ndjson.gz, samples.ndjson,
// chaos-events.jsonl) gives the run's own phases, gates and phase analysis (fault windows,
// recovery, error budget): the manual path is whole. One short chaos-smoke run (k6, redis-server,
// the reference target and worker, the fault proxy) with a latency fault and the spike.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../model/analysis.js';
import type { ReportModel } from '../../model/report.js';
import { runProfile, type RunResult } from '../../run/orchestrate.js';
import { bundleCli, type CliBundle } from '../support/cli-bundle.js';
import { collectingPrinter, configFile, exampleConfig } from './run-support.js';

let dir: string;
let bundle: CliBundle;
let configPath: string;
let run: RunResult;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-evaluate-events-'));
  bundle = await bundleCli('evaluate-events');
  const example = exampleConfig();
  const written = await configFile(dir, {
    evaluate: example.evaluate,
    run: example.run,
    chaos: { journal: join(dir, 'journal.json') },
    gates: [
      { id: 'p95', metric: 'http_req_duration', expression: 'p(95)<2000' },
      { id: 'errors', metric: 'http_req_failed', expression: 'rate<0.5' },
      { id: 'queue', metric: 'queue_depth', expression: 'max<=100000', severity: 'warn' },
    ],
    load: { chaosSmoke: { duration: '20s', spikeAt: '14s', spikeDuration: '3s', rate: 4, checksRate: 3 } },
    profiles: {
      replay: {
        scenario: 'chaos-smoke',
        plan: [{ id: 'ocr-latency', kind: 'http-latency', target: 'stack', at: '5s', duration: '4s', match: { path: '/api/v1/ocr/' }, params: { fixedMs: 300 } }],
      },
    },
  });
  configPath = written.path;
  run = await runProfile({ config: written.config, profile: 'replay', outDir: join(dir, 'run'), progress: collectingPrinter() });
}, 180_000);

afterAll(async () => {
  await bundle?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function evaluate(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bundle.cli, 'evaluate', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('evaluate --events replays a run', () => {
  it("gives the run report's phases, gates and analysis (fault windows, recovery, error budget)", async () => {
    expect(run.exitCode).toBe(0);
    const out = join(dir, 'replayed.json');
    const r = await evaluate([
      '-c',
      configPath,
      join(run.outDir, 'k6.ndjson.gz'),
      join(run.outDir, 'samples.ndjson'),
      '--events',
      join(run.outDir, 'chaos-events.jsonl'),
      '--profile',
      'replay',
      '--report',
      `json=${out}`,
      '--report',
      `html=${join(dir, 'replayed.html')}`,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const ran = JSON.parse(await readFile(join(run.outDir, 'report.json'), 'utf8')) as ReportModel;
    const replayed = JSON.parse(await readFile(out, 'utf8')) as ReportModel;
    const a = ran.analysis as unknown as Analysis;
    const b = replayed.analysis as unknown as Analysis;
    // What the run saw: a fault, the spike as a named phase, a recovery after the fault, queue depth.
    expect(ran.phases.map((p) => p.name)).toEqual(['baseline', 'fault:ocr-latency', 'recovery', 'spike', 'cooldown']);
    expect(a.faults.map((f) => f.id)).toEqual(['ocr-latency']);
    expect(a.recovery).toHaveLength(1);
    expect(ran.series.some((s) => s.metric === 'queue_depth')).toBe(true);
    // The replay: the same, except what only a live run can know (how many requests a fault hit).
    expect(replayed.phases).toEqual(ran.phases);
    expect(b.faults).toEqual(a.faults.map((f) => ({ ...f, injections: null })));
    // …and what the run was (its script, services, planned length), kept for the next night's comparison.
    expect(a.identity).toMatchObject({ profile: 'replay', script: 'chaos-smoke' });
    expect({ ...b, faults: null }).toEqual({ ...a, faults: null, identity: undefined });
    expect(replayed.gates.map((g) => [g.id, g.verdict, g.observed])).toEqual(ran.gates.map((g) => [g.id, g.verdict, g.observed]));
    expect(replayed.totals.points).toBe(ran.totals.points);
    expect(await readFile(join(dir, 'replayed.html'), 'utf8')).toContain('fault:ocr-latency');
  });

  it('a malformed events file is unreadable input (exit 3) naming file:line', async () => {
    const events = join(dir, 'bad-events.jsonl');
    const good = await readFile(join(run.outDir, 'chaos-events.jsonl'), 'utf8');
    await writeFile(events, `${good}{"faultId": "x", "action": "maybe"}\n`);
    const line = good.trim().split('\n').length + 1;
    const r = await evaluate(['-c', configPath, join(run.outDir, 'k6.ndjson.gz'), '--events', events]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${events}:${line}: not a chaos event`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
