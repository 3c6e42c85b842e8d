// Process kill: SIGKILL a worker ("worker not available"); undone by running the restart command
// when the target is not running again by then. Target: a PID file or "cmd:<text>".
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { findProcess, requireProcess } from './find-process.js';
import type { Driver } from './types.js';

const params = z
  .object({
    /** Shell command that starts the worker again (it writes its own PID file). */
    restart: z.string().min(1).optional(),
    cwd: z.string().optional(),
  })
  .strict();

export interface ProcessKillUndo {
  target: string;
  restart?: string;
  cwd?: string;
}

export const processKill: Driver<z.output<typeof params>, ProcessKillUndo> = {
  params,
  hosts: () => [],
  async prepare(entry) {
    await requireProcess(entry.target);
    return { target: entry.target, restart: entry.params.restart, cwd: entry.params.cwd };
  },
  async apply(entry) {
    process.kill(await requireProcess(entry.target), 'SIGKILL');
  },
  async undo(record) {
    if (!record.restart || (await findProcess(record.target)) !== undefined) return;
    const child = spawn('sh', ['-c', record.restart], { cwd: record.cwd, detached: true, stdio: 'ignore' });
    child.unref();
  },
};
