// `npm run bench:merge [-- --shards 8 --points 2500000 --names 1]`: gzip NDJSON of real k6 output
// for N shards (the same time span; `--names K` spreads the named points over K names for K times
// the named series: `-- --high-cardinality` is `--shards 8 --points 1500000 --names 20`, about
// 1 200 series), then in separate processes: one evaluate over all N files;
// each shard to a state (evaluate --state); the merge of the N states. Prints the merge's time and
// peak RSS beside the one-process evaluation's, and whether the two reports are equal field by
// field (sums within 1e-12 relative); then evaluate of the N files in parallel (a state per file in
// worker threads, then the merge), and its equality; and what the merge and the shards cost beside
// the one evaluation (CPU and wall). Deletes the data.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportDifferences } from '../test/support/report-diff.js';
import type { ReportModel } from '../model/report.js';
import { loadRecording, recordK6, replicate } from './evaluator-data.js';

interface Step {
  mode: string;
  points: number | null;
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
}

const args = process.argv.slice(2);
const flag = (name: string, def: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : def;
};
const high = args.includes('--high-cardinality');
const shards = Number(flag('--shards', '8'));
const points = Number(flag('--points', high ? '1500000' : '2500000'));
const names = Number(flag('--names', high ? '20' : '1'));
const childScript = join(import.meta.dirname, 'merge-child.mjs');

function child(argv: string[]): Promise<Step> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [childScript, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Step) : reject(new Error(`${argv[0]} exited ${code}`))));
  });
}

const dir = mkdtempSync(join(process.env.CHAOSGATE_BENCH_DIR ?? tmpdir(), 'chaosgate-bench-merge-'));
// What legitimately differs: the time made, the merge's own facts (`merge`: its states and
// warnings), the analysis, and the time each gate took.
const comparable = (r: ReportModel) => {
  const { createdAt: _c, analysis: _a, merge: _m, ...rest } = r;
  return { ...rest, gates: rest.gates.map(({ durationMs: _d, ...g }) => g) };
};
try {
  const files: string[] = [];
  const genStart = performance.now();
  // Real k6 output (a short recorded run, as bench:evaluator does), replicated in order for each
  // shard: the shards cover the same time span, as k6-operator's runners do.
  const recording = loadRecording(await recordK6(dir));
  for (let i = 0; i < shards; i++) {
    const f = join(dir, `shard-${i + 1}.ndjson.gz`);
    await replicate(recording, f, points, { offsetMinutes: 0, gzip: true, names });
    files.push(f);
  }
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  console.log(
    `generated ${shards} shards x ${points} points, ${names} name(s) per named series (${(bytes / 1e6).toFixed(0)} MB gzip) in ${((performance.now() - genStart) / 1000).toFixed(0)} s`,
  );

  const whole = await child(['whole', join(dir, 'whole.json'), ...files]);
  const states: string[] = [];
  const stateSteps: Step[] = [];
  for (const [i, f] of files.entries()) {
    const s = join(dir, `shard-${i + 1}.state.json.gz`);
    stateSteps.push(await child(['state', s, f]));
    states.push(s);
  }
  const merge = await child(['merge', join(dir, 'merged.json'), ...states]);
  const parallel = await child(['parallel', join(dir, 'parallel.json'), ...files]);
  const p = JSON.parse(readFileSync(join(dir, 'parallel.json'), 'utf8')) as ReportModel;
  const noThreads = (r: ReportModel) => ({ ...comparable(r), inputs: r.inputs.map(({ threads: _t, ...i }) => i) });
  const parallelDiffs = reportDifferences(noThreads(p), noThreads(JSON.parse(readFileSync(join(dir, 'whole.json'), 'utf8')) as ReportModel));
  const a = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as ReportModel;
  const b = JSON.parse(readFileSync(join(dir, 'whole.json'), 'utf8')) as ReportModel;
  const diffs = reportDifferences(comparable(a), comparable(b));
  const stateBytes = states.reduce((n, s) => n + statSync(s).size, 0);
  const fmt = (s: Step) => `${s.seconds.toFixed(2)} s wall, ${s.cpuSeconds.toFixed(2)} s CPU, peak RSS ${s.maxRssMb.toFixed(0)} MB`;
  console.log(`one process, ${b.totals.points} points, ${b.totals.series} series: ${fmt(whole)}`);
  const sum = (k: 'seconds' | 'cpuSeconds') => stateSteps.reduce((n, s) => n + s[k], 0);
  console.log(
    `${shards} shard states (evaluate --state, one after another): ${sum('seconds').toFixed(2)} s wall, ${sum('cpuSeconds').toFixed(2)} s CPU, peak RSS max ${Math.max(...stateSteps.map((s) => s.maxRssMb)).toFixed(0)} MB; states ${(stateBytes / 1e6).toFixed(2)} MB gzip`,
  );
  console.log(`merge of ${shards} states: ${fmt(merge)}`);
  console.log(
    `reports equal field by field: ${diffs.length === 0 ? 'yes' : `NO (${diffs.length} differences)`} (${a.series.length} series, ${a.gates.length} gates; sums within 1e-12 relative)`,
  );
  for (const d of diffs.slice(0, 20)) console.log(`  ${d}`);
  console.log(
    `evaluate of the ${shards} files in parallel (a state per file in worker threads, then the merge): ${fmt(parallel)}; equal to one process: ${parallelDiffs.length === 0 ? 'yes' : `NO (${parallelDiffs.length} differences)`}`,
  );
  for (const d of parallelDiffs.slice(0, 20)) console.log(`  ${d}`);
  const pct = (x: number, of: number) => `${((100 * x) / of).toFixed(0)} %`;
  console.log(
    `merge cost beside one full evaluation (${b.totals.series} series): ${pct(merge.cpuSeconds, whole.cpuSeconds)} of its CPU, ${pct(merge.seconds, whole.seconds)} of its wall; ` +
      `the ${shards} shard states together: ${(sum('cpuSeconds') / whole.cpuSeconds).toFixed(2)}x its CPU; states + merge: ${((sum('cpuSeconds') + merge.cpuSeconds) / whole.cpuSeconds).toFixed(2)}x`,
  );
  if (diffs.length || parallelDiffs.length) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
