// No secret in a hook URL reaches output, the journal or an event (issue 19, item 7): a user or
// password is refused when the config is read (exit 2); query values are redacted everywhere, yet
// `chaos clear` after a SIGKILL still calls the full URL (matched back from the config); an entry
// that cannot be undone says what to do, and `--forget` drops it so later runs are not blocked.
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killStarted, runCli, startCli } from './chaos-cli-support.js';

let dir: string;
let hook: Server;
let hookPort: number;
const calls: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-secrets-'));
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      calls.push(`${req.url} ${body}`);
      res.writeHead(new URL(req.url!, 'http://x').searchParams.get('token') === 'QueryTok' ? 200 : 401).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  hookPort = (hook.address() as AddressInfo).port;
});

afterAll(async () => {
  killStarted();
  hook?.closeAllConnections();
  hook?.close();
  await rm(dir, { recursive: true, force: true });
});

async function config(name: string, target: string, duration?: string): Promise<string> {
  const path = join(dir, `${name}.json`);
  const plan = [{ id: 'maint', kind: 'http-hook', target, ...(duration ? { duration } : {}) }];
  await writeFile(path, JSON.stringify({ chaos: { journal: join(dir, name, 'journal.json'), events: join(dir, name, 'events.jsonl'), plan } }));
  return path;
}

async function allText(folder: string): Promise<string> {
  const names = await readdir(folder).catch(() => [] as string[]);
  return (await Promise.all(names.map((n) => readFile(join(folder, n), 'utf8').catch(() => '')))).join('\n');
}

describe('secrets in http-hook URLs', () => {
  it('a user:password in the URL is refused when the config is read (exit 2), without echoing it', async () => {
    const cfg = await config('userinfo', `http://bob:HookPw@127.0.0.1:${hookPort}/admin?token=QueryTok`);
    const res = await runCli(['chaos', 'apply', '-c', cfg]);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/chaos\.plan\.0\.target: must not carry credentials/);
    expect(res.stdout + res.stderr).not.toMatch(/HookPw|QueryTok/);
  });

  it('query values stay out of the output, the events and the journal; clear after SIGKILL calls the full URL', async () => {
    const cfg = await config('query', `http://127.0.0.1:${hookPort}/admin?token=QueryTok`);
    const apply = startCli(['chaos', 'apply', '-c', cfg]);
    await apply.waitFor(/ on +maint /);
    const journal = await allText(join(dir, 'query'));
    expect(journal).toContain('token=***');
    apply.kill('SIGKILL');
    await apply.exited;
    calls.length = 0;
    const cleared = await runCli(['chaos', 'clear', '-c', cfg]);
    expect(cleared.code, cleared.stdout + cleared.stderr).toBe(0);
    expect(cleared.stdout).toMatch(/undone: maint \(http-hook http:\/\/127\.0\.0\.1:\d+\/admin\?token=\*\*\*\)/);
    expect(calls).toEqual(['/admin?token=QueryTok {"enabled":false}']);
    expect(apply.output() + cleared.stdout + cleared.stderr + (await allText(join(dir, 'query')))).not.toContain('QueryTok');
  }, 30_000);

  it('a hook that fails says so without the token; an entry that cannot be undone names --forget, which unblocks', async () => {
    const cfg = await config('down', `http://127.0.0.1:${hookPort}/admin?token=WrongTok`);
    const failed = await runCli(['chaos', 'apply', '-c', cfg]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/http hook POST http:\/\/127\.0\.0\.1:\d+\/admin\?token=\*\*\*: HTTP 401/);
    expect(failed.stdout + failed.stderr).not.toContain('WrongTok');

    // An entry left by a killed session whose undo keeps failing (the endpoint answers 401).
    const journal = join(dir, 'down', 'journal.1-1.json');
    const entry = { faultId: 'maint', kind: 'http-hook', target: `http://127.0.0.1:${hookPort}/admin?token=***`, state: 'applied', since: new Date().toISOString() };
    const undo = { url: entry.target, method: 'POST', off: { enabled: false }, tokenEnv: 'CHAOSGATE_TARGET_ADMIN_TOKEN', timeoutMs: 2000 };
    await writeFile(
      journal,
      JSON.stringify({
        version: 1,
        owner: { pid: 999_999_9, startedAt: new Date(0).toISOString(), startTicks: '1' },
        redisUrl: 'redis://127.0.0.1:1',
        entries: [{ ...entry, undo }],
      }),
    );
    const blocked = await runCli(['chaos', 'clear', '-c', cfg]);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/chaosgate chaos clear --forget <id>/);
    expect(blocked.stderr).not.toContain('WrongTok');
    const forgot = await runCli(['chaos', 'clear', '--forget', 'maint', '-c', cfg]);
    expect(forgot.code, forgot.stderr).toBe(0);
    expect(forgot.stdout).toMatch(/forgotten: maint \(http-hook .*\) dropped from the journal, NOT undone/);
    expect((await runCli(['chaos', 'clear', '-c', cfg])).stdout).toMatch(/nothing applied/);
  }, 30_000);

  it('a hook URL with a token another running session holds is refused, the token shown nowhere', async () => {
    const url = `http://127.0.0.1:${hookPort}/admin?token=QueryTok`;
    const first = join(dir, 'held.json');
    const second = join(dir, 'held2.json');
    const journal = join(dir, 'held', 'journal.json');
    await writeFile(first, JSON.stringify({ chaos: { journal, plan: [{ id: 'h1', kind: 'http-hook', target: url, duration: '60s' }] } }));
    await writeFile(second, JSON.stringify({ chaos: { journal, plan: [{ id: 'h2', kind: 'http-hook', target: url, duration: '1s' }] } }));
    const a = startCli(['chaos', 'apply', '-c', first]);
    await a.waitFor(/ on +h1 /);
    const b = await runCli(['chaos', 'apply', '-c', second]);
    expect(b.code, b.stdout + b.stderr).toBe(2);
    expect(b.stderr).toMatch(/chaos h2 .* refused: h1 of running chaosgate pid \d+ holds http hook POST http:\/\/127\.0\.0\.1:\d+\/admin\?token=\*\*\*/);
    expect(b.stdout + b.stderr).not.toContain('QueryTok');
    a.kill('SIGINT');
    expect((await a.exited).code).toBe(130);
  }, 30_000);
});
