// `npm run bench:evaluator [-- --points 2000000,20000000] [--repeat 3] [--keep]`: generates k6-shaped
// NDJSON into a temp dir, plain and gzip, and measures the evaluator and the plain reference on the
// same files in the same run, each in its own process (points/s and peak RSS), alternating them
// `--repeat` times: rates are medians, peak RSS the highest seen (the machine's neighbours make
// single runs swing by 2x). Prints ratios; deletes the data.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateNdjson } from './evaluator-data.js';

interface Run {
  mode: string;
  points: number;
  series: number;
  seconds: number;
  cpuSeconds: number;
  maxRssMb: number;
}

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const sizes = (flag('--points') ?? '2000000,20000000').split(',').map(Number);
const repeat = Math.max(1, Number(flag('--repeat') ?? 3));
const childScript = join(import.meta.dirname, 'evaluator-child.mjs');

function child(mode: string, path: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [childScript, mode, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(JSON.parse(out) as Run) : reject(new Error(`${mode} ${path} exited ${code}`))));
  });
}

function freeGb(dir: string): number {
  const line = execFileSync('df', ['-k', dir], { encoding: 'utf8' }).trim().split('\n').at(-1)!;
  return Number(line.split(/\s+/)[3]) / 1024 / 1024;
}

const dir = mkdtempSync(join(process.env.CHAOSGATE_BENCH_DIR ?? tmpdir(), 'chaosgate-bench-'));
const rows: string[] = [];
const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`);
try {
  for (const points of sizes) {
    const needGb = (points * 350 * 1.15) / 1e9;
    if (freeGb(dir) < needGb + 2) throw new Error(`${dir}: needs ~${needGb.toFixed(1)} GB free for ${points} points`);
    for (const gzip of [false, true]) {
      const file = join(dir, `k6-${points}.json${gzip ? '.gz' : ''}`);
      const g0 = performance.now();
      await generateNdjson(file, points, { gzip, seed: 42 });
      const bytes = statSync(file).size;
      // Let the page cache settle so the first reader does not pay for the writer's flush.
      execFileSync('sync');
      process.stderr.write(`generated ${file}: ${(bytes / 1e9).toFixed(2)} GB in ${((performance.now() - g0) / 1000).toFixed(0)} s\n`);
      const refs: Run[] = [];
      const evs: Run[] = [];
      for (let r = 0; r < repeat; r++) {
        for (const [mode, runs] of [['reference', refs], ['evaluator', evs]] as const) {
          const run = await child(mode, file);
          runs.push(run);
          process.stderr.write(`  ${mode} ${fmt(run.points / run.seconds)}/s (${fmt(run.points / run.cpuSeconds)}/cpu-s), peak RSS ${run.maxRssMb.toFixed(0)} MB\n`);
        }
      }
      for (const run of [...refs, ...evs]) {
        if (run.points !== points) throw new Error(`point count mismatch: ${run.mode} read ${run.points}, generated ${points}`);
      }
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
      const refRate = median(refs.map((r) => r.points / r.seconds));
      const evRate = median(evs.map((r) => r.points / r.seconds));
      const refCpuRate = median(refs.map((r) => r.points / r.cpuSeconds));
      const evCpuRate = median(evs.map((r) => r.points / r.cpuSeconds));
      const ref = { maxRssMb: Math.max(...refs.map((r) => r.maxRssMb)) };
      const ev = { maxRssMb: Math.max(...evs.map((r) => r.maxRssMb)), series: evs[0]!.series };
      rows.push(
        `| ${fmt(points)} | ${gzip ? 'gzip' : 'plain'} | ${fmt(refRate)}/s | ${fmt(refCpuRate)}/cpu-s | ${ref.maxRssMb.toFixed(0)} MB | ${fmt(evRate)}/s | ${fmt(evCpuRate)}/cpu-s | ${ev.maxRssMb.toFixed(0)} MB | ${(evRate / refRate).toFixed(1)}× | ${(evCpuRate / refCpuRate).toFixed(1)}× | ${ev.series} |`,
      );
      process.stderr.write(rows.at(-1)! + '\n');
      rmSync(file);
    }
  }
} finally {
  if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(
  [
    '| points | input | reference wall | reference CPU | reference peak RSS | evaluator wall | evaluator CPU | evaluator peak RSS | wall ratio | CPU ratio | series |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n') + '\n',
);
