// A private bundle of the CLI and its evaluator worker, built from the sources under test (the
// same entries as scripts/build.mjs), for end-to-end tests that run `chaosgate` as a user does.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from '../../lib/tools.js';

export interface CliBundle {
  /** The bundle's folder. */
  dir: string;
  /** The CLI entry: run it with `node <cli> …`. */
  cli: string;
  remove(): Promise<void>;
}

export async function bundleCli(name: string): Promise<CliBundle> {
  // Inside the project so the bundle's bare imports resolve from node_modules.
  await mkdir(join(projectRoot, '.chaosgate'), { recursive: true });
  const dir = await mkdtemp(join(projectRoot, '.chaosgate', `test-${name}-`));
  await build({
    entryPoints: {
      cli: join(projectRoot, 'cli/launch.ts'),
      'cli-main': join(projectRoot, 'cli/main.ts'),
      'evaluator-worker': join(projectRoot, 'evaluator/worker.ts'),
      'evaluator-state-worker': join(projectRoot, 'evaluator/state-worker.ts'),
      'evaluator-record-worker': join(projectRoot, 'evaluator/record-worker.ts'),
    },
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    logLevel: 'error',
  });
  return { dir, cli: join(dir, 'cli.mjs'), remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface CliResult {
  code: number | null;
  /** Set when the process was killed (the time limit below). */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `node <cli> …args` to its end and collects its output; SIGKILLed after `timeoutMs` (a hang
 * shows as `signal: 'SIGKILL'`, never as a test that waits forever).
 */
/**
 * How long after the CLI exits its output may still arrive: a process it left behind (what some
 * tests provoke) can hold its stdout open for good, and the result must not wait for that.
 */
const OUTPUT_AFTER_EXIT_MS = 2000;

export function runCli(
  cli: string,
  args: string[],
  opts: {
    stdin?: string | Buffer;
    timeoutMs?: number;
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    /** Runs while the CLI does, with its pid and its stderr so far; a rejection fails the run. */
    during?: (pid: number, stderr: () => string) => Promise<void>;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // Not the project root by default: its chaosgate.config.json would be every command's config there.
    const p = spawn(process.execPath, [cli, ...args], { stdio: ['pipe', 'pipe', 'pipe'], cwd: opts.cwd ?? tmpdir(), env: opts.env });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    p.stdout.on('data', (d: Buffer) => (stdout += d));
    p.stderr.on('data', (d: Buffer) => (stderr += d));
    p.on('error', reject);
    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    };
    p.on('close', finish);
    p.on('exit', (code, signal) => setTimeout(() => finish(code, signal), OUTPUT_AFTER_EXIT_MS).unref());
    p.stdin.end(opts.stdin ?? '');
    if (opts.during) opts.during(p.pid!, () => stderr).catch(reject);
  });
}
