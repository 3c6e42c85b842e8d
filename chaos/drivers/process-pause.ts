// Process pause: SIGSTOP a worker; undone with SIGCONT. Target: a PID file or "cmd:<text>".
// The PID and its start time are recorded when found: applying and undoing signal that process only
// (never PID 1, chaosgate or its parents, never a later process that reused the PID).
import { z } from 'zod';
import { processKey, requireProcess, requireSameProcess, stillSameProcess, type ProcessRef } from './find-process.js';
import { continueTree, signalTree } from './process-tree.js';
import { checkProcessTarget } from './find-process.js';
import type { Driver } from './types.js';

const params = z
  .object({
    tree: z.boolean().default(false).describe('stop the process and all its descendants (a Celery prefork worker and its pool); SIGCONT them all on undo'),
  })
  .strict();

export const processPause: Driver<z.output<typeof params>, ProcessRef & { target?: string; tree?: boolean }> = {
  params,
  hosts: () => [],
  preflight: (entry) => checkProcessTarget(entry.target),
  async prepare(entry) {
    return { ...(await requireProcess(entry.target)), target: entry.target, ...(entry.params.tree ? { tree: true } : {}) };
  },
  async apply(entry, undo) {
    requireSameProcess(undo, entry.target);
    if (undo.tree) signalTree(undo.pid, 'SIGSTOP', entry.target);
    else process.kill(undo.pid, 'SIGSTOP');
  },
  async undo(record) {
    if (!stillSameProcess(record)) return `pid ${record.pid} has exited or now belongs to another process: nothing continued, nothing signalled`;
    if (record.tree) continueTree(record.pid);
    else process.kill(record.pid, 'SIGCONT');
  },
  // Pauses of one process count: it is continued when the last one ends.
  shared: { key: processKey, mode: 'count' },
};
