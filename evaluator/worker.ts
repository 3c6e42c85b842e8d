// A worker thread that evaluates one byte range of a plain NDJSON file (whole lines) and posts back
// its state; evaluate.ts merges the states exactly (counts add, histograms merge). The file is
// bundled as its own entry (dist/evaluator-worker.mjs) next to the CLI bundle.
import { parentPort, workerData } from 'node:worker_threads';
import { createEvaluation } from './evaluation.js';
import type { WorkerTask } from './evaluate.js';
import { fileChunks, forEachText } from './input.js';

async function run(task: WorkerTask): Promise<void> {
  const ev = createEvaluation(task.evaluate, [], { phaseLabels: task.phaseEvents.length > 0, format: 'ndjson' });
  for (const e of task.phaseEvents) ev.addPhaseEvent(e);
  await forEachText(fileChunks(task.path, task.start, task.end), (text, start, end, lineNo) => ev.ingestText(text, start, end, task.path, lineNo));
  parentPort!.postMessage(ev.exportState());
  ev.dispose();
}

run(workerData as WorkerTask).catch((err: unknown) => {
  parentPort!.postMessage({ error: err instanceof Error ? err.message : String(err) });
});
