// Stopping a run: SIGINT mid-run (the CLI, a real process) and an abort gate (the library).
// Either way nothing injected stays applied and the reports are written, marked partial.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../lib/exit-codes.js';
import { projectRoot } from '../../lib/tools.js';
import { INTERRUPTED_EXIT_CODE, runProfile } from '../../run/orchestrate.js';
import { waitFor } from '../support/wait.js';
import { collectingPrinter, configFile } from './run-support.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-run-stop-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function processesMentioning(text: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,stat,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(text) && !l.includes('ps -eo'));
}

describe('chaosgate run, stopped early', () => {
  it('on SIGINT: stops k6, rolls every fault back, writes partial reports, exits 130', async () => {
    const journal = join(dir, 'journal.json');
    const { path } = await configFile(dir, {
      chaos: { journal },
      evaluate: { bucketWidth: '1s' },
      load: { chaosSmoke: { duration: '60s', spikeAt: '60s' } },
      gates: [{ id: 'errors', metric: 'chaosgate_error_rate', expression: 'rate<0.05' }],
      profiles: {
        'stop-me': {
          scenario: 'chaos-smoke',
          plan: [
            { id: 'slow-ocr', kind: 'http-latency', target: 'stack', at: '1s', match: { path: '/api/v1/ocr/' }, params: { fixedMs: 100 } },
            { id: 'worker-stop', kind: 'process-pause', target: '{workerPidFile}', at: '1s' },
          ],
        },
      },
    });
    const outDir = join(dir, 'sigint');
    const child = spawn(process.execPath, [join(projectRoot, 'bin', 'chaosgate.mjs'), 'run', 'stop-me', '--config', path, '--out-dir', outDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    // Wait until both faults are on (the events file says so), then a few seconds of load.
    const events = join(outDir, 'chaos-events.jsonl');
    await waitFor(async () => existsSync(events) && ((await readFile(events, 'utf8')).match(/"action":"on"/g) ?? []).length >= 2, {
      what: `both faults on in ${events}`,
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const pid = Number(await readFile(join(outDir, 'worker.pid'), 'utf8'));
    expect(processesMentioning(String(pid)).some((l) => / T/.test(l.split(/\s+/).slice(0, 3).join(' ')))).toBe(true); // stopped (state T)
    await sleep(3000);
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(INTERRUPTED_EXIT_CODE);

    const report = JSON.parse(await readFile(join(outDir, 'report.json'), 'utf8'));
    expect(report.partial).toBe(true);
    expect(report.abort.reason).toMatch(/interrupted/);
    // Interrupted is never a pass, in any report (the gate itself may hold on what was measured).
    expect(report.verdict).toBe('fail');
    expect(stderr).toMatch(/verdict fail \(partial\)/);
    expect(await readFile(join(outDir, 'junit.xml'), 'utf8')).toContain('<property name="chaosgate.verdict" value="fail"/>');
    expect(await readFile(join(outDir, 'summary.md'), 'utf8')).toMatch(/^## chaosgate: ❌ FAIL$/m);
    expect(report.totals.points).toBeGreaterThan(100);
    for (const f of ['junit.xml', 'summary.md', 'report.html', 'k6.ndjson.gz']) expect(existsSync(join(outDir, f)), f).toBe(true);
    expect(await readFile(join(outDir, 'summary.md'), 'utf8')).toMatch(/partial/i);
    // CI test views show the partial run too: an erroring testcase naming the reason, valid JUnit.
    const junit = await readFile(join(outDir, 'junit.xml'), 'utf8');
    expect(junit).toMatch(
      /<testcase name="run completed as planned" classname="chaosgate.run" time="0">\s*<error type="partial" message="partial run: run aborted: [^"]*interrupted/,
    );
    expect(junit).toContain('<property name="chaosgate.partial" value="true"/>');
    execFileSync('xmllint', ['--noout', '--schema', join(projectRoot, 'reports/schema/junit-10.xsd'), join(outDir, 'junit.xml')], { stdio: 'pipe' });

    // Nothing left applied: every "on" has its "off", the journal is empty, no process is left.
    const lines = (await readFile(events, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(
      lines
        .filter((e) => e.action === 'off')
        .map((e) => e.faultId)
        .sort(),
    ).toEqual(['slow-ocr', 'worker-stop']);
    if (existsSync(journal)) expect(JSON.parse(await readFile(journal, 'utf8')).entries).toEqual([]);
    expect(processesMentioning(outDir)).toEqual([]);
  }, 120_000);

  it('on an abort gate: stops the load early and says why and when', async () => {
    const { config } = await configFile(dir, {
      chaos: { journal: join(dir, 'journal2.json') },
      evaluate: { bucketWidth: '1s' },
      load: { chaosSmoke: { duration: '60s', spikeAt: '60s' } },
      gates: [{ id: 'meltdown', metric: 'chaosgate_error_rate', expression: 'rate<0.5', window: '4s', abortOnFail: true }],
      profiles: {
        meltdown: {
          scenario: 'chaos-smoke',
          plan: [{ id: 'all-503', kind: 'http-abort', target: 'stack', at: '3s', params: { status: 503 } }],
        },
      },
    });
    const started = Date.now();
    const result = await runProfile({ config, profile: 'meltdown', outDir: join(dir, 'abort'), progress: collectingPrinter() });
    const took = Date.now() - started;
    expect(took).toBeLessThan(40_000); // the scenario alone would take 60 s
    expect(result.report.abort!.reason).toMatch(/abort gate breached.*chaosgate_error_rate/);
    // As every report reads it: percent, and the window as an offset into the run (no ISO time).
    expect(result.report.abort!.reason).toMatch(/observed [\d.]+ %, limit 50 %, worst window \d+:\d\d–\d+:\d\d\)/);
    expect(result.report.abort!.reason).not.toMatch(/\d{4}-\d\d-\d\dT/);
    const faultOn = (result.report.analysis as { faults: { on: number }[] }).faults[0]!.on;
    // Judged live over 1 s buckets, the newest still filling: a 4 s window is over half 503s
    // about two seconds into the fault.
    expect(result.report.abort!.time).toBeGreaterThan(faultOn + 1000);
    expect(result.report.abort!.time).toBeLessThan(faultOn + 12_000);
    expect(result.report.partial).toBe(true);
    expect(result.report.gates[0]!.verdict).toBe('fail');
    expect(result.exitCode).toBe(ExitCode.gateFailed);
  }, 120_000);
});
