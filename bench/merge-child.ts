// One measured step of the merge benchmark in its own process; prints a JSON line with wall and
// CPU seconds and this process's peak RSS.
//   whole <report.json> <input…>   evaluate every input in one evaluation, one after another
//   parallel <report.json> <input…> evaluate them as evaluate does many large inputs: one state per
//                                   input in worker threads, then the merge
//   state <state.json.gz> <input>  evaluate one shard to a state
//   merge <report.json> <state…>   merge the states and make the report
import { writeFile } from 'node:fs/promises';
import { evaluate } from '../evaluator/evaluate.js';
import { finishMerge, mergeStates, readState, type NamedState } from '../evaluator/state.js';
import type { ReportModel } from '../model/report.js';

const [mode, out, ...paths] = process.argv.slice(2);
// The same gates everywhere: whole-run, windowed (bucket histograms) and the error budget.
const config = {
  gates: [
    { metric: 'http_req_duration', expression: 'p(95)<2000' },
    { metric: 'http_req_duration{method:POST}', expression: 'p(99)<5000', window: '1m' },
    { metric: 'chaosgate_error_rate', expression: 'rate<0.2' },
    { metric: 'http_reqs', expression: 'count>0' },
  ],
};
const started = performance.now();
let report: ReportModel | null = null;
if (mode === 'whole') report = await evaluate(paths, { config, parallelInputs: false });
else if (mode === 'parallel') report = await evaluate(paths, { config: { ...config, evaluate: { workers: 4, parallelInputs: true } } });
else if (mode === 'state') await evaluate(paths, { config, statePath: out });
else if (mode === 'merge') {
  const states: NamedState[] = [];
  for (const p of paths) states.push({ name: p, state: await readState(p) });
  report = finishMerge(mergeStates(states, { gates: config.gates }), paths);
} else throw new Error(`unknown mode ${mode}`);
const seconds = (performance.now() - started) / 1000;
if (report) await writeFile(out!, JSON.stringify(report));
const usage = process.resourceUsage();
process.stdout.write(
  JSON.stringify({ mode, points: report?.totals.points ?? null, seconds, cpuSeconds: (usage.userCPUTime + usage.systemCPUTime) / 1e6, maxRssMb: usage.maxRSS / 1024 }) + '\n',
);
