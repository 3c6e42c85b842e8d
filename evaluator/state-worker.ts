// A worker thread that evaluates one input to a mergeable state (evaluate of many large inputs:
// one state per input, in parallel, then the merge — evaluator/state.ts). Bundled as its own entry
// (dist/evaluator-state-worker.mjs) next to the CLI bundle.
import { parentPort, workerData } from 'node:worker_threads';
import { ChaosgateError } from '../lib/errors.js';
import { createEvaluation } from './evaluation.js';
import { readSource } from './input.js';
import { exportState, type StateMessage, type StateTask } from './state.js';

const task = workerData as StateTask;
const ev = createEvaluation(task.config, task.gates, { format: task.format, phaseLabels: task.phaseEvents.length > 0 });
for (const e of task.phaseEvents) ev.addPhaseEvent(e);
readSource(ev, task.path).then(
  () => {
    ev.describeSource(task.path, { threads: 1 });
    const state = exportState(ev);
    ev.dispose();
    parentPort!.postMessage({ state } satisfies StateMessage);
  },
  (err: unknown) => {
    ev.dispose();
    parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err), exitCode: err instanceof ChaosgateError ? err.exitCode : null } satisfies StateMessage);
  },
);
