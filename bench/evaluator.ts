// `npm run bench:evaluator [-- --points 2000000,20000000] [--zones Z,+01:00] [--inputs plain,gzip]
// [--repeat 3] [--threads N] [--duckdb-threads 2] [--recording FILE] [--save-recording FILE] [--live-iterations 120000] [--live-repeat N] [--no-files] [--no-duckdb] [--no-live] [--no-cardinality] [--no-budget] [--keep]`
//
// Records a short real k6 run against a loopback server once, replicates it in order (shifted
// times) to each size, in UTC and as k6 writes times in Europe/Berlin (+01:00), plain and gzip,
// and measures on the same file, each in its own process and alternating `--repeat` times: the
// plain reference (readline + JSON.parse + HDR), the evaluator, DuckDB (read_ndjson +
// quantile_cont, 2 threads or --duckdb-threads N, when `python3 -c 'import duckdb'` works) and, for gzip, `zcat` alone.
// Rates are medians, peak RSS the highest seen; every ratio is between runs of this one
// benchmark. The p95 of every series is checked against DuckDB's exact quantile_cont (k6's p(N)). For plain
// files, the read floor (read-floor.ts: reading, then decoding and finding line ends, on two
// threads and no parsing) beside the time 4× DuckDB would take. Then a
// live row (k6's fastest output piped into the evaluator, into `cat`, and to /dev/null) and the
// cardinality row (500 k points, each of its own metric name) and the exact-value budget row (200 k
// points all kept exactly). Prints tables; deletes the data.
// `--threads N` caps the evaluator's threads (default: every core); the scaling table gives its
// CPU per point, the share of that CPU spent off the main thread and, taking the main thread's
// share as the serial fraction s, Amdahl's speed-up 1 / (s + (1 − s) / N) for 4, 8 and 16 cores.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { k6Bin, loadRecording, recordK6, replicate, writeDistinctMetrics } from './evaluator-data.js';

interface Run {
  mode: string;
  points: number;
  series: number;
  seconds: number;
  cpuSeconds: number;
  /** The evaluator's: CPU of the measured work (all threads, then the main thread's), threads used. */
  workCpuSeconds?: number;
  mainCpuSeconds?: number;
  threadsUsed?: number;
  maxRssMb: number;
  p95?: { metric: string; tags: Record<string, string>; count: number; p95: number }[];
}

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const sizes = args.includes('--no-files') ? [] : (flag('--points') ?? '2000000,20000000').split(',').map(Number);
const zones = (flag('--zones') ?? 'Z,+01:00').split(',');
const inputs = (flag('--inputs') ?? 'plain,gzip').split(',');
const repeat = Math.max(1, Number(flag('--repeat') ?? 3));
/** DuckDB's threads (bench/duckdb-peer.py reads them from the environment). */
const duckThreads = Number(flag('--duckdb-threads') ?? 2);
process.env.CHAOSGATE_DUCKDB_THREADS = String(duckThreads);
/** The evaluator's thread cap (0: every core, its default). */
const threads = Number(flag('--threads') ?? 0);
if (!Number.isInteger(threads) || threads < 0) throw new Error(`--threads ${flag('--threads')}: a whole number ≥ 1`);
const here = import.meta.dirname;
const childScript = join(here, 'evaluator-child.mjs');
/** The built CLI (dist/cli.mjs; bench/run.mjs passes its path). */
const cliBundle = process.env.CHAOSGATE_BENCH_CLI ?? join(process.cwd(), 'dist/cli.mjs');
const duckdbScript = join(process.cwd(), 'bench/duckdb-peer.py');
const haveDuckdb = !args.includes('--no-duckdb') && spawnSync('python3', ['-c', 'import duckdb'], { stdio: 'ignore' }).status === 0;
const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function collect(cmd: string, argv: string[], opts: { stdin?: 'ignore' | 'pipe' } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: [opts.stdin ?? 'ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout!.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}`))));
  });
}

const child = async (mode: string, path: string): Promise<Run> =>
  JSON.parse(await collect(process.execPath, [childScript, mode, path, ...(mode === 'evaluator' ? [String(threads)] : [])])) as Run;
const duckdb = async (path: string): Promise<Run> => JSON.parse(await collect('python3', [duckdbScript, path])) as Run;
async function zcat(path: string): Promise<Run> {
  const started = performance.now();
  await collect('sh', ['-c', `zcat '${path}' > /dev/null`]);
  return { mode: 'zcat', points: 0, series: 0, seconds: (performance.now() - started) / 1000, cpuSeconds: 0, maxRssMb: 0 };
}

function freeGb(dir: string): number {
  const line = execFileSync('df', ['-k', dir], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
  return Number(line.split(/\s+/)[3]) / 1024 / 1024;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`);
const log = (s: string) => process.stderr.write(s + '\n');

/** Compares the evaluator's p95 of every trend series with DuckDB's exact quantile_cont. */
function checkP95(ev: Run, duck: Run): string {
  const key = (metric: string, tags: Record<string, string>) => metric + JSON.stringify(Object.entries(tags).sort());
  const exact = new Map(duck.p95!.map((s) => [key(s.metric, s.tags), s]));
  let worst = 0;
  let checked = 0;
  const bad: string[] = [];
  for (const s of ev.p95!) {
    const d = exact.get(key(s.metric, s.tags));
    if (!d) {
      bad.push(`${s.metric} ${JSON.stringify(s.tags)}: not in DuckDB's result`);
      continue;
    }
    if (d.count !== s.count) bad.push(`${s.metric} ${JSON.stringify(s.tags)}: count ${s.count} vs DuckDB ${d.count}`);
    // HDR keeps 3 significant digits of integer microseconds: its bucket edge is within 0.1 %.
    const diff = Math.abs(s.p95 - d.p95);
    if (diff > d.p95 * 0.001 + 0.001) bad.push(`${s.metric} ${JSON.stringify(s.tags)}: p95 ${s.p95} vs exact ${d.p95}`);
    if (d.p95 >= 1) worst = Math.max(worst, diff / d.p95); // below 1 ms the 1 µs unit dominates
    checked++;
  }
  if (bad.length > 0) throw new Error(`p95 check against DuckDB failed:\n  ${bad.slice(0, 10).join('\n  ')}`);
  return `${checked} series within 0.1 % + 1 µs (worst ${(worst * 100).toFixed(3)} % at p95 ≥ 1 ms)`;
}

const dir = mkdtempSync(join(process.env.CHAOSGATE_BENCH_DIR ?? tmpdir(), 'chaosgate-bench-'));
const rows: string[] = [];
const liveRows: string[] = [];
/** Plain files: the read floor (read-floor.ts) beside the evaluator and what 4× DuckDB would take. */
const floorRows: string[] = [];
const extraRows: string[] = [];
/** The evaluator's CPU per point, off-main share and Amdahl's prediction per file. */
const scalingRows: string[] = [];
try {
  log(`k6: ${k6Bin}; DuckDB: ${haveDuckdb ? 'yes' : 'no (pip install duckdb)'}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  // --recording FILE: replicate that recording (scripts/bench-cores.sh carries one); --save-recording FILE keeps the one made here.
  const recording = sizes.length === 0 ? null : (flag('--recording') ?? (await recordK6(dir, flag('--record') ?? '8s')));
  if (recording && flag('--save-recording')) copyFileSync(recording, flag('--save-recording')!);
  const rec = recording ? loadRecording(recording) : null;
  if (rec) log(`recorded ${rec.prefix.length} points of real k6 output (${(rec.spanMs / 1000).toFixed(0)} s)`);
  for (const points of rec ? sizes : []) {
    const needGb = (points * 330 * 1.15) / 1e9;
    if (freeGb(dir) < needGb + 2) throw new Error(`${dir}: needs ~${needGb.toFixed(1)} GB free for ${points} points`);
    for (const zone of zones) {
      for (const input of inputs) {
        const gzip = input === 'gzip';
        const file = join(dir, `k6-${points}-${zone === 'Z' ? 'utc' : 'cet'}.json${gzip ? '.gz' : ''}`);
        const g0 = performance.now();
        await replicate(rec!, file, points, { offsetMinutes: zone === 'Z' ? 0 : 60, gzip });
        execFileSync('sync');
        log(`${file}: ${(statSync(file).size / 1e9).toFixed(2)} GB in ${((performance.now() - g0) / 1000).toFixed(0)} s`);
        const runs: Record<string, Run[]> = { reference: [], evaluator: [], duckdb: [], zcat: [], 'read-floor': [], 'lines-floor': [] };
        for (let r = 0; r < repeat; r++) {
          const order: [string, () => Promise<Run>][] = [
            ['reference', () => child('reference', file)],
            ['evaluator', () => child('evaluator', file)],
          ];
          if (haveDuckdb) order.push(['duckdb', () => duckdb(file)]);
          if (gzip) order.push(['zcat', () => zcat(file)]);
          else order.push(['read-floor', () => child('read-floor', file)], ['lines-floor', () => child('lines-floor', file)]);
          for (const [mode, go] of order) {
            const run = await go();
            runs[mode]!.push(run);
            log(
              `  ${mode} ${run.seconds.toFixed(2)} s${run.points ? ` ${fmt(run.points / run.seconds)}/s` : ''}${run.cpuSeconds ? `, ${run.cpuSeconds.toFixed(1)} CPU-s` : ''}${run.maxRssMb ? `, peak RSS ${run.maxRssMb.toFixed(0)} MB` : ''}`,
            );
          }
        }
        for (const run of [...runs.reference!, ...runs.evaluator!, ...runs.duckdb!]) {
          if (run.points !== points) throw new Error(`point count mismatch: ${run.mode} read ${run.points}, wrote ${points}`);
        }
        const wall = (mode: string) => median(runs[mode]!.map((r) => r.seconds));
        const cpu = (mode: string) => median(runs[mode]!.map((r) => r.cpuSeconds));
        const evRss = Math.max(...runs.evaluator!.map((r) => r.maxRssMb));
        const p95 = haveDuckdb ? checkP95(runs.evaluator![0]!, runs.duckdb![0]!) : 'no DuckDB';
        rows.push(
          `| ${fmt(points)} | ${zone} | ${input} | ${fmt(points / wall('reference'))}/s | ${fmt(points / wall('evaluator'))}/s | **${(wall('reference') / wall('evaluator')).toFixed(1)}×** | ${(cpu('reference') / cpu('evaluator')).toFixed(1)}× | ${evRss.toFixed(0)} MB | ` +
            (haveDuckdb ? `${fmt(points / wall('duckdb'))}/s | **${(wall('duckdb') / wall('evaluator')).toFixed(1)}×** | ` : '– | – | ') +
            (gzip ? `${(wall('evaluator') / wall('zcat')).toFixed(2)}× zcat | ` : '– | ') +
            `${p95} |`,
        );
        log(rows.at(-1)!);
        scalingRows.push(scalingRow(points, zone, input, runs.evaluator!));
        log(scalingRows.at(-1)!);
        if (!gzip) {
          const budget = haveDuckdb ? wall('duckdb') / 4 : Number.NaN;
          const share = (mode: string) => (haveDuckdb ? ` (${((wall(mode) / budget) * 100).toFixed(0)} %)` : '');
          floorRows.push(
            `| ${fmt(points)} | ${zone} | ${wall('read-floor').toFixed(2)} s / ${cpu('read-floor').toFixed(1)} CPU-s${share('read-floor')} | ` +
              `${wall('lines-floor').toFixed(2)} s / ${cpu('lines-floor').toFixed(1)} CPU-s${share('lines-floor')} | ${wall('evaluator').toFixed(2)} s / ${cpu('evaluator').toFixed(1)} CPU-s${share('evaluator')} | ` +
              (haveDuckdb ? `${wall('duckdb').toFixed(2)} s / ${cpu('duckdb').toFixed(1)} CPU-s | **${budget.toFixed(2)} s** |` : '– | – |'),
          );
          log(floorRows.at(-1)!);
        }
        rmSync(file);
      }
    }
  }
  if (!args.includes('--no-live')) await liveRow();
  if (!args.includes('--no-cardinality')) await cardinalityRow();
  if (!args.includes('--no-budget')) await budgetRow();
} finally {
  if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
}

/**
 * The evaluator's scaling figures from its runs on one file (medians): wall, CPU-µs per point, the
 * share of its CPU off the main thread (reading threads, GC helpers, the libuv pool) and, with the
 * main thread's share as the serial fraction s, Amdahl's speed-up over one core's worth of that CPU
 * and the wall it predicts on N cores: an upper bound for a design that spreads all the rest over
 * N threads (today's reads a file with at most two).
 */
function scalingRow(points: number, zone: string, input: string, runs: Run[]): string {
  const m = (f: (r: Run) => number) => median(runs.map(f));
  const cpu = m((r) => r.workCpuSeconds ?? Number.NaN);
  const serial = m((r) => (r.mainCpuSeconds ?? Number.NaN) / (r.workCpuSeconds ?? Number.NaN));
  const speedup = (n: number) => 1 / (serial + (1 - serial) / n);
  const predicted = [4, 8, 16].map((n) => `${speedup(n).toFixed(1)}× / ${(cpu / speedup(n)).toFixed(2)} s`).join(' | ');
  return (
    `| ${fmt(points)} | ${zone} | ${input} | ${threads || 'all'} (${os.availableParallelism()} cores) | ${runs[0]!.threadsUsed ?? '?'} | ${m((r) => r.seconds).toFixed(2)} s | ${cpu.toFixed(2)} s | ` +
    `${((cpu / points) * 1e6).toFixed(2)} µs | ${((1 - serial) * 100).toFixed(0)} % | ${serial.toFixed(2)} | ${predicted} |`
  );
}

/** k6's fastest output (50 VUs adding Trend points, no HTTP) to /dev/null, piped into `cat`, and piped into the evaluator. */
async function liveRow(): Promise<void> {
  // A fixed number of iterations, not a duration: k6 keeps every Trend value for its end-of-test
  // summary, so its RSS grows with the samples it made, and a run slowed by its consumer would
  // otherwise hold fewer of them (a smaller RSS for the wrong reason). 120 k: ~10 s alone here.
  const iterations = Number(flag('--live-iterations') ?? 120_000);
  const script = join(dir, 'live.js');
  writeFileSync(
    script,
    `import { Trend } from 'k6/metrics';
const t = new Trend('live_trend', true);
export const options = { scenarios: { live: { executor: 'shared-iterations', vus: 50, iterations: ${iterations}, maxDuration: '10m' } } };
export default function () { for (let i = 0; i < 20; i++) t.add(Math.random() * 100, { kind: 'k' + (i % 4) }); }
`,
  );
  const time = (rss: string) => (timeBin ? `${timeBin} -f %M -o '${rss}' ` : '');
  const summary = (p: string) => JSON.parse(readFileSync(p, 'utf8')) as { metrics: { iterations: { rate: number; count: number } } };
  const kb = (p: string) => (timeBin ? Number(readFileSync(p, 'utf8').trim().split('\n').at(-1)) / 1024 : Number.NaN);
  const alone: { rate: number; rss: number }[] = [];
  // `| cat`: what any consumer of the pipe costs k6 on this machine (the floor for the evaluator).
  const toCat: { rate: number; rss: number }[] = [];
  const piped: { rate: number; rss: number; ev: Run }[] = [];
  const k6Json = (name: string, out: string) => `${time(join(dir, `${name}.rss`))}'${k6Bin}' run -q --summary-export='${join(dir, `${name}.json`)}' --out json=${out} '${script}'`;
  const k6Run = (name: string) => ({ rate: summary(join(dir, `${name}.json`)).metrics.iterations.rate, rss: kb(join(dir, `${name}.rss`)) });
  for (let r = 0; r < Math.max(1, Number(flag('--live-repeat') ?? repeat)); r++) {
    await collect('sh', ['-c', `${k6Json('alone', '/dev/null')} > /dev/null`]);
    alone.push(k6Run('alone'));
    await collect('sh', ['-c', `(${k6Json('cat', '/dev/fd/3')} 3>&1 >/dev/null) | cat > /dev/null`]);
    toCat.push(k6Run('cat'));
    // The built CLI as users run it (`chaosgate evaluate -`: its entry starts draining stdin before
    // it loads the commands); its time and CPU from /usr/bin/time, its points from its JSON report.
    const report = join(dir, 'live-report.json');
    const evTime = join(dir, 'evaluate.time');
    await collect('sh', [
      '-c',
      // In the data folder: a chaosgate.config.json where the benchmark runs (the repository's) is not this row's.
      `cd '${dir}' && (${k6Json('pipe', '/dev/fd/3')} 3>&1 >/dev/null) | ` +
        `${timeBin ? `${timeBin} -f '%e %U %S %M' -o '${evTime}' ` : ''}'${process.execPath}' '${cliBundle}' evaluate --allow-no-gates${threads ? ` --threads ${threads}` : ''} --json '${report}' - > /dev/null`,
    ]);
    const [seconds, user, sys, rssKb] = timeBin ? readFileSync(evTime, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number) : [Number.NaN, Number.NaN, Number.NaN, Number.NaN];
    const totals = (JSON.parse(readFileSync(report, 'utf8')) as { totals: { points: number; series: number } }).totals;
    const ev: Run = { mode: 'evaluate -', points: totals.points, series: totals.series, seconds: seconds!, cpuSeconds: user! + sys!, maxRssMb: rssKb! / 1024 };
    piped.push({ ...k6Run('pipe'), ev });
    log(
      `  live: k6 alone ${alone.at(-1)!.rate.toFixed(0)} it/s ${alone.at(-1)!.rss.toFixed(0)} MB; | cat ${toCat.at(-1)!.rate.toFixed(0)} it/s ${toCat.at(-1)!.rss.toFixed(0)} MB; ` +
        `| evaluate ${piped.at(-1)!.rate.toFixed(0)} it/s ${piped.at(-1)!.rss.toFixed(0)} MB, evaluator ${ev.points} points ${ev.cpuSeconds.toFixed(2)} CPU-s in ${ev.seconds.toFixed(1)} s`,
    );
  }
  const aloneRate = median(alone.map((a) => a.rate));
  const catRate = median(toCat.map((a) => a.rate));
  const pipedRate = median(piped.map((a) => a.rate));
  const aloneRss = median(alone.map((a) => a.rss));
  const catRss = median(toCat.map((a) => a.rss));
  const pipedRss = median(piped.map((a) => a.rss));
  const evPoints = median(piped.map((p) => p.ev.points / p.ev.seconds));
  const cores = median(piped.map((p) => p.ev.cpuSeconds / p.ev.seconds));
  const pct = (x: number) => `${(x * 100).toFixed(0)} %`;
  const change = (x: number) => `${x >= 1 ? '+' : ''}${((x - 1) * 100).toFixed(0)} %`;
  liveRows.push(
    `| ${fmt(iterations)} iterations × ${alone.length} | ${aloneRate.toFixed(0)} it/s | ${catRate.toFixed(0)} it/s (${pct(catRate / aloneRate)}) | ${pipedRate.toFixed(0)} it/s | **${pct(pipedRate / aloneRate)}** | ` +
      `${aloneRss.toFixed(0)} MB | ${catRss.toFixed(0)} MB (${change(catRss / aloneRss)}) | ${pipedRss.toFixed(0)} MB | **${change(pipedRss / aloneRss)}** | ${fmt(evPoints)}/s | **${cores.toFixed(2)}** |`,
  );
  log(liveRows.at(-1)!);
}

/** 500 k points, each of its own metric name: memory must stay bounded by the series cap. */
async function cardinalityRow(): Promise<void> {
  const points = 500_000;
  const file = join(dir, 'distinct-metrics.json');
  await writeDistinctMetrics(file, points);
  let run: Run;
  try {
    run = await child('evaluator', file);
  } catch (err) {
    extraRows.push(`| ${fmt(points)} points, ${fmt(points)} metric names | – | – | **failed: ${(err as Error).message.split('\n')[0]}** |`);
    log(extraRows.at(-1)!);
    rmSync(file);
    return;
  }
  extraRows.push(
    `| ${fmt(points)} points, ${fmt(points)} metric names | ${run.series} series (cap 10 000) | ${fmt(run.points / run.seconds)}/s | **${run.maxRssMb.toFixed(0)} MB** |`,
  );
  log(extraRows.at(-1)!);
  rmSync(file);
}

/**
 * The exact-value budget full to the end (evaluator/series.ts): 2 trend series of 100 000 values
 * each, 200 000 in all, every one kept exactly beside the histograms; reference and evaluator
 * alternating `--repeat` times on the same file.
 */
async function budgetRow(): Promise<void> {
  const perSeries = 100_000;
  const points = 2 * perSeries;
  const file = join(dir, 'budget-full.json');
  const t0 = Date.UTC(2026, 0, 1);
  const lines = [JSON.stringify({ type: 'Metric', data: { name: 'budget_trend', type: 'trend', contains: 'time', thresholds: [], submetrics: null }, metric: 'budget_trend' })];
  for (let i = 0; i < points; i++) {
    const value = (((i * 7919) % 100_003) / 1000 + 0.001).toFixed(6);
    lines.push(`{"metric":"budget_trend","type":"Point","data":{"time":"${new Date(t0 + i).toISOString()}","value":${value},"tags":{"name":"s${i % 2}"}}}`);
  }
  writeFileSync(file, lines.join('\n') + '\n');
  const runs: Record<string, Run[]> = { reference: [], evaluator: [] };
  for (let r = 0; r < repeat; r++) for (const mode of ['reference', 'evaluator'] as const) runs[mode]!.push(await child(mode, file));
  const wall = (mode: string) => median(runs[mode]!.map((r) => r.seconds));
  const rss = Math.max(...runs.evaluator!.map((r) => r.maxRssMb));
  extraRows.push(
    `| ${fmt(points)} points, exact-value budget full (2 series × ${fmt(perSeries)}) | ${runs.evaluator![0]!.series} series | ${fmt(points / wall('evaluator'))}/s (reference ${fmt(points / wall('reference'))}/s, **${(wall('reference') / wall('evaluator')).toFixed(1)}×**) | **${rss.toFixed(0)} MB** |`,
  );
  log(extraRows.at(-1)!);
  rmSync(file);
}

process.stdout.write(
  [
    `load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
    '',
    `| points | zone | input | reference | evaluator | vs reference (wall) | (CPU) | evaluator peak RSS | DuckDB (${duckThreads} threads) | vs DuckDB | gzip: evaluator / zcat | p95 vs DuckDB quantile_cont |`,
    '| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows,
    '',
    ...(scalingRows.length
      ? [
          '| points | zone | input | --threads | threads used | evaluator wall | CPU-s (work) | CPU per point | CPU off the main thread | serial fraction s | Amdahl N=4: speed-up / wall | N=8 | N=16 |',
          '| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
          ...scalingRows,
          '',
        ]
      : []),
    ...(floorRows.length
      ? [
          `| points | zone | read floor, 2 threads (share of the 4×-DuckDB time) | + latin1 decode + line ends | evaluator | DuckDB (${duckThreads} threads) | 4× DuckDB would be |`,
          '| ---: | --- | ---: | ---: | ---: | ---: | ---: |',
          ...floorRows,
          '',
        ]
      : []),
    ...(liveRows.length
      ? [
          '| live run (medians) | k6 alone | k6 → cat | k6 → evaluate - | k6 rate kept | k6 peak RSS alone | → cat | → evaluate - | k6 RSS change | evaluator | evaluator cores |',
          '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
          ...liveRows,
          '',
        ]
      : []),
    ...(extraRows.length ? ['| cardinality | series | evaluator | evaluator peak RSS |', '| --- | ---: | ---: | ---: |', ...extraRows] : []),
  ].join('\n') + '\n',
);
