// The `load` and `target` sections: defaults, overrides, and errors that name the field.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../lib/errors.js';
import { loadConfig } from '../config/index.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function configFile(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chaosgate-cfg-'));
  dirs.push(dir);
  const file = join(dir, 'chaosgate.json');
  await writeFile(file, JSON.stringify(content));
  return file;
}

async function issues(content: unknown, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  try {
    await loadConfig({ file: await configFile(content), env });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected the config to be rejected');
}

describe('load and target config sections', () => {
  it('has short defaults for tests and the demo', async () => {
    const config = await loadConfig({ env: {} });
    expect(config.load.baseUrl).toBe('http://127.0.0.1:8080');
    expect(config.load.spike).toMatchObject({ baselineRate: 4, multiplier: 6, peakDuration: '6s' });
    expect(config.load.soak.duration).toBe('30s');
    expect(config.target).toMatchObject({ host: '127.0.0.1', port: 8080, gpuSlots: 2, queue: 'ingestion', maxRetries: 3 });
  });

  it('takes the base URL and soak duration from env', async () => {
    const config = await loadConfig({ env: { CHAOSGATE_BASE_URL: 'http://127.0.0.1:9999/', CHAOSGATE_SOAK_DURATION: '4h' } });
    expect(config.load.baseUrl).toBe('http://127.0.0.1:9999');
    expect(config.load.soak.duration).toBe('4h');
  });

  it('names the field of every invalid value', async () => {
    const found = await issues({
      load: { baseUrl: 'ftp://x', spike: { multiplier: 0.5, peakDuration: '10 minutes' }, ingestion: { batchSize: 0 }, ocr: { rate: -1 } },
      target: { host: '0.0.0.0', gpuSlots: 0, embeddingFailureRate: 2 },
    });
    const fields = found.map((line) => line.split(':')[0]);
    expect(fields).toEqual(
      expect.arrayContaining([
        'load.baseUrl',
        'load.spike.multiplier',
        'load.spike.peakDuration',
        'load.ingestion.batchSize',
        'load.ocr.rate',
        'target.host',
        'target.gpuSlots',
        'target.embeddingFailureRate',
      ]),
    );
    expect(found.find((l) => l.startsWith('target.host'))).toMatch(/loopback/);
    expect(found.find((l) => l.startsWith('load.spike.peakDuration'))).toMatch(/must be a duration: whole milliseconds, or k6 text/);
  });

  it('rejects a misspelt field by name', async () => {
    const found = await issues({ load: { spike: { peakDuraton: '5s' } } });
    expect(found.join('\n')).toMatch(/load\.spike.*peakDuraton/);
  });

  it('checks fields against each other', async () => {
    expect(await issues({ load: { soak: { preAllocatedVUs: 50, maxVUs: 10 } } })).toEqual(['load.soak.maxVUs: must be >= soak.preAllocatedVUs']);
  });

  it('names the env var when an override is invalid', async () => {
    await expect(loadConfig({ env: { CHAOSGATE_SOAK_DURATION: 'forever' } })).rejects.toThrow(
      /CHAOSGATE_SOAK_DURATION -> load\.soak\.duration[\s\S]*load\.soak\.duration: must be a duration/,
    );
  });
});
