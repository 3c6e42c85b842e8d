// One measured run in its own process: `reference` or `evaluator` over one file ("-": stdin);
// prints a JSON line with points, wall seconds, CPU seconds (all threads, and the main thread's
// alone), this process's peak RSS and, for the evaluator, each trend series' p95 (checked against
// DuckDB's exact quantile_disc) and the threads its report says it used.
import { readFileSync } from 'node:fs';
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

/**
 * CPU seconds of the calling thread so far (Linux: utime + stime of /proc/thread-self/stat, in
 * clock ticks of 10 ms); NaN elsewhere. Node 20 has no per-thread CPU call, and a worker thread's
 * task is gone from /proc/self/task once it ends: the main thread's is measured, the rest of the
 * process's CPU (reading threads, GC helpers, the libuv pool inflating gzip) is off the main thread.
 */
function threadCpuSeconds(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5); after the command's ")" the 3rd field is index 0.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function measure(): Promise<void> {
  const [mode, path, threadsArg] = process.argv.slice(2);
  const mainCpu0 = threadCpuSeconds();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  let threadsUsed: number | undefined;
  let points: number;
  let series = 0;
  let p95: { metric: string; tags: Record<string, string>; count: number; p95: number }[] = [];
  if (mode === 'reference') {
    ({ points, series } = await referenceEvaluate(path!));
  } else if (mode === 'read-floor' || mode === 'lines-floor') {
    points = await readFloor(fileURLToPath(import.meta.url), path!, mode === 'read-floor' ? 'read' : 'lines');
  } else {
    const threads = Number(threadsArg ?? 0);
    const report = await evaluate([path!], { config: { evaluate: { ...(threads > 0 && { threads }), groupBy: BENCH_GROUP_BY } } });
    threadsUsed = report.config.threads?.used;
    points = report.totals.points;
    series = report.totals.series;
    p95 = report.series.filter((s) => s.trend).map((s) => ({ metric: s.metric, tags: s.tags, count: s.count, p95: s.trend!.p95 }));
  }
  const seconds = (performance.now() - started) / 1000;
  const usage = process.resourceUsage();
  // CPU seconds of all threads: on a shared machine, wall time mostly measures the neighbours.
  const cpuSeconds = (usage.userCPUTime + usage.systemCPUTime) / 1e6;
  // The measured work alone (no start-up), all threads and the main thread: the serial fraction's parts.
  const mainCpuSeconds = threadCpuSeconds() - mainCpu0;
  const cpu = process.cpuUsage(cpu0);
  const workCpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(JSON.stringify({ mode, points, series, seconds, cpuSeconds, workCpuSeconds, mainCpuSeconds, threadsUsed, maxRssMb: usage.maxRSS / 1024, p95 }) + '\n');
}
