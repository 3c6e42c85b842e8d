// Bundles the Node side (CLI + library) into dist/ with esbuild. Runs in `npm run setup`, `npm run
// build` and before `npm pack` (prepack), so the package carries the built CLI.
import { build } from 'esbuild';

await build({
  // The evaluator's worker threads (reading, state, recording) are their own files beside the CLI (evaluator/evaluate.ts finds it).
  // dist/cli.mjs is a small entry (cli/launch.ts) that loads the commands from dist/cli-main.mjs.
  entryPoints: {
    cli: 'cli/launch.ts',
    'cli-main': 'cli/main.ts',
    'evaluator-worker': 'evaluator/worker.ts',
    'evaluator-state-worker': 'evaluator/state-worker.ts',
    'evaluator-record-worker': 'evaluator/record-worker.ts',
  },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  packages: 'external',
  logLevel: 'warning',
});
