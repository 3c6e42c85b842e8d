// `chaosgate chaos proxy serve` in front of a real redis-server: one client connection, opened
// before any run, stays open across a `chaos apply` and a `chaosgate run` (real k6) that fault the
// served route; it sees each latency fault while the run's events say it was on, and not after.
// A SIGINT of a run rolls back (130); a SIGKILLed run's fault is taken off by the serving process
// and `chaos clear` finds nothing left; the serving process's own SIGINT leaves nothing behind.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { freePort } from '../../lib/net.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChaosEvent } from '../../chaos/events.js';
import { readJournals } from '../../chaos/journal.js';
import { servedStatePath } from '../../chaos/proxy/served.js';
import { projectRoot } from '../../lib/tools.js';
import type { ReportModel } from '../../model/report.js';
import { startLoopbackHttp, startRedis, type LoopbackHttp, type RunningServer } from '../support/servers.js';
import { waitFor } from '../support/wait.js';
import { killStarted, runCli, startCli } from './chaos-cli-support.js';

const DELAY = 150;
let dir: string;
let redis: RunningServer;
let web: LoopbackHttp;
let listen: number;
let journal: string;
let conn: Socket | undefined;

const SCRIPT = `
import http from 'k6/http';
export const options = { scenarios: { main: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '3s', preAllocatedVUs: 2, maxVUs: 5 } } };
export default function () { http.get(__ENV.CHAOSGATE_BASE_URL + '/'); }
`;

async function writeConfig(name: string, plan: unknown[]): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(
    path,
    JSON.stringify({
      load: { baseUrl: web.url },
      evaluate: { bucketWidth: '1s' },
      gates: [{ id: 'errors', metric: 'http_req_failed', expression: 'rate<0.05' }],
      chaos: {
        journal,
        events: join(dir, `${name}-events.jsonl`),
        proxy: { routes: [{ name: 'cache', protocol: 'tcp', listen: `127.0.0.1:${listen}`, upstream: `127.0.0.1:${redis.port}` }] },
        plan,
      },
    }),
  );
  return path;
}

/** PINGs on the one open connection: when each was sent and how long its answer took. */
const pings: Array<{ sentAt: number; ms: number }> = [];
let pinging = false;
let answered: (() => void) | undefined;
async function ping(): Promise<number> {
  const sentAt = Date.now();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    answered = resolve;
    conn!.write('PING\r\n');
  });
  const ms = performance.now() - t0;
  pings.push({ sentAt, ms });
  return ms;
}
/** Pings every 40 ms until stopped. */
function pingLoop(): () => Promise<void> {
  pinging = true;
  const done = (async () => {
    while (pinging) {
      await ping();
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  return async () => {
    pinging = false;
    await done;
  };
}

const events = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ChaosEvent);

/** Every ping sent while the fault was on waited for it; the ones sent after it ended mostly did not. */
function expectSeenOnlyWhileOn(on: number, off: number): void {
  const during = pings.filter((p) => p.sentAt >= on + 5 && p.sentAt + DELAY <= off - 5);
  const after = pings.filter((p) => p.sentAt > off + 5);
  expect(during.length).toBeGreaterThan(2);
  for (const p of during) expect(p.ms).toBeGreaterThanOrEqual(DELAY - 5);
  expect(after.length).toBeGreaterThan(2);
  const sorted = after.map((p) => p.ms).sort((a, b) => a - b);
  expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(DELAY);
}

beforeAll(async () => {
  execFileSync(process.execPath, [join(projectRoot, 'scripts', 'build.mjs')], { cwd: projectRoot });
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-serve-e2e-'));
  journal = join(dir, 'chaos-journal.json');
  redis = await startRedis();
  web = await startLoopbackHttp((_req, res) => res.end('ok'));
  listen = await freePort();
  await writeFile(join(dir, 'k6.js'), SCRIPT);
}, 60_000);

afterAll(async () => {
  pinging = false;
  conn?.destroy();
  killStarted();
  await redis?.stop();
  await web?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('chaos proxy serve in front of redis-server', () => {
  it('keeps one connection open across runs that fault it through the serving process, and leaves nothing', async () => {
    const slow = { kind: 'tcp-latency', target: 'cache', params: { fixedMs: DELAY } };
    const serveConfig = await writeConfig('serve', []);
    const serve = startCli(['chaos', 'proxy', 'serve', '-c', serveConfig]);
    await serve.waitFor(/serving until SIGINT\/SIGTERM/);
    expect(existsSync(servedStatePath(journal))).toBe(true);
    const status = await runCli(['chaos', 'status', '-c', serveConfig]);
    expect(status.stdout).toMatch(
      new RegExp(`served by chaos proxy serve pid ${serve.pid} \\(http://127\\.0\\.0\\.1:\\d+\\): cache tcp://127\\.0\\.0\\.1:${listen} -> 127\\.0\\.0\\.1:${redis.port}`),
    );

    conn = connect(listen, '127.0.0.1');
    conn.setNoDelay(true);
    conn.on('data', () => answered?.());
    await new Promise((r) => conn!.once('connect', r));
    expect(await ping()).toBeLessThan(DELAY);

    // 1. `chaos apply` with a timeline: on at 0.3 s for 1.2 s, through the serving process.
    const applyConfig = await writeConfig('apply', [{ id: 'cache-slow', at: '300ms', duration: '1200ms', ...slow }]);
    let stop = pingLoop();
    const applied = await runCli(['chaos', 'apply', '-c', applyConfig]);
    await new Promise((r) => setTimeout(r, 300));
    await stop();
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/proxy cache: tcp:\/\/127\.0\.0\.1:\d+ \(served by chaos proxy serve/);
    let [on, off] = await events(join(dir, 'apply-events.jsonl'));
    expect([on!.action, off!.action]).toEqual(['on', 'off']);
    expectSeenOnlyWhileOn(on!.epochMs, off!.epochMs);

    // 2. `chaosgate run` (real k6) with the same route: the same connection, the run's own events.
    pings.length = 0;
    const runConfig = await writeConfig('run', [{ id: 'cache-slow', at: '500ms', duration: '1500ms', ...slow }]);
    await writeFile(join(dir, 'k6.js'), SCRIPT);
    stop = pingLoop();
    const ran = await runCli(['run', '--script', join(dir, 'k6.js'), '-c', runConfig, '--out-dir', join(dir, 'out')], { timeoutMs: 90_000 });
    await stop();
    expect(ran.code, ran.stderr).toBe(0);
    [on, off] = await events(join(dir, 'out', 'chaos-events.jsonl')).then((e) => e.filter((x) => x.faultId === 'cache-slow'));
    expect(on!.params).toMatchObject({ servedBy: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/) });
    expectSeenOnlyWhileOn(on!.epochMs, off!.epochMs);
    const report = JSON.parse(await readFile(join(dir, 'out', 'report.json'), 'utf8')) as ReportModel;
    expect((report.notes ?? []).join('\n')).toMatch(/route cache: served by `chaos proxy serve`/);

    // 3. A held fault: SIGINT rolls it back (130); SIGKILL leaves it to the serving process.
    const holdConfig = await writeConfig('hold', [{ id: 'cache-held', ...slow }]);
    let held = startCli(['chaos', 'apply', '-c', holdConfig]);
    await held.waitFor(/ on  cache-held/);
    expect(await ping()).toBeGreaterThanOrEqual(DELAY - 5);
    held.kill('SIGINT');
    expect((await held.exited).code).toBe(130);
    expect(await ping()).toBeLessThan(DELAY);

    held = startCli(['chaos', 'apply', '-c', holdConfig]);
    await held.waitFor(/ on  cache-held/);
    expect(await ping()).toBeGreaterThanOrEqual(DELAY - 5);
    held.kill('SIGKILL');
    await held.exited;
    await serve.waitFor(/off cache-held: its run \(pid \d+\) is gone/, 10_000);
    expect(await ping()).toBeLessThan(DELAY);
    const cleared = await runCli(['chaos', 'clear', '-c', holdConfig]);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toMatch(/nothing to undo: cache-held \(tcp-latency cache\) .*the serving proxy no longer had it/);

    // 4. The serving process's own SIGINT: routes closed, state file and journals gone.
    serve.kill('SIGINT');
    expect((await serve.exited).code).toBe(130);
    expect(serve.output()).toMatch(/stopped: routes closed, nothing left applied/);
    expect(existsSync(servedStatePath(journal))).toBe(false);
    expect(await readJournals(journal)).toEqual([]);
    await waitFor(() => conn!.destroyed || conn!.readableEnded, { timeoutMs: 5000, what: 'the client connection closed by the stopped route' });
    const refused = await new Promise<string>((r) =>
      connect(listen, '127.0.0.1')
        .once('error', (e: NodeJS.ErrnoException) => r(e.code ?? ''))
        .once('connect', () => r('connected')),
    );
    expect(refused).toBe('ECONNREFUSED');
  }, 120_000);
  it('a run whose serving process stops mid-fault exits 1, saying so (never a pass)', async () => {
    const serveConfig = await writeConfig('serve2', []);
    const serve = startCli(['chaos', 'proxy', 'serve', '-c', serveConfig]);
    await serve.waitFor(/serving until SIGINT\/SIGTERM/);
    const runConfig = await writeConfig('run2', [{ id: 'cache-cut', at: '300ms', duration: '2s', kind: 'tcp-latency', target: 'cache', params: { fixedMs: DELAY } }]);
    const run = startCli(['run', '--script', join(dir, 'k6.js'), '-c', runConfig, '--out-dir', join(dir, 'out2')]);
    await run.waitFor(/chaos: cache-cut on/, 60_000);
    serve.kill('SIGKILL');
    await serve.exited;
    const { code } = await run.exited;
    expect(code, run.output()).toBe(1);
    expect(run.output()).toMatch(/fault cache-cut \(tcp-latency cache\) went through `chaos proxy serve` and ended before this run took it off \(the serving proxy has stopped/);
    const report = JSON.parse(await readFile(join(dir, 'out2', 'report.json'), 'utf8')) as ReportModel;
    expect(report.verdict).not.toBe('pass');
    // The killed serving process left its state file: the next serve or run sees it is gone.
    const again = startCli(['chaos', 'proxy', 'serve', '-c', serveConfig]);
    await again.waitFor(/serving until SIGINT\/SIGTERM/);
    again.kill('SIGINT');
    expect((await again.exited).code).toBe(130);
  }, 120_000);
});
