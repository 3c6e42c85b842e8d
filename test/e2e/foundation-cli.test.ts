// The foundation's commands as a user runs them (a private bundle of the CLI): `load smoke
// --start-target` leaves k6's NDJSON and summary and never prints the credentials; Redis
// unreachable is a clear usage error; `target worker` runs as its own process with a PID file
// that chaos can signal (SIGSTOP holds the queue, SIGCONT drains it, SIGTERM exits cleanly).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTarget } from '../../target/server.js';
import { queueDepth } from '../../target/celery-queue.js';
import { readProcStat } from '../../lib/proc.js';
import { bundleCli, type CliBundle } from '../support/cli-bundle.js';
import { startRedis, type RunningServer } from '../support/servers.js';
import { waitFor } from '../support/wait.js';

let bundle: CliBundle | undefined;
let cli: string;
let redis: RunningServer;
let dir: string;

beforeAll(async () => {
  bundle = await bundleCli('cli');
  cli = bundle.cli;
  redis = await startRedis();
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-cli-'));
}, 60_000);

afterAll(async () => {
  await redis?.stop();
  await bundle?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, cwd: dir });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('chaosgate load', () => {
  it('runs smoke against a target it starts and keeps k6 NDJSON and summary', async () => {
    const password = 'pw-that-must-not-be-printed';
    const outDir = join(dir, 'results-smoke');
    const { code, output } = await run(['load', 'smoke', '--start-target', '--set', 'target.port=0', '--out-dir', outDir], {
      CHAOSGATE_REDIS_URL: redis.url,
      CHAOSGATE_USERNAME: 'cli-user',
      CHAOSGATE_PASSWORD: password,
    });
    expect(code, output).toBe(0);
    expect(output).toContain('k6 exit code: 0');
    expect(output).not.toContain(password);
    const ndjson = await readFile(join(outDir, 'k6.ndjson'), 'utf8');
    expect(ndjson).toContain('"metric":"queue_depth"');
    expect(ndjson).not.toContain(password);
    expect(JSON.parse(await readFile(join(outDir, 'k6-summary.json'), 'utf8'))).toHaveProperty('metrics.checks');
    expect(await readFile(join(outDir, 'scenario-config.smoke.json'), 'utf8')).not.toContain(password);
  });

  it('says clearly when Redis is not reachable (exit 2)', async () => {
    const { code, output } = await run(['load', 'smoke', '--start-target', '--out-dir', join(dir, 'r2')], { CHAOSGATE_REDIS_URL: 'redis://:secret@127.0.0.1:1' });
    expect(code).toBe(2);
    expect(output).toMatch(/redis\.url redis:\/\/\*\*\*@127\.0\.0\.1:1: Redis does not answer/);
    expect(output).not.toContain('secret');
  });
});

describe('chaosgate target worker', () => {
  it('runs as its own process that chaos can pause, resume and stop by PID file', async () => {
    const target = await startTarget({ redisUrl: redis.url, port: 0, workers: 0, credentials: { username: 'u', password: 'p' } });
    const client = new Redis(redis.url);
    const pidFile = join(dir, 'worker.pid');
    const child = spawn(process.execPath, [cli, 'target', 'worker', '--redis', redis.url, '--pid-file', pidFile, '--embedding-ms', '5'], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const pid = await waitFor(async () => Number((await readFile(pidFile, 'utf8')).trim()) || undefined, { what: `the PID file ${pidFile}`, timeoutMs: 20_000 });
      expect(pid).toBe(child.pid);
      // The target runs no worker of its own, so the one client blocked in BRPOP is this worker, ready to pop.
      await waitFor(async () => /^blocked_clients:[1-9]/m.test(await client.info('clients')), { what: 'the worker blocked in BRPOP', timeoutMs: 20_000 });

      process.kill(pid, 'SIGSTOP');
      await waitFor(() => readProcStat(pid)?.state === 'T', { what: `worker ${pid} stopped (state T)` });
      const ids: string[] = [];
      for (const priority of [0, 3, 6, 9]) {
        const res = await fetch(`${target.baseUrl}/api/ingestion/documents`, { method: 'POST', body: JSON.stringify({ priority }) });
        ids.push(((await res.json()) as { document_id: string }).document_id);
      }
      const statuses = () => Promise.all(ids.map(async (id) => ((await (await fetch(`${target.baseUrl}/api/ingestion/documents/${id}`)).json()) as { status: string }).status));
      // Paused: nothing is processed in this hold (a running worker embeds one in 5 ms). Redis may
      // have handed the first message to the worker's pending BRPOP (0.5 s timeout) before the
      // pause; it sits in the socket until SIGCONT. So 3 or 4 stay queued, never fewer.
      await new Promise((r) => setTimeout(r, 300));
      expect(await statuses()).toEqual(['queued', 'queued', 'queued', 'queued']);
      expect(await queueDepth(client, 'ingestion')).toBeGreaterThanOrEqual(3);

      process.kill(pid, 'SIGCONT');
      await waitFor(async () => (await queueDepth(client, 'ingestion')) === 0, { what: 'the queue drained after SIGCONT', timeoutMs: 20_000 });
      await waitFor(async () => (await statuses()).every((s) => s === 'processed'), { what: 'all 4 documents processed', timeoutMs: 20_000 });

      process.kill(pid, 'SIGTERM');
      expect(await exited).toBe(0);
      expect(existsSync(pidFile)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      client.disconnect();
      await target.stop();
    }
  });

  it('replaces a stale PID file but refuses one of a live process', async () => {
    const pidFile = join(dir, 'stale.pid');
    await writeFile(pidFile, `${process.pid}\n`); // alive: this test process
    const refused = await run(['target', 'worker', '--redis', redis.url, '--pid-file', pidFile]);
    expect(refused.code).toBe(2);
    expect(refused.output).toContain(`process ${process.pid} is still running`);

    // A worker SIGKILLed earlier left its PID behind: that process is gone, so the file is taken over.
    const gone = spawn('true');
    await new Promise((r) => gone.on('exit', r));
    await writeFile(pidFile, `${gone.pid}\n`);
    const child = spawn(process.execPath, [cli, 'target', 'worker', '--redis', redis.url, '--pid-file', pidFile], { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const pid = await waitFor(
      async () => {
        const written = Number((await readFile(pidFile, 'utf8')).trim());
        return written !== gone.pid && written;
      },
      { what: `the new worker's PID in ${pidFile}`, timeoutMs: 20_000 },
    );
    expect(pid).toBe(child.pid);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
