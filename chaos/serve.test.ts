// `chaos proxy serve` in-process against a line-answering TCP upstream on loopback: a second session
// with the same config uses the served route instead of binding it, its faults reach a connection
// opened before them, its events carry the serving process's times, and a fault whose owner is gone
// is dropped by the serving process; the control endpoint refuses what it must.
import { spawn, spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { freePort } from '../lib/net.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../test/support/wait.js';
import { chaosSectionSchema, type ChaosSectionInput } from './config.js';
import { readJournals } from './journal.js';
import { readServed, servedStatePath } from './proxy/served.js';
import { serveRoutes, type Serving } from './serve.js';
import { openChaosSession } from './session.js';
import type { ChaosEvent } from './events.js';
import { processStartTicks } from '../lib/proc.js';

let upstream: Server;
let upstreamPort: number;
let dir: string;
let listenPort: number;
const closers: Array<() => Promise<unknown>> = [];

/** Answers `+OK\r\n` to every line, as a Redis does to SET. */
beforeAll(async () => {
  upstream = createServer((s) => {
    let buf = '';
    s.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        buf = buf.slice(i + 1);
        s.write('+OK\r\n');
      }
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  upstreamPort = (upstream.address() as { port: number }).port;
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-serve-'));
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
});
afterAll(async () => {
  await new Promise((r) => upstream.close(r));
  await rm(dir, { recursive: true, force: true });
});

async function config(name: string, plan: ChaosSectionInput['plan'] = []) {
  listenPort ||= await freePort();
  return chaosSectionSchema.parse({
    journal: join(dir, name, 'journal.json'),
    events: join(dir, name, 'events.jsonl'),
    proxy: { routes: [{ name: 'cache', protocol: 'tcp', listen: `127.0.0.1:${listenPort}`, upstream: `127.0.0.1:${upstreamPort}` }] },
    plan,
  } satisfies ChaosSectionInput);
}

async function serve(name: string): Promise<Serving> {
  const serving = await serveRoutes(await config(name), { sweepMs: 50 });
  closers.push(() => serving.close());
  return serving;
}

/** One open client connection; `trips(n)` sends n lines one after another and returns the ms taken. */
async function client(port: number) {
  const s: Socket = connect(port, '127.0.0.1');
  s.setNoDelay(true);
  await new Promise((r) => s.once('connect', r));
  let waiting: (() => void) | undefined;
  s.on('data', () => waiting?.());
  closers.push(async () => s.destroy());
  return {
    async trips(n: number): Promise<number> {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await new Promise<void>((r) => ((waiting = r), s.write(`SET k${i} v\r\n`)));
      return performance.now() - t0;
    },
  };
}

const events = async (path: string) =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ChaosEvent);

describe('chaos proxy serve', () => {
  it('serves the route between sessions; a session with the same config faults it through the serving process', async () => {
    const serving = await serve('a');
    expect(serving.urls.cache).toBe(`tcp://127.0.0.1:${listenPort}`);
    const state = await readServed(join(dir, 'a', 'journal.json'));
    expect(state?.pid).toBe(process.pid);
    expect(state?.controlUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    // The app's connection, open before any run.
    const app = await client(listenPort);
    expect(await app.trips(1)).toBeLessThan(1000);

    const section = await config('a', [{ id: 'slow', kind: 'tcp-latency', target: 'cache', params: { fixedMs: 150 } }]);
    const runEvents = join(dir, 'a', 'run-events.jsonl');
    const run = await openChaosSession(section, { eventsPath: runEvents });
    closers.push(() => run.close());
    // No EADDRINUSE: the route is the served one.
    expect(await run.startProxy()).toMatchObject({ cache: `tcp://127.0.0.1:${listenPort}` });
    expect([...run.servedRoutes.keys()]).toEqual(['cache']);
    await run.apply(section.plan[0]!);
    // The run's journal names the serving process, for `chaos clear` after a SIGKILL.
    const journaled = (await readJournals(section.journal)).flatMap((f) => ('journal' in f ? f.journal.entries : []));
    expect(journaled).toContainEqual(expect.objectContaining({ faultId: 'slow', undo: { servedBy: state!.controlUrl } }));
    // The delay is per chunk in the downstream direction: 3 round trips pay it 3 times.
    expect(await app.trips(3)).toBeGreaterThanOrEqual(3 * 150 - 5);
    expect(await run.remove('slow')).toBe(1);
    expect(await app.trips(1)).toBeLessThan(150);

    const seen = await events(runEvents);
    expect(seen.map((e) => e.action)).toEqual(['on', 'off']);
    expect(seen[0]!.params).toMatchObject({ servedBy: state!.controlUrl, fixedMs: 150 });
    expect(seen[1]!.params).toMatchObject({ injections: 1 });
    // The serving process's own log has the same change at the same times.
    const served = await events(join(dir, 'a', 'events.serve.jsonl'));
    expect(served.map((e) => [e.action, e.epochMs])).toEqual(seen.map((e) => [e.action, e.epochMs]));
  });

  it('drops a fault whose owner is gone and refuses what it must', async () => {
    const serving = await serve('b');
    const app = await client(listenPort);
    const gone = spawnSync('true').pid;
    const post = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      fetch(`${serving.controlUrl}/faults`, { method: 'POST', headers, body: JSON.stringify(body) });
    const fault = { id: 'slow', kind: 'tcp-latency', target: 'cache', params: { fixedMs: 200 } };
    // A page in a browser cannot post JSON without a preflight; a form post is refused.
    expect((await post({ ...fault, owner: { pid: process.pid } }, { 'content-type': 'text/plain' })).status).toBe(403);
    expect((await post({ ...fault, target: 'nope', owner: { pid: process.pid } })).status).toBe(400);
    expect((await post({ ...fault, kind: 'redis-toggle', owner: { pid: process.pid } })).status).toBe(400);
    expect((await post({ ...fault, owner: { pid: gone } })).status).toBe(409);
    const own = await post({ ...fault, owner: { pid: process.pid } });
    expect(own.status).toBe(200);
    expect((await post({ ...fault, owner: { pid: process.pid } })).status).toBe(409);
    expect((await fetch(`${serving.controlUrl}/faults/slow?pid=1`, { method: 'DELETE' })).status).toBe(409);
    expect(await app.trips(1)).toBeGreaterThanOrEqual(195);
    expect((await fetch(`${serving.controlUrl}/faults/slow?pid=${process.pid}`, { method: 'DELETE' })).status).toBe(200);

    // An owner killed with its fault on (a SIGKILLed run): the serving process takes it off.
    const owner = spawn('sleep', ['30'], { stdio: 'ignore' });
    closers.push(async () => owner.kill('SIGKILL'));
    await waitFor(() => processStartTicks(owner.pid!), { timeoutMs: 5000, what: 'sleep started' });
    expect((await post({ ...fault, id: 'orphan', owner: { pid: owner.pid, startTicks: processStartTicks(owner.pid!) } })).status).toBe(200);
    expect(await app.trips(1)).toBeGreaterThanOrEqual(195);
    owner.kill('SIGKILL');
    await waitFor(async () => (await events(join(dir, 'b', 'events.serve.jsonl'))).some((e) => e.faultId === 'orphan' && e.action === 'off'), {
      timeoutMs: 5000,
      what: 'the orphan fault taken off',
    });
    expect(await app.trips(1)).toBeLessThan(195);
    expect((await fetch(`${serving.controlUrl}/faults/orphan?pid=${owner.pid}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('a second serve for the same journal is refused; close removes the state file and the route', async () => {
    const serving = await serve('c');
    await expect(serveRoutes(await config('c'))).rejects.toThrow(/already runs for .*pid \d+/);
    await serving.close();
    expect(await readServed(join(dir, 'c', 'journal.json'))).toBeUndefined();
    await expect(readFile(servedStatePath(join(dir, 'c', 'journal.json')))).rejects.toThrow(/ENOENT/);
    const refused = await new Promise<string>((r) =>
      connect(listenPort, '127.0.0.1')
        .once('error', (e: NodeJS.ErrnoException) => r(e.code ?? ''))
        .once('connect', () => r('connected')),
    );
    expect(refused).toBe('ECONNREFUSED');
    expect(await readJournals(join(dir, 'c', 'journal.json'))).toEqual([]);
  });

  it('a run whose serving process stops: its off event says the fault ended earlier; a route clash is refused', async () => {
    const serving = await serve('e');
    const section = await config('e', [{ id: 'slow', kind: 'tcp-latency', target: 'cache', params: { fixedMs: 50 } }]);
    const runEvents = join(dir, 'e', 'run-events.jsonl');
    const run = await openChaosSession(section, { eventsPath: runEvents });
    closers.push(() => run.close());
    await run.startProxy();
    await run.apply(section.plan[0]!);
    await serving.close();
    expect(await run.remove('slow')).toBe(0);
    expect((await events(runEvents)).at(-1)).toMatchObject({ action: 'off', params: { endedEarlier: 'the serving proxy has stopped (its faults ended with it)' } });

    // The same listen in front of another upstream: refused, naming the served route.
    await serve('e');
    const other = chaosSectionSchema.parse({
      ...section,
      proxy: { routes: [{ name: 'db', protocol: 'tcp', listen: `127.0.0.1:${listenPort}`, upstream: '127.0.0.1:5432' }] },
      plan: [],
    });
    const clash = await openChaosSession(other, { eventsPath: join(dir, 'e', 'clash.jsonl') });
    closers.push(() => clash.close());
    await expect(clash.startProxy()).rejects.toThrow(/127\.0\.0\.1:\d+ is served by `chaosgate chaos proxy serve` \(pid \d+\) as route cache/);
  });

  it('refuses a control endpoint off loopback', async () => {
    const section = await config('d');
    await expect(serveRoutes({ ...section, control: { ...section.control, listen: '0.0.0.0:0' } })).rejects.toThrow(/loopback only/);
  });
});
