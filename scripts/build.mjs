// Bundles the Node side (CLI + library) into dist/ with esbuild. Runs on `npm install` (prepare).
import { build } from 'esbuild';

await build({
  entryPoints: { cli: 'cli/main.ts' },
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
