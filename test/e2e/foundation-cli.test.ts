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
import { bundleCli, type CliBundle } from '../support/cli-bundle.js';
import { startRedis, type RunningServer } from '../support/servers.js';

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
      for (let i = 0; i < 100 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 50));
      const pid = Number((await readFile(pidFile, 'utf8')).trim());
      expect(pid).toBe(child.pid);
      await new Promise((r) => setTimeout(r, 300)); // the worker connects before it pops

      process.kill(pid, 'SIGSTOP');
      const ids: string[] = [];
      for (const priority of [0, 3, 6, 9]) {
        const res = await fetch(`${target.baseUrl}/api/ingestion/documents`, { method: 'POST', body: JSON.stringify({ priority }) });
        ids.push(((await res.json()) as { document_id: string }).document_id);
      }
      await new Promise((r) => setTimeout(r, 200));
      // Paused: nothing drains - except the one message Redis handed to the worker's pending
      // BRPOP before the pause, which sits in its socket until SIGCONT (and is lost on SIGKILL).
      expect(await queueDepth(client, 'ingestion')).toBe(3);

      process.kill(pid, 'SIGCONT');
      let depth = 3;
      for (let i = 0; i < 100 && depth > 0; i++) {
        await new Promise((r) => setTimeout(r, 30));
        depth = await queueDepth(client, 'ingestion');
      }
      expect(depth).toBe(0);
      let statuses: string[] = ['queued'];
      for (let i = 0; i < 100 && !statuses.every((s) => s === 'processed'); i++) {
        await new Promise((r) => setTimeout(r, 30));
        statuses = await Promise.all(ids.map(async (id) => ((await (await fetch(`${target.baseUrl}/api/ingestion/documents/${id}`)).json()) as { status: string }).status));
      }
      expect(statuses).toEqual(['processed', 'processed', 'processed', 'processed']);

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
    let pid = gone.pid;
    for (let i = 0; i < 100 && pid === gone.pid; i++) {
      await new Promise((r) => setTimeout(r, 50));
      pid = Number((await readFile(pidFile, 'utf8').catch(() => '')).trim());
    }
    expect(pid).toBe(child.pid);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
