// Bundles the merge benchmark (and the evaluator's worker) with esbuild into a temp dir and runs it
// there: plain Node, no TypeScript loader needed.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const out = mkdtempSync(join(tmpdir(), 'chaosgate-bench-build-'));
try {
  await build({
    entryPoints: { merge: 'bench/merge.ts', 'merge-child': 'bench/merge-child.ts', 'evaluator-worker': 'evaluator/worker.ts', 'evaluator-state-worker': 'evaluator/state-worker.ts' },
    outdir: out,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  const r = spawnSync(process.execPath, [join(out, 'merge.mjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
