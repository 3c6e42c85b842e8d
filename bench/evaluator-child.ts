// One measured run in its own process: `reference` or `evaluator` over one file; prints a JSON line
// with points, wall seconds, CPU seconds (all threads) and this process's peak RSS.
import { evaluate } from '../evaluator/evaluate.js';
import { referenceEvaluate } from './evaluator-reference.js';

const [mode, path, workers] = process.argv.slice(2);
const started = performance.now();
let points: number;
let series: number;
if (mode === 'reference') {
  ({ points, series } = await referenceEvaluate(path!));
} else {
  const report = await evaluate([path!], { config: { evaluate: { workers: Number(workers ?? 0) } } });
  points = report.totals.points;
  series = report.totals.series;
}
const seconds = (performance.now() - started) / 1000;
const usage = process.resourceUsage();
// CPU seconds of all threads: on a shared machine, wall time mostly measures the neighbours.
const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
process.stdout.write(JSON.stringify({ mode, points, series, seconds, cpuSeconds, maxRssMb: usage.maxRSS / 1024 }) + '\n');
