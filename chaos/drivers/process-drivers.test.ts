// process-pause and process-kill against real processes: the PID a target names is checked before
// anything is signalled (PID 1, chaosgate itself, its parents, a PID reused since it was recorded).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readProcStat } from '../../lib/proc.js';
import type { DriverContext } from './types.js';
import { processKill } from './process-kill.js';
import { processPause } from './process-pause.js';

let dir: string;
let pidFile: string;
const children: ChildProcess[] = [];
const ctx = {} as DriverContext;

function sleeper(): ChildProcess {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
  children.push(child);
  return child;
}
const state = (pid: number) => readProcStat(pid)?.state;
// Alive and not stopped: running, sleeping, or briefly in disk wait (D) on a loaded machine.
const ALIVE = /^[RSD]$/;
async function waitState(pid: number, want: (s: string | undefined) => boolean): Promise<string | undefined> {
  for (let i = 0; i < 200 && !want(state(pid)); i++) await new Promise((r) => setTimeout(r, 20));
  return state(pid);
}
const pause = (target: string, tree = false) => ({ id: 'p', target, params: { tree } });
const kill = (target: string, tree = false) => ({ id: 'k', target, params: { tree } });

/** A main process with two children and a grandchild, like a Celery prefork worker and its pool. */
async function processTree(): Promise<{ root: number; all: number[] }> {
  const script = `
    const { spawn } = require('node:child_process');
    const kid = (code) => spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
    const a = kid("setTimeout(() => {}, 30000)");
    const b = kid("require('node:child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' }); setTimeout(() => {}, 30000)");
    setTimeout(() => {}, 30000);`;
  const root = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  children.push(root);
  const { descendants } = await import('./process-tree.js');
  for (let i = 0; i < 250 && descendants(root.pid!).length < 3; i++) await new Promise((r) => setTimeout(r, 20));
  const kids = descendants(root.pid!);
  expect(kids).toHaveLength(3);
  return { root: root.pid!, all: [root.pid!, ...kids] };
}
async function waitFor<T>(fn: () => T | undefined): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('timed out');
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-pid-'));
  pidFile = join(dir, 'worker.pid');
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill('SIGCONT');
    c.kill('SIGKILL');
  }
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  ['process-pause', processPause, pause],
  ['process-kill', processKill, kill],
] as const)('%s refuses', (_name, driver, entry) => {
  it('PID 1', async () => {
    await writeFile(pidFile, '1\n');
    await expect(driver.prepare(entry(pidFile) as never, ctx)).rejects.toThrow(`${pidFile} names PID 1 (init): refused`);
  });

  it('its own PID', async () => {
    await writeFile(pidFile, `${process.pid}\n`);
    await expect(driver.prepare(entry(pidFile) as never, ctx)).rejects.toThrow(`${pidFile} names PID ${process.pid}, chaosgate itself: refused`);
  });

  it('a parent of its own process', async () => {
    await writeFile(pidFile, `${process.ppid}\n`);
    await expect(driver.prepare(entry(pidFile) as never, ctx)).rejects.toThrow(`names PID ${process.ppid}, a parent of chaosgate (pid ${process.pid}): refused`);
  });

  it('a thread id of its own process (resolved to the process by Tgid, never signalled)', async () => {
    const tid = readdirSync(`/proc/${process.pid}/task`)
      .map(Number)
      .find((t) => t !== process.pid)!;
    expect(tid).toBeGreaterThan(0);
    await writeFile(pidFile, `${tid}\n`);
    await expect(driver.prepare(entry(pidFile) as never, ctx)).rejects.toThrow(`${pidFile} names thread ${tid} of PID ${process.pid}, chaosgate itself: refused`);
  });

  it('a thread id of another process: not a process', async () => {
    // A node child has threads of its own (libuv, V8) besides its main one.
    const child = sleeper();
    const tid = await waitFor(() => {
      try {
        return readdirSync(`/proc/${child.pid}/task`)
          .map(Number)
          .find((t) => t !== child.pid);
      } catch {
        return undefined;
      }
    });
    await writeFile(pidFile, `${tid}\n`);
    await expect(driver.prepare(entry(pidFile) as never, ctx)).rejects.toThrow(`names thread ${tid} of process ${child.pid}, not a process: refused`);
    expect(state(child.pid!)).toMatch(ALIVE);
  });

  it('a PID whose start time no longer matches the one recorded (reused), signalling nothing', async () => {
    const child = sleeper();
    await waitState(child.pid!, (s) => s !== undefined);
    await writeFile(pidFile, `${child.pid}\n`);
    const undo = (await driver.prepare(entry(pidFile) as never, ctx)) as unknown as Record<string, unknown>;
    const ref = (undo.process ?? undo) as { startTicks: string };
    ref.startTicks = String(BigInt(ref.startTicks) + 1n);
    await expect(driver.apply(entry(pidFile) as never, undo as never, ctx)).rejects.toThrow(`now belongs to another process`);
    await expect(driver.apply(entry(pidFile) as never, undo as never, ctx)).rejects.toThrow(/the PID was reused\); not signalled/);
    expect(state(child.pid!)).toMatch(ALIVE);
  });
});

describe('process-pause', () => {
  it('stops and continues the process it found', async () => {
    const child = sleeper();
    await waitState(child.pid!, (s) => s !== undefined);
    await writeFile(pidFile, `${child.pid}\n`);
    const undo = await processPause.prepare(pause(pidFile), ctx);
    await processPause.apply(pause(pidFile), undo, ctx);
    expect(await waitState(child.pid!, (s) => s === 'T')).toBe('T');
    await processPause.undo(undo, ctx);
    expect(await waitState(child.pid!, (s) => s !== 'T')).toMatch(ALIVE);
  });

  it('tree: true stops the main process and every descendant, and the undo from the record alone continues them all', async () => {
    const { root, all } = await processTree();
    await writeFile(pidFile, `${root}\n`);
    const undo = await processPause.prepare(pause(pidFile, true), ctx);
    expect(undo).toMatchObject({ pid: root, tree: true });
    await processPause.apply(pause(pidFile, true), undo, ctx);
    for (const pid of all) expect(await waitState(pid, (s) => s === 'T')).toBe('T');
    // As `chaos clear` after a SIGKILL of chaosgate: only the journalled record (a JSON round trip).
    await processPause.undo(JSON.parse(JSON.stringify(undo)) as typeof undo, ctx);
    for (const pid of all) expect(await waitState(pid, (s) => s !== 'T')).toMatch(ALIVE);
    for (const pid of all.slice(1)) process.kill(pid, 'SIGKILL');
  });

  it('without tree only the main process stops (the pool children keep running)', async () => {
    const { root, all } = await processTree();
    await writeFile(pidFile, `${root}\n`);
    const undo = await processPause.prepare(pause(pidFile), ctx);
    await processPause.apply(pause(pidFile), undo, ctx);
    expect(await waitState(root, (s) => s === 'T')).toBe('T');
    for (const pid of all.slice(1)) expect(state(pid)).toMatch(ALIVE);
    await processPause.undo(undo, ctx);
    for (const pid of all.slice(1)) process.kill(pid, 'SIGKILL');
  });

  it('undo does not continue a process that reused the PID', async () => {
    const child = sleeper();
    await waitState(child.pid!, (s) => s !== undefined);
    await writeFile(pidFile, `${child.pid}\n`);
    const undo = await processPause.prepare(pause(pidFile), ctx);
    child.kill('SIGSTOP');
    await waitState(child.pid!, (s) => s === 'T');
    await processPause.undo({ ...undo, startTicks: String(BigInt(undo.startTicks!) + 1n) }, ctx);
    await new Promise((r) => setTimeout(r, 200));
    expect(state(child.pid!)).toBe('T');
  });
});

describe('process-kill', () => {
  it('tree: true kills the main process and every descendant', async () => {
    const { root, all } = await processTree();
    await writeFile(pidFile, `${root}\n`);
    const undo = await processKill.prepare(kill(pidFile, true), ctx);
    await processKill.apply(kill(pidFile, true), undo, ctx);
    // The root is our child: it stays a zombie until reaped, which counts as gone.
    for (const pid of all) expect([undefined, 'Z']).toContain(await waitState(pid, (s) => s === undefined || s === 'Z'));
  });

  it('restarts a killed worker left a zombie by its parent (a zombie is not running)', async () => {
    // The worker's parent (sleep, after exec) never collects it: once killed it stays a zombie.
    const marker = join(dir, 'restarted');
    const parent = spawn('sh', ['-c', `'${process.execPath}' -e 'setTimeout(() => {}, 30000)' & echo $! > '${pidFile}'; exec sleep 30`], { stdio: 'ignore' });
    children.push(parent);
    const pid = await waitFor(() => {
      try {
        const n = Number(readFileSync(pidFile, 'utf8').trim());
        return n > 0 && state(n) !== undefined ? n : undefined;
      } catch {
        return undefined;
      }
    });
    const entry = { id: 'k', target: pidFile, params: { restart: `echo yes > '${marker}'`, tree: false } };
    const undo = await processKill.prepare(entry, ctx);
    await processKill.apply(entry, undo, ctx);
    expect(await waitState(pid, (s) => s === 'Z')).toBe('Z');
    await processKill.undo(undo, ctx);
    expect(await waitFor(() => (existsSync(marker) ? readFileSync(marker, 'utf8') : undefined))).toBe('yes\n');
  });
});
