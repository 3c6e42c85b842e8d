// `npm run docs`: writes the generated reference (config from the zod schemas, CLI from commander)
// into docs/reference/. test/docs.test.ts fails when the committed files differ from this output.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const out = resolve('dist/docs-gen.mjs');
await build({
  stdin: {
    contents:
      "export { renderConfigReference } from './config/reference.ts'; export { renderCliReference } from './cli/reference.ts'; export { renderKindsReference } from './config/kinds-reference.ts';",
    resolveDir: process.cwd(),
    loader: 'ts',
  },
  outfile: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
const { renderConfigReference, renderCliReference, renderKindsReference } = await import(pathToFileURL(out).href);
mkdirSync('docs/reference', { recursive: true });
writeFileSync('docs/reference/config.md', renderConfigReference());
writeFileSync('docs/reference/cli.md', renderCliReference());
writeFileSync('docs/reference/kinds.md', renderKindsReference());
console.log('docs: wrote docs/reference/config.md, docs/reference/cli.md and docs/reference/kinds.md');
