// `chaosgate chaos apply` as a real process: the routes' URLs as one JSON line and a file for
// scripts, the proxy up for --duration; SIGINT while Redis is down exits 130 with the error said
// once; a PID file naming chaosgate itself or its parent is refused (exit 2, no hang); a route
// listening off loopback is refused naming the field.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJournals } from '../../chaos/journal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../lib/tools.js';
import { startRedis, type RunningServer } from '../support/servers.js';
import { send, startUpstream, type Upstream } from './chaos-support.js';

const cli = join(projectRoot, 'bin', 'chaosgate.mjs');
let dir: string;
let upstream: Upstream;
/** Every process a test started, killed at the end whatever happened (a failed wait leaves one). */
const startedPids: number[] = [];

interface Running {
  pid: number;
  output: () => string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; ms: number }>;
  kill(signal: NodeJS.Signals): void;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/** Starts a command; output is collected; exit is awaited with a time bound by the caller. */
function start(cmd: string, args: string[]): Running {
  const started = Date.now();
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  startedPids.push(child.pid!);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; ms: number }>((r) => child.once('exit', (code) => r({ code, ms: Date.now() - started })));
  return {
    pid: child.pid!,
    output: () => stdout + stderr,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: (s) => child.kill(s),
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(stdout + stderr);
        if (m) return m;
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${pattern} in:\n${stdout}${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

async function config(name: string, chaos: Record<string, unknown>, redisUrl = 'redis://127.0.0.1:1'): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(path, JSON.stringify({ redis: { url: redisUrl }, chaos: { journal: join(dir, `${name}-journal.json`), events: join(dir, `${name}-events.jsonl`), ...chaos } }));
  return path;
}

beforeAll(async () => {
  execFileSync(process.execPath, [join(projectRoot, 'scripts', 'build.mjs')], { cwd: projectRoot });
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-apply-'));
  upstream = await startUpstream();
});
afterAll(async () => {
  for (const pid of startedPids) {
    try {
      process.kill(-pid, 'SIGKILL'); // its process group: the shell and the chaosgate it started
    } catch {
      // already gone
    }
  }
  await upstream?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('chaos apply', () => {
  it('prints the routes as one JSON line, writes --routes-file, keeps the proxy up for --duration', async () => {
    const path = await config('routes', {
      proxy: {
        routes: [
          { name: 'web', upstream: `127.0.0.1:${upstream.port}` },
          { name: 'api', upstream: `127.0.0.1:${upstream.port}` },
        ],
      },
    });
    const routesFile = join(dir, 'routes.json');
    const apply = start(process.execPath, [cli, 'chaos', 'apply', '-c', path, '--duration', '3s', '--routes-file', routesFile]);
    const line = await apply.waitFor(/^routes (.*)$/m);
    const routes = JSON.parse(line[1]!) as Record<string, string>;
    expect(Object.keys(routes).sort()).toEqual(['api', 'web']);
    for (const url of Object.values(routes)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(JSON.parse(await readFile(routesFile, 'utf8'))).toEqual(routes);
    // Up while --duration runs: both routes relay to the upstream.
    expect((await send(`${routes.web}/hello`)).body).toBe('ok /hello');
    expect((await send(`${routes.api}/x`)).body).toBe('ok /x');
    const { code, ms } = await apply.exited;
    expect(code, apply.output()).toBe(0);
    expect(ms).toBeGreaterThanOrEqual(3000);
    expect(existsSync(routesFile)).toBe(false);
    await expect(send(`${routes.web}/gone`, { timeoutMs: 2000 })).rejects.toThrow();
  }, 30_000);

  it('holds a routes-only proxy until SIGINT, then exits 130', async () => {
    const path = await config('hold', { proxy: { routes: [{ name: 'web', upstream: `127.0.0.1:${upstream.port}` }] } });
    const apply = start(process.execPath, [cli, 'chaos', 'apply', '-c', path]);
    const routes = JSON.parse((await apply.waitFor(/^routes (.*)$/m))[1]!) as Record<string, string>;
    await apply.waitFor(/holding until SIGINT/);
    expect((await send(`${routes.web}/a`)).status).toBe(200);
    apply.kill('SIGINT');
    expect((await apply.exited).code, apply.output()).toBe(130);
  }, 30_000);

  it('SIGINT while Redis is down: exit 130, the rollback error said once, the journal kept', async () => {
    const redis: RunningServer = await startRedis();
    try {
      const path = await config('redis-down', { plan: [{ id: 'flag', kind: 'redis-toggle', target: 'feature:x', params: { value: 'off', ttlSeconds: 60 } }] }, redis.url);
      const apply = start(process.execPath, [cli, 'chaos', 'apply', '-c', path]);
      await apply.waitFor(/ on  flag redis-toggle feature:x/);
      await redis.stop();
      apply.kill('SIGINT');
      const { code } = await apply.exited;
      expect(code, apply.output()).toBe(130);
      const said = apply.stderr().match(/chaos rollback incomplete/g) ?? [];
      expect(said, apply.stderr()).toHaveLength(1);
      expect(apply.stderr()).toMatch(/keeps the rest for `chaosgate chaos clear`/);
      const journals = (await readJournals(join(dir, 'redis-down-journal.json'))).map((f) => ('journal' in f ? f.journal.entries.map((e) => e.faultId) : f.error));
      expect(journals).toEqual([['flag']]);
    } finally {
      await redis.stop();
    }
  }, 40_000);

  it.each([
    ['its own PID', 'exec ', 'chaosgate itself: refused'],
    ['the PID of its parent shell', '', 'a parent of chaosgate'],
  ])(
    'refuses a PID file naming %s (exit 2, no hang)',
    async (_what, exec, message) => {
      const pidFile = join(dir, `self-${exec ? 'own' : 'parent'}.pid`);
      const path = await config(`self-${exec ? 'own' : 'parent'}`, { plan: [{ id: 'freeze', kind: 'process-pause', target: pidFile }] });
      // The shell writes its PID, then (with exec) becomes chaosgate: the file names chaosgate itself.
      const apply = start('sh', ['-c', `echo $$ > '${pidFile}'; ${exec}'${process.execPath}' '${cli}' chaos apply -c '${path}' --duration 5s`]);
      const { code, ms } = await apply.exited;
      expect(code, apply.output()).toBe(2);
      // Refused by the check of every target before anything runs.
      expect(apply.stderr()).toContain(`freeze (process-pause ${pidFile}): ${pidFile} names PID`);
      expect(apply.stderr()).toContain(message);
      expect(ms).toBeLessThan(5000);
    },
    20_000,
  );

  it('refuses a route listening on 0.0.0.0 naming the field and the opt-in (exit 2)', async () => {
    const path = await config('open', { proxy: { routes: [{ name: 'web', listen: '0.0.0.0:0', upstream: `127.0.0.1:${upstream.port}` }] } });
    const apply = start(process.execPath, [cli, 'chaos', 'apply', '-c', path, '--duration', '1s']);
    const { code } = await apply.exited;
    expect(code, apply.output()).toBe(2);
    expect(apply.stderr()).toContain('chaos.proxy.routes.0.listen: "0.0.0.0:0" is not a loopback address');
    expect(apply.stderr()).toContain('chaos.allowNonLoopbackListen');
    expect(apply.stdout()).not.toMatch(/^routes /m);
  }, 20_000);
});
