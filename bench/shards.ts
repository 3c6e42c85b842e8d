// `npm run bench:shards [-- --repeat 2 --rate 200 --duration 20s]`: `chaosgate run` of one small
// k6 script (constant-arrival-rate, the same total rate) on the reference stack with `--shards 1`
// and `--shards 2`, alternated, each run in its own process and run folder. Per run and as medians:
// the load reached (http_reqs per second and iterations from report.json, against the planned
// rate x duration; dropped_iterations), the `chaosgate run` process's own CPU (utime+stime from
// /proc/<pid>/stat, sampled until it exits), the k6 processes' CPU (its children named k6, the same
// way), and whether the verdicts (run verdict, exit code, every gate's verdict) are equal.
// Loopback only: the reference stack listens on 127.0.0.1, the script sends only to it.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReportModel } from '../model/report.js';

const args = process.argv.slice(2);
const flag = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : def;
};
const repeat = Number(flag('--repeat', '2'));
const rate = Number(flag('--rate', '200'));
const durationS = Number(flag('--duration', '20s').replace(/s$/, ''));
if (!Number.isInteger(repeat) || repeat < 1 || !(rate > 0) || !(durationS > 0)) {
  console.error('usage: bench:shards [-- --repeat N --rate ITERATIONS_PER_S --duration SECONDSs]');
  process.exit(2);
}
const cli = process.env.CHAOSGATE_BENCH_CLI;
if (!cli) {
  console.error('CHAOSGATE_BENCH_CLI is not set: run through `npm run bench:shards`');
  process.exit(2);
}
const TICKS_PER_S = 100; // USER_HZ: /proc's clock ticks are 1/100 s on Linux
const SAMPLE_MS = 50;
const planned = rate * durationS;

const SCRIPT = `
import http from 'k6/http';
export const options = {
  scenarios: { main: { executor: 'constant-arrival-rate', rate: ${rate}, timeUnit: '1s', duration: '${durationS}s', preAllocatedVUs: ${Math.max(4, Math.ceil(rate / 10))}, maxVUs: ${Math.max(20, rate)} } },
};
export default function () {
  http.get(__ENV.CHAOSGATE_BASE_URL + '/health', { tags: { name: 'health' } });
}
`;

interface ProcStat {
  comm: string;
  ppid: number;
  cpuTicks: number;
}

function procStat(pid: number | string, task?: number): ProcStat | null {
  try {
    const text = readFileSync(task === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${task}/stat`, 'utf8');
    // comm is in parentheses and may hold spaces: the fields after the last ')' are positional.
    const close = text.lastIndexOf(')');
    const rest = text.slice(close + 2).split(' ');
    // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    return { comm: text.slice(text.indexOf('(') + 1, close), ppid: Number(rest[1]), cpuTicks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return null; // the process (or thread) is gone
  }
}

/** The direct children of every thread of `pid` (/proc/<pid>/task/<tid>/children). */
function childPids(pid: number): number[] {
  const pids: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return pids;
  }
  for (const tid of tasks) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/)) if (c) pids.push(Number(c));
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return pids;
}

interface Run {
  shards: number;
  exitCode: number;
  wallS: number;
  /** The `chaosgate run` process's own CPU (all its threads), seconds. */
  runCpuS: number;
  /** Of which its main thread. */
  mainThreadCpuS: number;
  /** Every k6 child's CPU, summed. */
  k6CpuS: number;
  /** The other children (redis-server, the ingestion worker). */
  otherCpuS: number;
  requests: number;
  requestsPerS: number;
  iterations: number;
  dropped: number;
  verdict: string;
  gates: string;
  partial: boolean;
}

function runOnce(dir: string, shards: number, index: number): Promise<Run> {
  const outDir = join(dir, `run-${index}-shards-${shards}`);
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const p = spawn(process.execPath, [cli!, 'run', 'bench', '-c', join(dir, 'chaosgate.config.json'), '--out-dir', outDir, '--shards', String(shards)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    p.stderr!.on('data', (d) => (stderr += d));
    const pid = p.pid!;
    let own = 0;
    let main = 0;
    const children = new Map<number, { comm: string; ticks: number }>();
    const sample = () => {
      const s = procStat(pid);
      if (s === null || s.comm !== 'node') return;
      own = Math.max(own, s.cpuTicks);
      main = Math.max(main, procStat(pid, pid)?.cpuTicks ?? 0);
      // Direct children only: k6, redis-server, the ingestion worker.
      for (const entry of childPids(pid)) {
        const c = procStat(entry);
        if (c === null || c.ppid !== pid) continue;
        const prev = children.get(Number(entry));
        children.set(Number(entry), { comm: c.comm, ticks: Math.max(prev?.ticks ?? 0, c.cpuTicks) });
      }
    };
    const timer = setInterval(sample, SAMPLE_MS);
    p.on('error', reject);
    p.on('exit', (code) => {
      clearInterval(timer);
      const wallS = (performance.now() - start) / 1000;
      let report: ReportModel;
      try {
        report = JSON.parse(readFileSync(join(outDir, 'report.json'), 'utf8')) as ReportModel;
      } catch {
        reject(new Error(`run with --shards ${shards} exited ${code} without report.json:\n${stderr}`));
        return;
      }
      const sum = (metric: string, pick: (s: ReportModel['series'][number]) => number) => report.series.filter((s) => s.metric === metric).reduce((n, s) => n + pick(s), 0);
      let k6 = 0;
      let other = 0;
      for (const c of children.values()) {
        if (c.comm === 'k6') k6 += c.ticks;
        else other += c.ticks;
      }
      resolve({
        shards,
        exitCode: code ?? 1,
        wallS,
        runCpuS: own / TICKS_PER_S,
        mainThreadCpuS: main / TICKS_PER_S,
        k6CpuS: k6 / TICKS_PER_S,
        otherCpuS: other / TICKS_PER_S,
        requests: sum('http_reqs', (s) => s.counter?.sum ?? s.count),
        // Every series' rate has the same denominator (the report's first-to-last sample): they add.
        requestsPerS: sum('http_reqs', (s) => s.counter?.ratePerSecond ?? 0),
        iterations: sum('iterations', (s) => s.counter?.sum ?? s.count),
        dropped: sum('dropped_iterations', (s) => s.counter?.sum ?? s.count),
        verdict: report.verdict,
        gates: report.gates.map((g) => `${g.id}:${g.verdict}`).join(' '),
        partial: report.partial,
      });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const dir = mkdtempSync(join(process.env.CHAOSGATE_BENCH_DIR ?? tmpdir(), 'chaosgate-bench-shards-'));
try {
  writeFileSync(join(dir, 'load.js'), SCRIPT);
  writeFileSync(
    join(dir, 'chaosgate.config.json'),
    JSON.stringify({
      chaos: { journal: join(dir, 'journal.json') },
      run: { outDir: join(dir, 'runs') },
      gates: [
        { id: 'p95', metric: 'http_req_duration', expression: 'p(95)<2000' },
        { id: 'errors', metric: 'http_req_failed', expression: 'rate<0.05' },
      ],
      profiles: { bench: { script: 'load.js', stack: 'reference' } },
    }),
  );
  console.log(
    `chaosgate run --shards 1 vs --shards 2: constant-arrival-rate ${rate}/s for ${durationS} s (${planned} iterations planned) on the reference stack, ${repeat} x each, alternated`,
  );
  const runs: Run[] = [];
  for (let i = 0; i < repeat; i++) {
    for (const shards of [1, 2]) {
      const r = await runOnce(dir, shards, runs.length + 1);
      runs.push(r);
      console.log(
        `run ${runs.length} --shards ${shards}: exit ${r.exitCode}, ${r.wallS.toFixed(1)} s wall, ${r.requests} requests (${r.requestsPerS.toFixed(1)}/s), ` +
          `iterations ${r.iterations}/${planned}, dropped ${r.dropped}; run process CPU ${r.runCpuS.toFixed(2)} s (main thread ${r.mainThreadCpuS.toFixed(2)} s), ` +
          `k6 CPU ${r.k6CpuS.toFixed(2)} s, redis + ingestion worker ${r.otherCpuS.toFixed(2)} s; verdict ${r.verdict} [${r.gates}]`,
      );
    }
  }
  console.log('');
  console.log(
    '| --shards | runs | http_reqs/s | iterations reached / planned | dropped_iterations | `run` process CPU | of which main thread | k6 CPU (all shards) | redis + worker CPU | wall | verdicts |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const shards of [1, 2]) {
    const rs = runs.filter((r) => r.shards === shards);
    const m = (pick: (r: Run) => number) => median(rs.map(pick));
    console.log(
      `| ${shards} | ${rs.length} | ${m((r) => r.requestsPerS).toFixed(1)} | ${m((r) => r.iterations)} / ${planned} (${((100 * m((r) => r.iterations)) / planned).toFixed(1)} %) | ${m((r) => r.dropped)} | ` +
        `${m((r) => r.runCpuS).toFixed(2)} s | ${m((r) => r.mainThreadCpuS).toFixed(2)} s | ${m((r) => r.k6CpuS).toFixed(2)} s | ${m((r) => r.otherCpuS).toFixed(2)} s | ` +
        `${m((r) => r.wallS).toFixed(1)} s | ${[...new Set(rs.map((r) => `${r.verdict} (exit ${r.exitCode})`))].join(', ')} |`,
    );
  }
  const signature = (r: Run) => `${r.verdict} exit ${r.exitCode} partial ${r.partial} ${r.gates}`;
  const equal = new Set(runs.map(signature)).size === 1;
  console.log('');
  console.log(`medians of ${repeat} runs each; CPU from /proc/<pid>/stat utime+stime sampled every ${SAMPLE_MS} ms until exit`);
  console.log(`verdicts equal across all ${runs.length} runs: ${equal ? 'yes' : 'NO'} (${[...new Set(runs.map(signature))].join(' | ')})`);
  process.exitCode = equal ? 0 : 1;
} finally {
  if (!process.env.CHAOSGATE_KEEP_BENCH_DIR) rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
