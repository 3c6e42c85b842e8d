// Process pause: SIGSTOP a worker; undone with SIGCONT. Target: a PID file or "cmd:<text>".
import { z } from 'zod';
import { isAlive, requireProcess } from './find-process.js';
import type { Driver } from './types.js';

const params = z.object({}).strict();

export const processPause: Driver<z.output<typeof params>, { pid: number }> = {
  params,
  hosts: () => [],
  async prepare(entry) {
    return { pid: await requireProcess(entry.target) };
  },
  async apply(_entry, undo) {
    process.kill(undo.pid, 'SIGSTOP');
  },
  async undo(record) {
    if (isAlive(record.pid)) process.kill(record.pid, 'SIGCONT');
  },
};
