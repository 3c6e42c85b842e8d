// A run after a SIGKILLed run: the new run undoes the fault the killed one left in the journal,
// but that cleanup is not part of the new run's timeline. Before the fix the leftover's "off" event
// landed in the new run's event log, everything before its first fault was labelled `recovery`,
// and a gate against the baseline phase failed with "no baseline value" (exit 99 for nothing).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJournals } from '../../chaos/journal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportModel } from '../../model/report.js';
import { bundleCli, type CliBundle } from '../support/cli-bundle.js';
import { startLoopbackHttp, type LoopbackHttp } from '../support/servers.js';
import { waitFor } from '../support/wait.js';

let dir: string;
let bundle: CliBundle;
let server: LoopbackHttp;
let upstream: string;

const SCRIPT = `
import http from 'k6/http';
export const options = {
  scenarios: { main: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: __ENV.CHAOSGATE_DURATION || '8s', preAllocatedVUs: 4, maxVUs: 20 } },
};
export default function () { http.get(__ENV.CHAOSGATE_BASE_URL + '/'); }
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-run-leftover-'));
  await writeFile(join(dir, 'test.js'), SCRIPT);
  server = await startLoopbackHttp((_req, res) => res.end('ok'));
  upstream = `127.0.0.1:${server.port}`;
  bundle = await bundleCli('run-leftover');
}, 60_000);

afterAll(async () => {
  await server?.close();
  await bundle?.remove();
  if (dir && !process.env.CHAOSGATE_KEEP_TEST_DIRS) await rm(dir, { recursive: true, force: true });
});

function start(args: string[], timeoutMs = 60_000) {
  const child = spawn(process.execPath, [bundle.cli, 'run', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`chaosgate run still running after ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
  return { child, exited };
}

function pidsMatching(text: string): number[] {
  try {
    return execFileSync('pgrep', ['-f', text], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('chaosgate run after a SIGKILLed run', () => {
  it('undoes the leftover without putting it on its own timeline, and passes its baseline gates', async () => {
    const journal = join(dir, 'journal.json');
    const base = {
      load: { baseUrl: `http://${upstream}` },
      evaluate: { bucketWidth: '1s' },
      gates: [
        { id: 'errors', metric: 'http_req_failed', expression: 'rate<0.05' },
        // Against this run's own baseline: there must be one.
        { id: 'recovered-latency', metric: 'http_req_duration', phase: 'recovery', expression: 'p(95)<=baseline+200', baseline: 'phase:baseline' },
      ],
    };
    const write = async (name: string, plan: unknown[]) => {
      const path = join(dir, `${name}.json`);
      await writeFile(path, JSON.stringify({ ...base, chaos: { journal, proxy: { routes: [{ name: 'stack', upstream }] }, plan } }));
      return path;
    };

    // 1. A run whose fault (no end) is on when the run is SIGKILLed: the journal keeps it.
    const killedDir = join(dir, 'killed');
    const killed = start([
      '--script',
      join(dir, 'test.js'),
      '--config',
      await write('first', [{ id: 'stuck-latency', kind: 'http-latency', target: 'stack', at: '1s', params: { fixedMs: 30 } }]),
      '--out-dir',
      killedDir,
      '--duration',
      '30s',
    ]);
    const events = join(killedDir, 'chaos-events.jsonl');
    await waitFor(async () => existsSync(events) && (await readFile(events, 'utf8')).includes('"action":"on"'), {
      what: `the fault on in ${events}`,
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    killed.child.kill('SIGKILL');
    expect((await killed.exited).signal).toBe('SIGKILL');
    // Its k6 outlives it (SIGKILL leaves no time to stop it): stop it here, by its own folder.
    for (const pid of pidsMatching(`json=${join(killedDir, 'k6.fifo')}`)) process.kill(pid, 'SIGKILL');
    const journaled = async () => (await readJournals(journal)).flatMap((f) => ('journal' in f ? f.journal.entries.map((e) => e.faultId) : [f.error]));
    expect(await journaled()).toEqual(['stuck-latency']);

    // 2. The next run: undoes it (and says so), then runs its own timeline from a clean baseline.
    const nextDir = join(dir, 'next');
    const next = await start(
      [
        '--script',
        join(dir, 'test.js'),
        '--config',
        await write('next', [{ id: 'brief-latency', kind: 'http-latency', target: 'stack', at: '3s', duration: '2s', params: { fixedMs: 20 } }]),
        '--out-dir',
        nextDir,
        '--duration',
        '8s',
      ],
      90_000,
    ).exited;
    expect(next.stderr).toMatch(/undid stuck-latency \(http-latency -> stack\) left applied by an earlier run/);
    expect(next.code, next.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(nextDir, 'report.json'), 'utf8')) as ReportModel;
    expect(report.phases[0]!.name).toBe('baseline');
    expect(report.gates.find((g) => g.id === 'recovered-latency')!.verdict).toBe('pass');
    const lines = (await readFile(join(nextDir, 'chaos-events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { faultId: string; action: string });
    expect(lines.map((e) => `${e.faultId}:${e.action}`)).toEqual(['brief-latency:on', 'brief-latency:off']);
    expect(await journaled()).toEqual([]);
    // What was undone is said in the report, beside the timeline rather than on it.
    expect(report.notes).toEqual([expect.stringMatching(/^undid stuck-latency \(http-latency -> stack\) left applied by an earlier run$/)]);
  }, 150_000);
});
