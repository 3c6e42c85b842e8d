// The docs stay true to the code: the generated references equal what the code renders now, and
// every JSON example in the README and docs/ parses (and, when it is a config, loads).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCliReference } from '../cli/reference.js';
import { renderConfigReference } from '../config/reference.js';
import { configSchema, formatIssues } from '../config/index.js';
import { projectRoot } from '../lib/tools.js';

const read = (rel: string) => readFileSync(join(projectRoot, rel), 'utf8');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [],
  );
}

const docs = [join(projectRoot, 'README.md'), join(projectRoot, 'CONTRIBUTING.md'), ...markdownFiles(join(projectRoot, 'docs'))].filter((f) => {
  try {
    readFileSync(f);
    return true;
  } catch {
    return false;
  }
});

/** ```json blocks with the line they start on. */
function jsonBlocks(text: string): Array<{ line: number; body: string }> {
  const blocks: Array<{ line: number; body: string }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```json') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== '```') end++;
    blocks.push({ line: start + 1, body: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

const CONFIG_SECTIONS = new Set(Object.keys(configSchema.shape));

describe('generated reference', () => {
  it('docs/reference/config.md is what the zod schemas render (run `npm run docs`)', () => {
    expect(read('docs/reference/config.md')).toBe(renderConfigReference());
  });
  it('docs/reference/cli.md is what the commander program renders (run `npm run docs`)', () => {
    expect(read('docs/reference/cli.md')).toBe(renderCliReference());
  });
});

describe('JSON examples in the docs', () => {
  const examples = docs.flatMap((file) => jsonBlocks(readFileSync(file, 'utf8')).map((b) => ({ ...b, where: `${relative(projectRoot, file)}:${b.line}` })));

  it('there are examples to check (so the checks below mean something)', () => {
    expect(examples.length).toBeGreaterThan(3);
  });

  it.each(examples.map((e) => [e.where, e] as const))('%s parses, and loads when it is a config', (_where, e) => {
    const value: unknown = JSON.parse(e.body);
    const isConfig = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).every((k) => CONFIG_SECTIONS.has(k));
    if (!isConfig) return;
    const parsed = configSchema.safeParse(value);
    expect(parsed.success ? [] : formatIssues(parsed.error)).toEqual([]);
  });
});
