// Every fault target is checked before any load (issue 19): a PID file that is not there or names
// no live process, a Redis that does not answer, a hook or route upstream that takes no connection,
// a Toxiproxy without the named proxy fail `chaos apply` in seconds (exit 2 for what the config
// names wrongly, 1 for what is down), even when the fault is due much later; a relative PID file
// resolves from the config file's folder, not the working directory.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../lib/net.js';
import { readProcStat } from '../../lib/proc.js';
import { requireTool } from '../../lib/tools.js';
import { startLoopbackHttp, waitForPort, type LoopbackHttp } from '../support/servers.js';
import { waitFor } from '../support/wait.js';
import { killStarted, runCli, startCli } from './chaos-cli-support.js';

let dir: string;
let closedPort: number;
let toxi: ChildProcess;
let toxiUrl: string;
let http: LoopbackHttp;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-preflight-'));
  closedPort = await freePort();
  const port = await freePort();
  toxi = spawn(requireTool('toxiproxy'), ['-host', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' });
  children.push(toxi);
  await waitForPort('127.0.0.1', port);
  toxiUrl = `http://127.0.0.1:${port}`;
  http = await startLoopbackHttp((_req, res) => res.end('ok'));
});

afterAll(async () => {
  killStarted();
  for (const c of children) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
  await http?.close();
  await rm(dir, { recursive: true, force: true });
});

async function config(name: string, chaos: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(path, JSON.stringify({ ...extra, chaos: { journal: join(dir, 'state', 'journal.json'), events: join(dir, `${name}.jsonl`), ...chaos } }));
  return path;
}

const late = { at: '60s', duration: '1s' };

describe('chaos apply checks every target before anything runs', () => {
  it.each([
    [
      'a PID file that does not exist',
      () => ({ plan: [{ id: 'p', kind: 'process-pause', target: join(dir, 'nope.pid'), ...late }] }),
      {},
      2,
      /p \(process-pause .*nope\.pid\): PID file .*nope\.pid: does not exist/,
    ],
    [
      'a Redis that does not answer',
      () => ({ plan: [{ id: 'r', kind: 'redis-toggle', target: 'k', params: { value: 'x' }, ...late }] }),
      () => ({ redis: { url: `redis://127.0.0.1:${closedPort}` } }),
      1,
      /r \(redis-toggle k\): Redis redis:\/\/127\.0\.0\.1:\d+ does not answer/,
    ],
    [
      'a hook that takes no connection',
      () => ({ plan: [{ id: 'h', kind: 'http-hook', target: `http://127.0.0.1:${closedPort}/chaos?token=T0k`, ...late }] }),
      {},
      1,
      /h \(http-hook .*\?token=\*\*\*\): the hook .* does not accept a connection \(ECONNREFUSED\)/,
    ],
    [
      'a Toxiproxy without the proxy',
      () => ({ toxiproxy: { url: toxiUrl }, plan: [{ id: 't', kind: 'toxiproxy', target: 'missing', params: { type: 'latency' }, ...late }] }),
      {},
      2,
      /t \(toxiproxy missing\): Toxiproxy http:\/\/127\.0\.0\.1:\d+ has no proxy "missing"/,
    ],
    [
      'a Toxiproxy that is down',
      () => ({ toxiproxy: { url: `http://127.0.0.1:${closedPort}` }, plan: [{ id: 't', kind: 'toxiproxy', target: 'x', params: { type: 'latency' }, ...late }] }),
      {},
      1,
      /Toxiproxy http:\/\/127\.0\.0\.1:\d+ does not answer/,
    ],
    [
      'a route upstream that takes no connection',
      () => ({ proxy: { routes: [{ name: 'db', protocol: 'tcp', upstream: `127.0.0.1:${closedPort}` }] }, plan: [{ id: 'd', kind: 'tcp-reset', target: 'db', ...late }] }),
      {},
      1,
      /route upstream 127\.0\.0\.1:\d+: does not accept a connection \(ECONNREFUSED\)/,
    ],
  ])(
    '%s: the documented exit in seconds',
    async (_what, chaos, extra, code, message) => {
      const started = Date.now();
      const cfg = await config(`c${started}`, chaos(), typeof extra === 'function' ? extra() : extra);
      const r = await runCli(['chaos', 'apply', '-c', cfg]);
      expect(r.code, r.stdout + r.stderr).toBe(code);
      expect(r.stderr).toMatch(/the chaos plan cannot run, checked before any load/);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).not.toMatch(/^proxy /m);
      expect(Date.now() - started).toBeLessThan(15_000);
    },
    30_000,
  );

  it('resolves a relative PID file from the config file folder, not the working directory', async () => {
    const victim = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    children.push(victim);
    const sub = join(dir, 'project');
    await mkdir(sub, { recursive: true });
    await writeFile(join(sub, 'worker.pid'), `${victim.pid}\n`);
    const cfg = join(sub, 'chaosgate.json');
    await writeFile(
      cfg,
      JSON.stringify({ chaos: { journal: join(dir, 'state', 'journal.json'), plan: [{ id: 'p', kind: 'process-pause', target: 'worker.pid', duration: '1s' }] } }),
    );
    const apply = startCli(['chaos', 'apply', '-c', cfg], { cwd: dir });
    await apply.waitFor(/ on +p process-pause .*project\/worker\.pid/);
    await waitFor(() => readProcStat(victim.pid!)?.state === 'T', { what: 'the victim paused', timeoutMs: 5000 });
    expect((await apply.exited).code, apply.output()).toBe(0);
    expect(readProcStat(victim.pid!)?.state).not.toBe('T');
  }, 30_000);
});
