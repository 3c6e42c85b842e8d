// `node bench/run.mjs <name> [args…]`: bundles the benchmark bench/<name>.ts (with its child and
// the evaluator's workers, where it has them) with esbuild into a temp dir and runs it there: plain
// Node, no TypeScript loader needed. The shards benchmark runs the built CLI (dist/cli.mjs).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [name, ...args] = process.argv.slice(2);
if (!name || !existsSync(`bench/${name}.ts`)) {
  console.error(`usage: node bench/run.mjs <benchmark> [args…] (bench/<benchmark>.ts; got ${name ?? 'nothing'})`);
  process.exit(2);
}
const entryPoints = {
  [name]: `bench/${name}.ts`,
  ...(existsSync(`bench/${name}-child.ts`) ? { [`${name}-child`]: `bench/${name}-child.ts` } : {}),
  'evaluator-worker': 'evaluator/worker.ts',
  'evaluator-state-worker': 'evaluator/state-worker.ts',
  'evaluator-record-worker': 'evaluator/record-worker.ts',
};
const out = mkdtempSync(join(tmpdir(), 'chaosgate-bench-build-'));
try {
  await build({
    entryPoints,
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  // CHAOSGATE_BENCH_BUNDLE=DIR: keep the bundle there and run nothing (scripts/bench-cores.sh carries it).
  if (process.env.CHAOSGATE_BENCH_BUNDLE) cpSync(out, process.env.CHAOSGATE_BENCH_BUNDLE, { recursive: true });
  else {
    const r = spawnSync(process.execPath, [join(out, `${name}.mjs`), ...args], {
      stdio: 'inherit',
      env: { ...process.env, CHAOSGATE_BENCH_CLI: process.env.CHAOSGATE_BENCH_CLI ?? resolve(import.meta.dirname, '..', 'dist', 'cli.mjs') },
    });
    process.exitCode = r.status ?? 1;
  }
} finally {
  rmSync(out, { recursive: true, force: true });
}
