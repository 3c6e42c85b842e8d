// The tar listing render decides by (GNU long names, PAX paths, ustar prefixes, as tar writes
// them), and the text scan used when no k6 is at hand.
import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localReferences, tarEntries } from './archive.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-tar-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tarEntries', () => {
  for (const format of ['gnu', 'pax', 'ustar']) {
    it(`lists what tar --format=${format} wrote, long names included`, async () => {
      const root = join(dir, format);
      const deep = `file/${'a'.repeat(60)}/${'b'.repeat(60)}`;
      await mkdir(join(root, deep), { recursive: true });
      await writeFile(join(root, deep, 'helpers.js'), 'export const x = 1;\n');
      await writeFile(join(root, 'metadata.json'), '{"filename":"file:///x.js"}');
      const out = join(dir, `${format}.tar`);
      const r = spawnSync('tar', [`--format=${format}`, '-cf', out, '-C', root, 'metadata.json', 'file'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const entries = tarEntries(await readFile(out));
      const files = entries.filter((e) => e.type === '0');
      expect(files.map((e) => e.name)).toEqual(['metadata.json', `${deep}/helpers.js`]);
      expect(files[1]!.data.toString()).toBe('export const x = 1;\n');
      expect(entries.filter((e) => e.type === '5').length).toBeGreaterThan(0);
    });
  }
});

describe('localReferences', () => {
  it('finds relative and absolute module specifiers and every open()', () => {
    const text = [
      "import http from 'k6/http';",
      "import { a } from './lib/a.js';",
      'import "../shared/b.js";',
      "export { c } from './c.ts';",
      "const d = require('./d.js');",
      "const m = await import('./lazy.js');",
      "import remote from 'https://jslib.k6.io/x.js';",
      "const users = open('./users.json');",
      'const f = open(__ENV.DATA);',
    ].join('\n');
    expect(localReferences(text)).toEqual(['./lib/a.js', '../shared/b.js', './c.ts', './d.js', './lazy.js', "open('./users.json')", 'open(__ENV.DATA)']);
    expect(localReferences("import http from 'k6/http';\nexport default function () { http.get('http://x/'); }\n")).toEqual([]);
  });
});
