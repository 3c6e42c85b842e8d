// The rollback guarantee, with the built CLI as a real process: SIGKILL while a proxy fault and
// Redis toggles are on, then `chaos clear` (or the next start) puts everything back; SIGTERM rolls
// back by itself; chaos aimed off the allowlist is refused with exit 2.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openChaosSession } from '../../chaos/index.js';
import { projectRoot } from '../../lib/tools.js';
import { startRedis, type RunningServer } from '../support/servers.js';
import { section, send, startUpstream, tempPaths, type TestSession, type Upstream } from './chaos-support.js';

const cli = join(projectRoot, 'bin', 'chaosgate.mjs');
let redis: RunningServer;
let upstream: Upstream;
let paths: TestSession;
let db: Redis;
let configPath: string;
let proxyPort: number;

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('node', [cli, ...args], { timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Starts `chaos apply` and resolves once `count` faults are on. */
function startApply(count: number): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn('node', [cli, 'chaos', 'apply', '-c', configPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`chaos apply did not apply ${count} faults:\n${output}`)), 15_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if ((output.match(/ on  /g) ?? []).length >= count) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', () => reject(new Error(`chaos apply exited early:\n${output}`)));
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

beforeAll(async () => {
  await new Promise<void>((resolve, reject) => execFile('node', [join(projectRoot, 'scripts', 'build.mjs')], { cwd: projectRoot }, (err) => (err ? reject(err) : resolve())));
  redis = await startRedis();
  upstream = await startUpstream();
  paths = await tempPaths();
  db = new Redis(redis.url);
  const { freePort } = await import('../../lib/net.js');
  proxyPort = await freePort();
  configPath = join(paths.dir, 'chaosgate.json');
  await writeFile(
    configPath,
    JSON.stringify({
      redis: { url: redis.url },
      chaos: {
        journal: paths.journalPath,
        events: paths.eventsPath,
        proxy: { routes: [{ name: 'web', listen: `127.0.0.1:${proxyPort}`, upstream: `127.0.0.1:${upstream.port}` }] },
        plan: [
          { id: 'web-down', kind: 'http-abort', target: 'web', params: { status: 503 } },
          { id: 'renderer-off', kind: 'redis-toggle', target: 'feature:new-pdf-renderer', params: { value: 'false', ttlSeconds: 120 } },
          { id: 'ocr-slow', kind: 'redis-toggle', target: 'chaos:latency_ms:ocr', params: { value: '800', ttlSeconds: 120 } },
        ],
      },
    }),
  );
});

afterAll(async () => {
  db?.disconnect();
  await redis?.stop();
  await upstream?.close();
  await paths?.cleanup();
});

beforeEach(async () => {
  await db.flushall();
  await db.set('feature:new-pdf-renderer', 'true');
});

async function expectNothingApplied(): Promise<void> {
  expect(await db.get('feature:new-pdf-renderer')).toBe('true');
  expect(await db.ttl('feature:new-pdf-renderer')).toBe(-1);
  expect(await db.exists('chaos:latency_ms:ocr')).toBe(0);
  expect(await paths.journaled()).toEqual([]);
}

describe('chaos rollback', () => {
  it('after SIGKILL, `chaos clear` undoes the toggles the journal lists and restores the prior values', async () => {
    const { child } = await startApply(3);
    expect((await send(`http://127.0.0.1:${proxyPort}/x`)).status).toBe(503);
    expect(await db.get('feature:new-pdf-renderer')).toBe('false');
    const ttl = await db.ttl('feature:new-pdf-renderer');
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
    expect(await paths.journaled()).toEqual(['web-down', 'renderer-off', 'ocr-slow']);

    child.kill('SIGKILL');
    await exited(child);
    expect(await db.get('feature:new-pdf-renderer')).toBe('false');

    const status = await runCli(['chaos', 'status', '-c', configPath]);
    expect(status.stdout).toMatch(/gone: run `chaosgate chaos clear`/);
    expect(status.stdout).toMatch(/renderer-off redis-toggle feature:new-pdf-renderer/);

    const cleared = await runCli(['chaos', 'clear', '-c', configPath]);
    expect(cleared.code).toBe(0);
    expect(cleared.stdout).toMatch(/undone: renderer-off/);
    expect(cleared.stdout).toMatch(/undone: ocr-slow/);
    await expectNothingApplied();
    expect((await runCli(['chaos', 'clear', '-c', configPath])).stdout).toMatch(/nothing applied/);

    const offs = (await paths.events()).filter((e) => e.action === 'off' && e.params.recovered === true).map((e) => e.faultId);
    expect(offs.sort()).toEqual(['ocr-slow', 'renderer-off', 'web-down']);
  });

  it('after SIGKILL, the next session start undoes what is left before it does anything', async () => {
    const { child } = await startApply(3);
    child.kill('SIGKILL');
    await exited(child);
    const cfg = JSON.parse(await readFile(configPath, 'utf8'));
    const session = await openChaosSession(section(cfg.chaos), { redisUrl: redis.url });
    try {
      expect(session.recovered.undone.map((e) => e.faultId).sort()).toEqual(['ocr-slow', 'renderer-off', 'web-down']);
      await expectNothingApplied();
    } finally {
      await session.close();
    }
  });

  it('SIGTERM rolls everything back before the process ends; status shows live counts before', async () => {
    const { child, output } = await startApply(3);
    for (let i = 0; i < 3; i++) expect((await send(`http://127.0.0.1:${proxyPort}/x`)).status).toBe(503);
    const status = await runCli(['chaos', 'status', '-c', configPath]);
    expect(status.stdout).toMatch(/\(running\)/);
    expect(status.stdout).toMatch(/injections web-down: 3/);
    child.kill('SIGTERM');
    const { code } = await exited(child);
    expect(code).toBe(143);
    expect((output().match(/ off /g) ?? []).length).toBe(3);
    await expectNothingApplied();
  });

  it('refuses chaos aimed at a host off the allowlist, naming the field, with exit 2', async () => {
    const offList = await runCli([
      'chaos',
      'apply',
      '-c',
      configPath,
      '--set',
      'chaos.proxy.routes=[{"name":"web","upstream":"db.staging.example:5432","protocol":"tcp"}]',
      '--set',
      'chaos.plan=[{"id":"x","kind":"tcp-reset","target":"web"}]',
    ]);
    expect(offList.code).toBe(2);
    expect(offList.stderr).toMatch(/chaos refused: not on the allowlist/);
    expect(offList.stderr).toMatch(/chaos\.proxy\.routes\.0\.upstream: host "db\.staging\.example"/);
    expect(offList.stderr).not.toMatch(/\n\s+at /);

    const remoteHook = await runCli([
      'chaos',
      'apply',
      '-c',
      configPath,
      '--set',
      'chaos.plan=[{"id":"m","kind":"http-hook","target":"https://api.example.com/admin/chaos/maintenance"}]',
    ]);
    expect(remoteHook.code).toBe(2);
    expect(remoteHook.stderr).toMatch(/chaos\.plan\.0 \(m, http-hook\): host "api\.example\.com"/);
    expect(await db.get('feature:new-pdf-renderer')).toBe('true');
  });
});
