// SIGKILL of `chaosgate run` while the ingestion worker is SIGSTOPped: its redis-server and worker
// are orphaned (the worker still stopped) and the FIFO stays. `chaos clear`, or the next `run`,
// stops them (the worker is continued first, never left in state T) and removes the FIFO.
// The PIDs are found with pgrep and the worker's PID file, independently of the process journal.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/tools.js';
import { waitFor } from '../support/wait.js';
import { configFile } from './run-support.js';

const cli = join(projectRoot, 'bin', 'chaosgate.mjs');
let dir: string;
let configPath: string;
const started: ChildProcess[] = [];

/** "T (stopped)", "S (sleeping)", … from /proc/PID/status; undefined once the process is gone. */
function procState(pid: number): string | undefined {
  try {
    return /^State:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
const isGone = (pid: number) => {
  const s = procState(pid);
  return s === undefined || s.startsWith('Z');
};

function pgrep(args: string[]): number[] {
  try {
    return execFileSync('pgrep', args, { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [cli, ...args], { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

interface Orphans {
  outDir: string;
  workerPid: number;
  redisPid: number;
}

/** Starts `run pause-worker`, SIGKILLs it once the worker is stopped; returns the orphans' PIDs. */
async function killRunWhileWorkerStopped(name: string): Promise<Orphans> {
  const outDir = join(dir, name);
  const run = spawn(process.execPath, [cli, 'run', 'pause-worker', '--config', configPath, '--out-dir', outDir], { stdio: ['ignore', 'ignore', 'pipe'] });
  started.push(run);
  let stderr = '';
  run.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const events = join(outDir, 'chaos-events.jsonl');
  await waitFor(async () => existsSync(events) && /"faultId":"worker-stop".*"action":"on"/.test(await readFile(events, 'utf8')), {
    what: () => `the worker pause (stderr: ${stderr})`,
    timeoutMs: 40_000,
    intervalMs: 100,
  });
  const workerPid = Number(await readFile(join(outDir, 'worker.pid'), 'utf8'));
  const [redisPid] = pgrep(['-P', String(run.pid), '-x', 'redis-server']);
  expect(redisPid, 'the run has a redis-server child').toBeGreaterThan(0);
  await waitFor(() => procState(workerPid)?.startsWith('T') ?? false, { what: `the worker ${workerPid} in state T` });

  const exited = new Promise((r) => run.once('exit', r));
  run.kill('SIGKILL');
  await exited;
  // Orphans: still there under another parent, the worker still stopped, the FIFO left behind.
  expect(pgrep(['-x', 'redis-server'])).toContain(redisPid);
  expect(pgrep(['-f', join(outDir, 'worker.pid')])).toContain(workerPid);
  expect(procState(workerPid)).toMatch(/^T/);
  expect(existsSync(join(outDir, 'k6.fifo'))).toBe(true);
  // k6 is not ours to reap here (the run's loader owns it): stop it so it does not load the machine.
  for (const pid of pgrep(['-f', `${outDir}/k6`])) if (pid !== workerPid) process.kill(pid, 'SIGKILL');
  return { outDir, workerPid, redisPid: redisPid! };
}

function expectReaped(o: Orphans): void {
  expect(isGone(o.workerPid), `worker ${o.workerPid}: ${procState(o.workerPid)}`).toBe(true);
  expect(isGone(o.redisPid), `redis-server ${o.redisPid}: ${procState(o.redisPid)}`).toBe(true);
  expect(pgrep(['-f', join(o.outDir, 'worker.pid')]).filter((p) => !isGone(p))).toEqual([]);
  expect(existsSync(join(o.outDir, 'k6.fifo'))).toBe(false);
}

beforeAll(async () => {
  execFileSync(process.execPath, [join(projectRoot, 'scripts', 'build.mjs')], { cwd: projectRoot });
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-orphans-'));
  ({ path: configPath } = await configFile(dir, {
    chaos: { journal: join(dir, 'state', 'chaos-journal.json') },
    evaluate: { bucketWidth: '1s' },
    load: { chaosSmoke: { duration: '60s', spikeAt: '60s' } },
    gates: [{ id: 'errors', metric: 'chaosgate_error_rate', expression: 'rate<0.5' }],
    profiles: {
      'pause-worker': { scenario: 'chaos-smoke', plan: [{ id: 'worker-stop', kind: 'process-pause', target: '{workerPidFile}', at: '1s' }] },
      short: { scenario: 'chaos-smoke', duration: '3s' },
    },
  }));
});

afterAll(async () => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (dir) {
    for (const pid of pgrep(['-f', dir])) {
      process.kill(pid, 'SIGCONT');
      process.kill(pid, 'SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  }
});

describe('a SIGKILLed run leaves nothing behind for long', () => {
  it('`chaos clear` continues and stops the orphaned worker, stops redis-server and removes the FIFO', async () => {
    const orphans = await killRunWhileWorkerStopped('killed-1');
    const status = await runCli(['chaos', 'status', '-c', configPath]);
    expect(status.stdout).toMatch(new RegExp(`leftover ingestion worker pid ${orphans.workerPid} from killed run`));
    expect(status.stdout).toMatch(new RegExp(`leftover redis-server pid ${orphans.redisPid} from killed run`));
    const clear = await runCli(['chaos', 'clear', '-c', configPath]);
    expect(clear.code, clear.stderr).toBe(0);
    expect(clear.stdout).toContain('undone: worker-stop (process-pause');
    expect(clear.stdout).toMatch(new RegExp(`reaped ingestion worker \\(pid ${orphans.workerPid}\\)`));
    expect(clear.stdout).toMatch(new RegExp(`reaped redis-server \\(pid ${orphans.redisPid}\\)`));
    expectReaped(orphans);
    // Nothing left for a second clear.
    expect((await runCli(['chaos', 'clear', '-c', configPath])).stdout).toMatch(/nothing applied/);
  }, 120_000);

  it('the next `run` reaps them before it starts its own stack', async () => {
    const orphans = await killRunWhileWorkerStopped('killed-2');
    const next = await runCli(['run', 'short', '--config', configPath, '--out-dir', join(dir, 'next')]);
    expect(next.stderr).toMatch(new RegExp(`reaped ingestion worker \\(pid ${orphans.workerPid}\\)`));
    expect(next.stderr).toMatch(new RegExp(`reaped redis-server \\(pid ${orphans.redisPid}\\)`));
    expectReaped(orphans);
    // The next run's own processes are gone with it, and its journal with them.
    expect(pgrep(['-f', join(dir, 'next')]).filter((p) => !isGone(p))).toEqual([]);
    expect(readdirSync(join(dir, 'state')).filter((f) => f.startsWith('processes-'))).toEqual([]);
  }, 150_000);
});
