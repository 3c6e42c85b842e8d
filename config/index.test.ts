import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../lib/errors.js';
import { loadConfig, setPath } from './index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-config-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('setPath', () => {
  it('creates objects on the way and indexes existing arrays', () => {
    const o: Record<string, unknown> = { gates: [{ metric: 'a', expression: 'rate<0.1' }] };
    setPath(o, 'gates.0.expression', 'rate<0.05');
    setPath(o, 'run.drain.timeout', '10s');
    expect(o).toEqual({ gates: [{ metric: 'a', expression: 'rate<0.05' }], run: { drain: { timeout: '10s' } } });
  });
});

describe('loadConfig', () => {
  it('applies --set to one gate of the list and env overrides by name', async () => {
    const file = join(dir, 'ok.json');
    await writeFile(file, JSON.stringify({ gates: [{ id: 'g', metric: 'http_req_failed', expression: 'rate<0.1' }] }));
    const c = await loadConfig({ file, set: ['gates.0.expression=rate<0.05', 'run.drain.timeout="10s"'], env: { CHAOSGATE_REDIS_URL: 'redis://127.0.0.1:7777' } });
    expect(c.gates[0]!.expression).toBe('rate<0.05');
    expect(c.run.drain.timeout).toBe('10s');
    expect(c.redis.url).toBe('redis://127.0.0.1:7777');
  });

  it('names the field, the file and the overrides that were applied', async () => {
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ run: { allowedErrorRate: 2 } }));
    const err = await loadConfig({ file, set: ['load.spike.multiplier=0'], env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as ConfigError).message;
    expect(msg).toContain(file);
    expect(msg).toContain('--set load.spike.multiplier');
    expect(msg).toMatch(/run\.allowedErrorRate: .*1/);
    expect(msg).toMatch(/load\.spike\.multiplier: /);
    expect((err as ConfigError).exitCode).toBe(2);
  });

  it('refuses a missing file and a --set without "="', async () => {
    await expect(loadConfig({ file: join(dir, 'nope.json') })).rejects.toThrow(/cannot read config .*nope\.json: ENOENT/);
    await expect(loadConfig({ set: ['run.outDir'] })).rejects.toBeInstanceOf(UsageError);
  });
});
