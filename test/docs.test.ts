// The docs stay true to the code: the generated references equal what the code renders now, and
// every JSON example in the README and docs/ parses (and, when it is a config, loads).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderCliReference } from '../cli/reference.js';
import { markdownCell, renderConfigReference } from '../config/reference.js';
import { renderKindsReference } from '../config/kinds-reference.js';
import { configSchema, formatIssues } from '../config/index.js';
import { projectRoot } from '../lib/tools.js';

const read = (rel: string) => readFileSync(join(projectRoot, rel), 'utf8');

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? markdownFiles(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
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
  it('docs/reference/kinds.md is what the registries render (run `npm run docs`)', () => {
    expect(read('docs/reference/kinds.md')).toBe(renderKindsReference());
  });
});

describe('config reference rows', () => {
  const lines = renderConfigReference().split('\n');
  const row = (path: string) => lines.find((l) => l.startsWith(`| \`${path}\` |`));

  it('shows the default of a field whose schema transforms (zod leaves it out of the input side)', () => {
    expect(row('evaluate.bucketWidth')).toContain('| `"auto"` |');
    expect(row('chaos.plan[].at')).toContain('| `0` |');
    expect(row('load.baseUrl')).toContain('| `"http://127.0.0.1:8080"` |');
  });

  it('lists the fields of each kind of a list of tagged shapes (probes by kind)', () => {
    expect(row('probes.list[].kind')).toContain('"celery-redis" \\| "redis-stream" \\| "nats-jetstream" \\| "rabbitmq" \\| "nvidia-smi" \\| "http-json" \\| "prometheus"');
    expect(row('probes.list[].id')).toBeDefined();
    expect(row('probes.list[kind=rabbitmq].passwordEnv')).toBeDefined();
    expect(row('probes.list[kind=redis-stream].id')).toBeUndefined();
  });

  it('escapes a pipe in a cell once, not twice (a doubled backslash can end the cell)', () => {
    expect(row('gates[].severity')).toContain('| "fail" \\| "warn" |');
    expect(lines.filter((l) => l.includes('\\\\|'))).toEqual([]);
  });

  it('keeps <NAME> and * literal outside code spans (GitHub would drop the tag, or read emphasis), code spans as written', () => {
    expect(markdownCell('gets CHAOSGATE_URL_<NAME>; http-*, tcp-* faults; `fault:*` and `<outDir>/x`')).toBe(
      'gets CHAOSGATE_URL_&lt;NAME>; http-\\*, tcp-\\* faults; `fault:*` and `<outDir>/x`',
    );
    expect(markdownCell('a | b `c|d`')).toBe('a \\| b `c\\|d`');
  });

  it('gives every field a meaning', () => {
    const fieldRows = lines.filter((l) => l.startsWith('| `'));
    expect(fieldRows.length).toBeGreaterThan(100);
    expect(fieldRows.filter((l) => l.endsWith('|  |'))).toEqual([]);
    const meaning = (l: string) =>
      l
        .split(/(?<!\\)\|/)
        .at(-2)!
        .trim();
    expect(fieldRows.filter((l) => meaning(l).length > 160)).toEqual([]);
  });

  it('says what each section is for, under its heading or in its own row', () => {
    const sections = lines.flatMap((l, i) => (l.startsWith('## ') ? [{ name: l.slice(4, -1), next: lines[i + 2]!, firstRow: lines[i + 4] }] : []));
    expect(sections.length).toBe(Object.keys(configSchema.shape).length - 1); // all but $schema
    const unexplained = sections.filter((s) => s.next.startsWith('|') && !(s.firstRow?.startsWith(`| \`${s.name}\` |`) && !s.firstRow.endsWith('|  |')));
    expect(unexplained.map((s) => s.name)).toEqual([]);
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

describe('the version in the docs', () => {
  // package.json is the one source; the docs name it in the tarball's file name and the action's tag.
  const version = (JSON.parse(read('package.json')) as { version: string }).version;
  const mentions = docs.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((text, i) =>
        [...text.matchAll(/chaosgate-(\d+\.\d+\.\d+[\w.-]*?)\.tgz|chaosgate@v(\d+\.\d+\.\d+[\w.-]*)/g)].map((m) => ({
          where: `${relative(projectRoot, file)}:${i + 1}`,
          version: m[1] ?? m[2],
        })),
      ),
  );

  it("every chaosgate-X.Y.Z.tgz and chaosgate@vX.Y.Z is package.json's version", () => {
    expect(mentions.length).toBeGreaterThan(2);
    expect(mentions.filter((m) => m.version !== version)).toEqual([]);
  });
});
