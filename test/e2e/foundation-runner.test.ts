// runK6's contract for the run orchestrator: samples stream through a FIFO while k6 runs, and
// stopping (AbortSignal or stop()) ends k6 gracefully - summary written - long before its end.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSectionSchema } from '../../load/config.js';
import { runK6 } from '../../load/k6-runner.js';
import { buildScenarioConfig } from '../../load/scenario-config.js';
import { credentialsEnv } from '../../target/credentials.js';
import { startStack, type Stack } from './foundation-support.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(() => stack?.stop());

describe('runK6', () => {
  it('streams NDJSON through a FIFO and stops gracefully on abort', async () => {
    const fifo = join(stack.dir, 'samples.fifo');
    execFileSync('mkfifo', [fifo]);
    // A 60 s soak, aborted after the first http_reqs sample has come through the FIFO.
    const config = buildScenarioConfig(loadSectionSchema.parse({ soak: { duration: '60s', rate: 5 } }), { baseUrl: stack.target.baseUrl });
    const abort = new AbortController();
    const started = Date.now();
    const k6 = await runK6({
      scenario: 'soak',
      config,
      outDir: stack.dir,
      ndjsonPath: fifo,
      redisUrl: stack.redis.url,
      env: credentialsEnv(stack.credentials),
      stdio: 'ignore',
      signal: abort.signal,
      tags: { phase_source: 'test' },
    });
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
