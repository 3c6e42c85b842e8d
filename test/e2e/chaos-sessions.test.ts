// Sessions side by side (issue 19, item 3): each has its own journal, so one ending never loses the
// other's entries; `chaos clear` leaves a running session's faults alone (exit 1, saying so) unless
// --force, which stops that session so that it rolls back and logs it itself; a target another
// session holds is refused.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { killStarted, procState, runCli, startCli } from './chaos-cli-support.js';

let dir: string;
const victims: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-sessions-'));
});

afterAll(async () => {
  killStarted();
  for (const v of victims) {
    v.kill('SIGCONT');
    v.kill('SIGKILL');
  }
  await rm(dir, { recursive: true, force: true });
});

async function victim(name: string): Promise<{ pid: number; pidFile: string }> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' });
  victims.push(child);
  const pidFile = join(dir, `${name}.pid`);
  await writeFile(pidFile, `${child.pid}\n`);
  return { pid: child.pid!, pidFile };
}

/** A config of its own per session, all sharing one journal path and folder. */
async function config(name: string, plan: unknown[]): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(path, JSON.stringify({ chaos: { journal: join(dir, 'state', 'chaos-journal.json'), events: join(dir, `${name}-events.jsonl`), plan } }));
  return path;
}

const pause = (id: string, target: string, duration: string) => ({ id, kind: 'process-pause', target, duration });

describe('two chaos apply sessions with one journal folder', () => {
  it('B ending keeps A entries; after A is SIGKILLed, `chaos clear` continues A victim', async () => {
    const va = await victim('va');
    const vb = await victim('vb');
    const a = startCli(['chaos', 'apply', '-c', await config('a', [pause('pa', va.pidFile, '60s')])]);
    await a.waitFor(/ on +pa /);
    const b = startCli(['chaos', 'apply', '-c', await config('b', [pause('pb', vb.pidFile, '1s')])]);
    expect((await b.exited).code, b.output()).toBe(0);
    expect(procState(vb.pid)).not.toBe('T');
    expect(procState(va.pid)).toBe('T');
    a.kill('SIGKILL');
    await a.exited;
    const cleared = await runCli(['chaos', 'clear', '-c', await config('c', [])]);
    expect(cleared.code, cleared.stdout + cleared.stderr).toBe(0);
    expect(cleared.stdout).toMatch(new RegExp(`undone: pa \\(process-pause .*va\\.pid\\) left by pid ${a.pid}`));
    await waitFor(() => procState(va.pid) !== 'T', { what: 'A victim continued', timeoutMs: 5000 });
  }, 60_000);

  it('`chaos clear` leaves a running session alone (exit 1), --force stops it and its own events say off', async () => {
    const va = await victim('va2');
    const cfg = await config('live', [pause('pl', va.pidFile, '60s')]);
    const a = startCli(['chaos', 'apply', '-c', cfg]);
    await a.waitFor(/ on +pl /);
    const refused = await runCli(['chaos', 'clear', '-c', cfg]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(new RegExp(`left alone: chaosgate pid ${a.pid} still runs with pl \\(process-pause`));
    expect(refused.stderr).toMatch(/chaos clear --force/);
    expect(procState(va.pid)).toBe('T');
    const forced = await runCli(['chaos', 'clear', '--force', '-c', cfg]);
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(new RegExp(`stopped: chaosgate pid ${a.pid}`));
    expect((await a.exited).code).toBe(143);
    await waitFor(() => procState(va.pid) !== 'T', { what: 'victim continued', timeoutMs: 5000 });
    const events = (await readFile(join(dir, 'live-events.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { faultId: string; action: string });
    expect(events.map((e) => `${e.faultId} ${e.action}`)).toEqual(['pl on', 'pl off']);
  }, 60_000);

  it('a target another running session holds is refused (exit 2), naming that session', async () => {
    const va = await victim('va3');
    const a = startCli(['chaos', 'apply', '-c', await config('holder', [pause('ph', va.pidFile, '60s')])]);
    await a.waitFor(/ on +ph /);
    const b = await runCli(['chaos', 'apply', '-c', await config('second', [pause('ps', va.pidFile, '1s')])]);
    expect(b.code, b.stdout + b.stderr).toBe(2);
    expect(b.stderr).toMatch(new RegExp(`chaos ps .* refused: ph of running chaosgate pid ${a.pid} holds process ${va.pid}`));
    expect(procState(va.pid)).toBe('T');
    a.kill('SIGINT');
    expect((await a.exited).code).toBe(130);
    await waitFor(() => procState(va.pid) !== 'T', { what: 'victim continued', timeoutMs: 5000 });
  }, 60_000);

  it('a paused process that is gone by `chaos clear` is reported as nothing to undo, not as undone', async () => {
    const va = await victim('va4');
    const a = startCli(['chaos', 'apply', '-c', await config('gone', [pause('pg', va.pidFile, '60s')])]);
    await a.waitFor(/ on +pg /);
    a.kill('SIGKILL');
    await a.exited;
    process.kill(va.pid, 'SIGKILL');
    await waitFor(() => procState(va.pid) === undefined || procState(va.pid) === 'Z', { what: 'the victim gone', timeoutMs: 5000 });
    const cleared = await runCli(['chaos', 'clear', '-c', await config('gone-clear', [])]);
    expect(cleared.code, cleared.stdout + cleared.stderr).toBe(0);
    expect(cleared.stdout).toMatch(
      /nothing to undo: pg \(process-pause .*va4\.pid\) left by pid \d+: pid \d+ has exited or now belongs to another process: nothing continued, nothing signalled/,
    );
    expect(cleared.stdout).not.toMatch(/undone: pg/);
  }, 60_000);
});
