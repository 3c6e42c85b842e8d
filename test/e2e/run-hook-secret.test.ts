// A token in an http-hook URL's query never reaches a run's output, events or reports (issue 19,
// item 7): on a good run, and on one whose hook fails (the failure reason is in every report).
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, type CliBundle } from '../support/cli-bundle.js';
import { startLoopbackHttp, type LoopbackHttp } from '../support/servers.js';

let dir: string;
let bundle: CliBundle;
let server: LoopbackHttp;
let hook: LoopbackHttp;
const hookCalls: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-hook-secret-'));
  server = await startLoopbackHttp((_req, res) => res.end('ok'));
  hook = await startLoopbackHttp((req, res) => {
    hookCalls.push(req.url!);
    req.resume();
    req.on('end', () => res.writeHead(req.url!.includes('token=QueryTok') ? 200 : 401).end());
  });
  bundle = await bundleCli('hook-secret');
  await writeFile(
    join(dir, 't.js'),
    `import http from 'k6/http';
export const options = { scenarios: { main: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '3s', preAllocatedVUs: 2, maxVUs: 5 } } };
export default function () { http.get(__ENV.CHAOSGATE_BASE_URL + '/'); }
`,
  );
}, 60_000);

afterAll(async () => {
  await server?.close();
  await hook?.close();
  await bundle?.remove();
  await rm(dir, { recursive: true, force: true });
});

async function run(name: string, token: string): Promise<{ code: number | null; output: string; files: string }> {
  await writeFile(
    join(dir, `${name}.json`),
    JSON.stringify({
      load: { baseUrl: server.url },
      evaluate: { bucketWidth: '1s' },
      chaos: { journal: join(dir, 'state', 'journal.json'), plan: [{ id: 'maint', kind: 'http-hook', target: `${hook.url}/admin?token=${token}`, at: '1s', duration: '1s' }] },
      gates: [{ id: 'errors', metric: 'http_req_failed', expression: 'rate<0.05' }],
    }),
  );
  const child = spawn(process.execPath, [bundle.cli, 'run', '--script', 't.js', '-c', `${name}.json`, '--out-dir', name], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  const names = await readdir(join(dir, name));
  const files = (await Promise.all(names.filter((n) => !n.endsWith('.gz')).map((n) => readFile(join(dir, name, n), 'utf8')))).join('\n');
  return { code, output, files };
}

describe('a run with a token in its hook URL', () => {
  it('a good run: the hook gets the token, no output, event or report shows it', async () => {
    const r = await run('good', 'QueryTok');
    expect(r.code, r.output).toBe(0);
    expect(hookCalls.filter((u) => u === '/admin?token=QueryTok')).toHaveLength(2);
    expect(r.files).toContain('token=***');
    expect(r.output + r.files).not.toContain('QueryTok');
  }, 60_000);

  it('a run whose hook fails: exit 1, the reason in the reports, the token nowhere', async () => {
    const r = await run('failing', 'WrongTok');
    expect(r.code, r.output).toBe(1);
    expect(r.files).toMatch(/http hook POST http:\/\/127\.0\.0\.1:\d+\/admin\?token=\*\*\*: HTTP 401/);
    expect(r.output + r.files).not.toContain('WrongTok');
  }, 60_000);
});
