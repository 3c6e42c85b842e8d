// Runs a probe's command (argv, no shell) in its own process group with a deadline: on timeout or
// close the whole group is killed, so a hung `ssh gpu-host nvidia-smi` or a wrapper script's child
// is never left behind, and the reading fails instead of waiting for a pipe an orphan holds open.
import { spawn, type ChildProcess } from 'node:child_process';

/** Output beyond this is a failed reading: a probe's command prints a few lines. */
export const COMMAND_OUTPUT_LIMIT = 1024 * 1024;

export interface CommandRunner {
  /** Stdout of one run; rejects on spawn failure, timeout, a non-zero exit or a signal, naming the command and its stderr. */
  run(args: readonly string[]): Promise<string>;
  /** Kills any run in flight. */
  close(): void;
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export function commandRunner(command: readonly string[], timeoutMs: number): CommandRunner {
  const running = new Set<ChildProcess>();
  const shown = command.join(' ');
  return {
    run(args) {
      return new Promise<string>((resolve, reject) => {
        const child = spawn(command[0]!, [...command.slice(1), ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
        running.add(child);
        let out = '';
        let err = '';
        let settled = false;
        const finish = (error: Error | null) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          running.delete(child);
          killGroup(child);
          if (error) reject(error);
          else resolve(out);
        };
        const timer = setTimeout(() => finish(new Error(`${shown} gave no answer within ${timeoutMs} ms (killed)`)), timeoutMs);
        child.stdout!.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (out.length > COMMAND_OUTPUT_LIMIT) finish(new Error(`${shown} printed more than ${COMMAND_OUTPUT_LIMIT} bytes`));
        });
        child.stderr!.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-2000)));
        child.on('error', (e: NodeJS.ErrnoException) =>
          finish(new Error(e.code === 'ENOENT' ? `${command[0]}: not found (PATH, or the probe's command)` : `${shown}: ${e.message}`)),
        );
        child.on('close', (code, signal) => {
          const why = err.trim() ? `: ${err.trim().split('\n').slice(-3).join(' / ')}` : '';
          if (code === 0) finish(null);
          else finish(new Error(`${shown} ${code === null ? `was killed by ${signal}` : `exited with code ${code}`}${why}`));
        });
      });
    },
    close() {
      for (const child of running) killGroup(child);
      running.clear();
    },
  };
}
