// runK6's contract for the run orchestrator: samples stream through a FIFO while k6 runs, and
// stopping (AbortSignal or stop()) ends k6 gracefully - summary written - long before its end.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSectionSchema } from '../../config/load.js';
import { runK6 } from '../../load/k6-runner.js';
import { buildScenarioConfig } from '../../load/scenario-config.js';
import { credentialsEnv } from '../../target/credentials.js';
import { startTarget, type RunningTarget } from '../../target/server.js';
import { startRedis, type RunningServer } from '../support/servers.js';

const credentials = { username: 'runner-user', password: 'runner-password' };
let redis: RunningServer;
let target: RunningTarget;
let dir: string;

beforeAll(async () => {
  redis = await startRedis();
  target = await startTarget({ redisUrl: redis.url, port: 0, webLatencyMs: 0, credentials });
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-runner-'));
});

afterAll(async () => {
  await target?.stop();
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('runK6', () => {
  it('streams NDJSON through a FIFO and stops gracefully on abort', async () => {
    const fifo = join(dir, 'samples.fifo');
    execFileSync('mkfifo', [fifo]);
    // A 60 s soak, aborted after the first http_reqs sample has come through the FIFO.
    const config = buildScenarioConfig(loadSectionSchema.parse({ soak: { duration: '60s', rate: 5 } }), { baseUrl: target.baseUrl });
    const abort = new AbortController();
    const started = Date.now();
    const k6 = await runK6({ scenario: 'soak', config, outDir: dir, ndjsonPath: fifo, redisUrl: redis.url, env: credentialsEnv(credentials), stdio: 'ignore', signal: abort.signal, tags: { phase_source: 'test' } });
    let httpReqs = 0;
    for await (const line of createInterface({ input: createReadStream(fifo) })) {
      if (!line.includes('"type":"Point"') || !line.includes('"metric":"http_reqs"')) continue;
      httpReqs++;
      if (httpReqs === 5) abort.abort();
    }
    const exit = await k6.done;
    const elapsed = Date.now() - started;
    expect(httpReqs).toBeGreaterThanOrEqual(5);
    expect(elapsed).toBeLessThan(20_000);
    // k6's code for a run stopped by a signal; the summary still gets written.
    expect(exit).toEqual({ exitCode: 105, signal: null });
    expect(existsSync(k6.paths.summary!)).toBe(true);
    expect(await k6.stop()).toEqual(exit); // stopping twice is harmless
  });
});
