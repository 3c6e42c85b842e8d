// Process pause: SIGSTOP a worker; undone with SIGCONT. Target: a PID file or "cmd:<text>".
// The PID and its start time are recorded when found: applying and undoing signal that process only
// (never PID 1, chaosgate or its parents, never a later process that reused the PID).
import { z } from 'zod';
import { processKey, requireProcess, requireSameProcess, stillSameProcess, type ProcessRef } from './find-process.js';
import { checkProcessTarget } from './find-process.js';
import type { Driver } from './types.js';

const params = z.object({}).strict();

export const processPause: Driver<z.output<typeof params>, ProcessRef & { target?: string }> = {
  params,
  hosts: () => [],
  preflight: (entry) => checkProcessTarget(entry.target),
  async prepare(entry) {
    return { ...(await requireProcess(entry.target)), target: entry.target };
  },
  async apply(entry, undo) {
    requireSameProcess(undo, entry.target);
    process.kill(undo.pid, 'SIGSTOP');
  },
  async undo(record) {
    if (stillSameProcess(record)) process.kill(record.pid, 'SIGCONT');
    else return `pid ${record.pid} has exited or now belongs to another process: nothing continued, nothing signalled`;
  },
  // Pauses of one process count: it is continued when the last one ends.
  shared: { key: processKey, mode: 'count' },
};
