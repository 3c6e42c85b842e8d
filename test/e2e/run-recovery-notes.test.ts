// A run without the reference stack still says what an earlier, killed run left (issue 19, item 13):
// the leftover process it stops is printed and noted in the report, as the README promises.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportModel } from '../../model/report.js';
import { processStartTicks, readProcStat } from '../../lib/proc.js';
import { bundleCli, type CliBundle } from '../support/cli-bundle.js';
import { startLoopbackHttp, type LoopbackHttp } from '../support/servers.js';
import { waitFor } from '../support/wait.js';

let dir: string;
let bundle: CliBundle;
let server: LoopbackHttp;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-recovery-notes-'));
  server = await startLoopbackHttp((_req, res) => res.end('ok'));
  bundle = await bundleCli('recovery-notes');
}, 60_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await server?.close();
  await bundle?.remove();
  await rm(dir, { recursive: true, force: true });
});

describe('chaosgate run --script after a killed run', () => {
  it('prints and notes the leftover process it stops', async () => {
    const leftover = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 600000)'], { stdio: 'ignore' });
    children.push(leftover);
    const ticks = await waitFor(() => processStartTicks(leftover.pid!), { what: 'the leftover started' });
    // The journal of a run that is gone (its owner: a PID that is not running).
    const state = join(dir, 'state');
    await mkdir(state, { recursive: true });
    await writeFile(
      join(state, 'processes-4194000.json'),
      JSON.stringify({ version: 1, owner: { pid: 4194000, startTicks: '1' }, processes: [{ pid: leftover.pid, startTicks: ticks, role: 'leftover worker' }], files: [] }),
    );
    await writeFile(
      join(dir, 't.js'),
      `import http from 'k6/http';
export const options = { scenarios: { main: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '2s', preAllocatedVUs: 2, maxVUs: 5 } } };
export default function () { http.get(__ENV.CHAOSGATE_BASE_URL + '/'); }
`,
    );
    await writeFile(
      join(dir, 'cfg.json'),
      JSON.stringify({
        load: { baseUrl: server.url },
        evaluate: { bucketWidth: '1s' },
        chaos: { journal: join(state, 'journal.json') },
        gates: [{ id: 'errors', metric: 'http_req_failed', expression: 'rate<0.05' }],
      }),
    );
    const run = spawn(process.execPath, [bundle.cli, 'run', '--script', 't.js', '-c', 'cfg.json', '--out-dir', 'out'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    run.stdout.on('data', (d: Buffer) => (output += d.toString()));
    run.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((r) => run.once('exit', r));
    expect(code, output).toBe(0);
    const line = `reaped leftover worker (pid ${leftover.pid}) left by a killed run: stopped with SIGTERM`;
    expect(output).toContain(`chaos: ${line}`);
    const report = JSON.parse(await readFile(join(dir, 'out', 'report.json'), 'utf8')) as ReportModel;
    expect(report.notes).toContain(line);
    const s = readProcStat(leftover.pid!)?.state;
    expect(s === undefined || s === 'Z').toBe(true);
  }, 90_000);
});
