// Bundles the shards benchmark (bench/shards.ts: `chaosgate run --shards 1` vs `--shards 2`) with
// esbuild into a temp dir and runs it there: plain Node, no TypeScript loader needed. The runs use
// the built CLI (dist/cli.mjs: `npm run bench:shards` builds it first).
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const out = mkdtempSync(join(tmpdir(), 'chaosgate-bench-build-'));
try {
  await build({
    entryPoints: { shards: 'bench/shards.ts' },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const r = spawnSync(process.execPath, [join(out, 'shards.mjs'), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, CHAOSGATE_BENCH_CLI: resolve(import.meta.dirname, '..', 'dist', 'cli.mjs') },
  });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
