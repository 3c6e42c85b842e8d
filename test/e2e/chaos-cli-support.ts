// The built CLI as real processes, for the chaos session tests: start one and watch its output, or
// run one to its end; every process started is killed by killStarted() whatever happened.
import { execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../lib/tools.js';
import { readProcStat } from '../../lib/proc.js';

export const cli = join(projectRoot, 'bin', 'chaosgate.mjs');
const startedPids: number[] = [];

export interface Running {
  pid: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

export function startCli(args: string[], opts: { cwd?: string } = {}): Running {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd });
  startedPids.push(child.pid!);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  return {
    pid: child.pid!,
    output: () => output,
    exited,
    kill: (s) => child.kill(s),
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(output);
        if (m) return m;
        if (Date.now() > deadline || child.exitCode !== null || child.signalCode !== null) throw new Error(`no ${pattern} in:\n${output}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}

export function runCli(args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { timeout: opts.timeoutMs ?? 30_000, cwd: opts.cwd }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

export function killStarted(): void {
  for (const pid of startedPids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** The process's state letter (T: stopped), or undefined when it is gone. */
export const procState = (pid: number) => readProcStat(pid)?.state;
