// Drivers against real things: a real Toxiproxy server, an HTTP hook server, real processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChaosSession } from '../../chaos/index.js';
import { pidAlive } from '../../lib/proc.js';
import { toxiproxy } from '../../chaos/drivers/toxiproxy.js';
import type { DriverContext } from '../../chaos/drivers/types.js';
import { freePort } from '../../lib/net.js';
import { requireTool } from '../../lib/tools.js';
import { waitForPort } from '../support/servers.js';
import { waitFor } from '../support/wait.js';
import { section, send, startUpstream, tempPaths, type TestSession, type Upstream } from './chaos-support.js';

let paths: TestSession;
let upstream: Upstream;
const children: ChildProcess[] = [];

beforeAll(async () => {
  paths = await tempPaths();
  upstream = await startUpstream();
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await upstream?.close();
  await paths?.cleanup();
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function processState(pid: number): Promise<string> {
  return readFile(`/proc/${pid}/stat`, 'utf8').then((s) => s.slice(s.lastIndexOf(')') + 2, s.lastIndexOf(')') + 3));
}

describe('toxiproxy driver', () => {
  let server: ChildProcess;
  let api: string;

  beforeAll(async () => {
    const port = await freePort();
    server = spawn(requireTool('toxiproxy'), ['-host', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' });
    children.push(server);
    await waitForPort('127.0.0.1', port);
    api = `http://127.0.0.1:${port}`;
  });

  it('adds a toxic through the HTTP API and removes it again', async () => {
    const created = await fetch(`${api}/proxies`, {
      method: 'POST',
      body: JSON.stringify({ name: 'web', listen: '127.0.0.1:0', upstream: `127.0.0.1:${upstream.port}` }),
    }).then((r) => r.json() as Promise<{ listen: string }>);
    const through = `http://${created.listen}`;
    const session = await openChaosSession(
      section({
        toxiproxy: { url: api, timeoutMs: 2000 },
        plan: [{ id: 'lag', kind: 'toxiproxy', target: 'web', params: { type: 'latency', attributes: { latency: 200 } } }],
      }),
      { journalPath: paths.journalPath, eventsPath: paths.eventsPath },
    );
    try {
      await session.runPlan();
      const toxics = await fetch(`${api}/proxies/web/toxics`).then((r) => r.json() as Promise<{ name: string; attributes: { latency: number } }[]>);
      expect(toxics).toMatchObject([{ name: 'chaosgate_lag', attributes: { latency: 200 } }]);
      expect((await send(`${through}/t`)).ms).toBeGreaterThanOrEqual(195);
      await session.clearAll();
      expect(await fetch(`${api}/proxies/web/toxics`).then((r) => r.json())).toEqual([]);
      // The fastest of three: load slows some requests, a toxic left behind slows every one.
      const after = [(await send(`${through}/t`)).ms, (await send(`${through}/t`)).ms, (await send(`${through}/t`)).ms];
      expect(Math.min(...after)).toBeLessThan(150);
    } finally {
      await session.close();
    }
  });

  it('falls back to POST /reset when removing the toxic hangs past the timeout', async () => {
    const calls: string[] = [];
    const hanging = createServer((req, res) => {
      calls.push(`${req.method} ${req.url}`);
      if (req.method === 'DELETE') return; // never answers, like Toxiproxy under load (#412)
      res.writeHead(204).end();
    });
    const url = await listen(hanging);
    try {
      const started = Date.now();
      await toxiproxy.undo({ url, proxy: 'web', toxic: 'chaosgate_lag', timeoutMs: 300 }, {} as DriverContext);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(calls).toEqual(['DELETE /proxies/web/toxics/chaosgate_lag', 'POST /reset']);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });
});

describe('http hook driver', () => {
  it('calls the maintenance endpoint on and off with the bearer token from env, never logging it', async () => {
    const calls: { method?: string; auth?: string; body: string }[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        calls.push({ method: req.method, auth: req.headers.authorization, body });
        res.writeHead(req.headers.authorization === 'Bearer s3cret-token' ? 200 : 401).end();
      });
    });
    const url = `${await listen(hook)}/admin/chaos/maintenance`;
    const session = await openChaosSession(section({ plan: [{ id: 'maint', kind: 'http-hook', target: url }] }), {
      journalPath: paths.journalPath,
      eventsPath: paths.eventsPath,
      env: { CHAOSGATE_TARGET_ADMIN_TOKEN: 's3cret-token' },
    });
    try {
      await session.runPlan();
      const journal = await readFile(session.journalPath, 'utf8');
      expect(journal).toContain('CHAOSGATE_TARGET_ADMIN_TOKEN');
      expect(journal).not.toContain('s3cret-token');
      await session.clearAll();
    } finally {
      await session.close();
      hook.close();
    }
    expect(calls).toEqual([
      { method: 'POST', auth: 'Bearer s3cret-token', body: '{"enabled":true}' },
      { method: 'POST', auth: 'Bearer s3cret-token', body: '{"enabled":false}' },
    ]);
    expect(await readFile(paths.eventsPath, 'utf8')).not.toContain('s3cret-token');
  });
});

describe('process drivers', () => {
  const workerScript = (pidFile: string) => `node -e 'require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setInterval(() => {}, 1000)'`;

  it('pauses a worker found by its command line with SIGSTOP and resumes it with SIGCONT', async () => {
    const marker = `chaosgate-test-worker-${process.pid}`;
    const worker = spawn('node', ['-e', 'setInterval(() => {}, 1000)', marker], { stdio: 'ignore' });
    children.push(worker);
    const session = await openChaosSession(section({ plan: [{ id: 'freeze', kind: 'process-pause', target: `cmd:${marker}` }] }), {
      journalPath: paths.journalPath,
    });
    try {
      await session.runPlan();
      // Signals are delivered asynchronously: wait for the state to change.
      await waitFor(async () => (await processState(worker.pid!)) === 'T', { what: `worker ${worker.pid} stopped (state T)` });
      await session.clearAll();
      await waitFor(async () => (await processState(worker.pid!)) !== 'T', { what: `worker ${worker.pid} resumed` });
    } finally {
      await session.close();
    }
  });

  it('kills a worker found by its PID file and starts it again with the restart command', async () => {
    const pidFile = join(paths.dir, 'worker.pid');
    const first = spawn('sh', ['-c', workerScript(pidFile)], { stdio: 'ignore', detached: true });
    first.unref();
    const firstPid = await waitFor(async () => Number(await readFile(pidFile, 'utf8')) || undefined, { what: `the first worker's PID in ${pidFile}` });
    const session = await openChaosSession(section({ plan: [{ id: 'down', kind: 'process-kill', target: pidFile, params: { restart: workerScript(pidFile) } }] }), {
      journalPath: paths.journalPath,
    });
    try {
      await session.runPlan();
      await waitFor(() => !pidAlive(firstPid), { what: `the first worker ${firstPid} killed` });
      await session.clearAll();
      const secondPid = await waitFor(
        async () => {
          const pid = Number(await readFile(pidFile, 'utf8'));
          return pid && pid !== firstPid && pidAlive(pid) ? pid : undefined;
        },
        { what: `a restarted worker's PID in ${pidFile}` },
      );
      process.kill(secondPid, 'SIGKILL');
    } finally {
      await session.close();
    }
  });
});
