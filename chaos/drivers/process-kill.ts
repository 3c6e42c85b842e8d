// Process kill: SIGKILL a worker ("worker not available"); undone by running the restart command
// when the target is not running again by then. Target: a PID file or "cmd:<text>". The process
// killed is the one found when the fault was prepared (same PID and start time), never PID 1,
// chaosgate or its parents.
import { spawn } from 'node:child_process';
import { z } from 'zod';
import { findProcess, processKey, requireProcess, requireSameProcess, type ProcessRef } from './find-process.js';
import { signalTree } from './process-tree.js';
import { checkProcessTarget } from './find-process.js';
import type { Driver } from './types.js';

const params = z
  .object({
    /** Shell command that starts the worker again (it writes its own PID file). */
    restart: z.string().min(1).optional(),
    cwd: z.string().optional(),
    /** Kill the process and all its descendants (a Celery prefork worker and its pool). */
    tree: z.boolean().default(false),
  })
  .strict();

export interface ProcessKillUndo {
  target: string;
  restart?: string;
  cwd?: string;
  /** The process found at prepare; absent in journals written before it was recorded. */
  process?: ProcessRef;
}

export const processKill: Driver<z.output<typeof params>, ProcessKillUndo> = {
  params,
  hosts: () => [],
  preflight: (entry) => checkProcessTarget(entry.target),
  async prepare(entry) {
    const found = await requireProcess(entry.target);
    return { target: entry.target, restart: entry.params.restart, cwd: entry.params.cwd, process: found };
  },
  async apply(entry, undo) {
    const ref = undo.process ?? (await requireProcess(entry.target));
    requireSameProcess(ref, entry.target);
    if (entry.params.tree) signalTree(ref.pid, 'SIGKILL', entry.target);
    else process.kill(ref.pid, 'SIGKILL');
  },
  async undo(record) {
    if (!record.restart || (await findProcess(record.target)) !== undefined) return;
    const child = spawn('sh', ['-c', record.restart], { cwd: record.cwd, detached: true, stdio: 'ignore' });
    child.unref();
  },
  // A kill shares its process with no other fault: the session refuses a second one on it.
  shared: { key: (record) => (record.process ? processKey(record.process) : `process ${record.target}`), mode: 'count' },
};
