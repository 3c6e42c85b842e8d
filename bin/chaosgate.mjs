#!/usr/bin/env node
// Thin launcher: the CLI is bundled into dist/ by `npm run setup`, `npm run build` or `npm pack`.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const bundle = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write('chaosgate: dist/cli.mjs is missing; run `npm run setup` (or `npm run build`) first\n');
  process.exit(2);
}
await import(pathToFileURL(bundle).href);
