// One measured run in its own process: `reference` or `evaluator` over one file ("-": stdin);
// prints a JSON line with points, wall seconds, CPU seconds (all threads), this process's peak RSS
// and, for the evaluator, each trend series' p95 (checked against DuckDB's exact quantile_disc).
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { evaluate } from '../evaluator/evaluate.js';
import { referenceEvaluate } from './evaluator-reference.js';
import { readFloor, readShare, type FloorTask } from './read-floor.js';

/** The tags a series is made of here: the reference's and DuckDB's grouping. */
export const BENCH_GROUP_BY = ['name', 'group', 'scenario', 'method', 'status', 'expected_response'];

// A reading thread of the read floor (read-floor.ts), started from this same bundle.
if (!isMainThread) parentPort!.postMessage(readShare(workerData as FloorTask));
else await measure();

async function measure(): Promise<void> {
  const [mode, path, workers] = process.argv.slice(2);
  const started = performance.now();
  let points: number;
  let series = 0;
  let p95: { metric: string; tags: Record<string, string>; count: number; p95: number }[] = [];
  if (mode === 'reference') {
    ({ points, series } = await referenceEvaluate(path!));
  } else if (mode === 'read-floor' || mode === 'lines-floor') {
    points = await readFloor(fileURLToPath(import.meta.url), path!, mode === 'read-floor' ? 'read' : 'lines');
  } else {
    const report = await evaluate([path!], { config: { evaluate: { workers: Number(workers ?? 0), groupBy: BENCH_GROUP_BY } } });
    points = report.totals.points;
    series = report.totals.series;
    p95 = report.series.filter((s) => s.trend).map((s) => ({ metric: s.metric, tags: s.tags, count: s.count, p95: s.trend!.p95 }));
  }
  const seconds = (performance.now() - started) / 1000;
  const usage = process.resourceUsage();
  // CPU seconds of all threads: on a shared machine, wall time mostly measures the neighbours.
  const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  process.stdout.write(JSON.stringify({ mode, points, series, seconds, cpuSeconds, maxRssMb: usage.maxRSS / 1024, p95 }) + '\n');
}
