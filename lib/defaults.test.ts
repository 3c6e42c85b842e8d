// The local Redis URL is written once (lib/defaults.ts): the config's default is it, and no other
// Node-side source file spells it out (the k6 scenarios get it in env and have no default).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { DEFAULT_REDIS_URL } from './defaults.js';
import { projectRoot } from './tools.js';

const SOURCE_DIRS = ['analysis', 'chaos', 'cli', 'config', 'evaluator', 'k8s', 'lib', 'load', 'model', 'probes', 'reports', 'run', 'scenarios', 'target'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.ts$/.test(e.name) && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );
}

describe('DEFAULT_REDIS_URL', () => {
  it('is redis.url when neither the config nor CHAOSGATE_REDIS_URL sets one', async () => {
    expect(DEFAULT_REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect((await loadConfig({ env: {} })).redis.url).toBe(DEFAULT_REDIS_URL);
  });

  it('is written in lib/defaults.ts only', () => {
    const files = SOURCE_DIRS.flatMap((d) => sources(join(projectRoot, d)));
    expect(files.length).toBeGreaterThan(50);
    const writers = files.filter((f) => readFileSync(f, 'utf8').includes('127.0.0.1:6379')).map((f) => relative(projectRoot, f));
    expect(writers).toEqual(['lib/defaults.ts']);
  });
});
