// The process journal with real processes: a journal whose owner is gone gets its processes stopped
// (a SIGSTOPped one included) and its files removed; a live owner's journal and a reused PID are
// left alone; a process that ignores SIGTERM gets SIGKILL.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processStartTicks, readProcStat } from './proc.js';
import { journalChild, ProcessJournal, reapLeftovers, type ProcessJournalFile } from './process-journal.js';
import { waitFor } from '../test/support/wait.js';

let dir: string;
const children: ChildProcess[] = [];

function start(args: string[]): ChildProcess {
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  children.push(child);
  return child;
}

/** A process that has exited: its PID and start time make a dead owner. */
async function deadOwner(): Promise<{ pid: number; startTicks: string }> {
  const child = start(['-e', 'setTimeout(() => {}, 30000)']);
  await waitFor(() => processStartTicks(child.pid!) !== undefined, { what: `process ${child.pid} started` });
  const owner = { pid: child.pid!, startTicks: processStartTicks(child.pid!)! };
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
  return owner;
}

async function setOwner(path: string, owner: { pid: number; startTicks: string }): Promise<void> {
  const file = JSON.parse(await readFile(path, 'utf8')) as ProcessJournalFile;
  await writeFile(path, JSON.stringify({ ...file, owner }));
}

const gone = (pid: number) => {
  const state = readProcStat(pid)?.state;
  return state === undefined || state === 'Z';
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-procs-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

describe('reapLeftovers', () => {
  it('stops the processes of a dead owner (a SIGSTOPped one too) and removes its files and journal', async () => {
    const journal = ProcessJournal.forDir(dir);
    const worker = start(['-e', 'setTimeout(() => {}, 30000)']);
    const fifo = join(dir, 'k6.fifo');
    execFileSync('mkfifo', [fifo]);
    await journal.addProcess(worker.pid, 'ingestion worker');
    await journal.addFile(fifo);
    worker.kill('SIGSTOP');
    await waitFor(() => readProcStat(worker.pid!)?.state === 'T', { what: `process ${worker.pid} stopped (state T)` });
    await setOwner(journal.path, await deadOwner());

    const report = await reapLeftovers(dir, { graceMs: 5000 });
    expect(report.problems).toEqual([]);
    expect(report.reaped).toEqual([expect.objectContaining({ pid: worker.pid, role: 'ingestion worker', how: 'SIGTERM' })]);
    expect(report.removedFiles).toEqual([fifo]);
    expect(gone(worker.pid!)).toBe(true);
    expect(existsSync(fifo)).toBe(false);
    expect(existsSync(journal.path)).toBe(false);
  });

  it('SIGKILLs a process that ignores SIGTERM once the grace is over', async () => {
    const journal = ProcessJournal.forDir(dir);
    // It says when its handler is in place, else SIGTERM would kill it before it could ignore it.
    const ready = join(dir, 'stubborn.ready');
    const stubborn = start(['-e', "process.on('SIGTERM', () => {}); require('fs').writeFileSync(process.argv[1], ''); setTimeout(() => {}, 30000)", ready]);
    await waitFor(() => existsSync(ready), { what: 'the stubborn process to ignore SIGTERM' });
    await journal.addProcess(stubborn.pid, 'stubborn');
    await setOwner(journal.path, await deadOwner());
    const report = await reapLeftovers(dir, { graceMs: 300 });
    expect(report.reaped).toEqual([expect.objectContaining({ pid: stubborn.pid, how: 'SIGKILL' })]);
    expect(gone(stubborn.pid!)).toBe(true);
  });

  it('leaves a live owner alone, and never signals a PID whose start time differs (reused)', async () => {
    const live = ProcessJournal.forDir(dir);
    const kept = start(['-e', 'setTimeout(() => {}, 30000)']);
    await live.addProcess(kept.pid, 'kept');
    expect((await reapLeftovers(dir)).ownersAlive).toEqual([process.pid]);
    expect(gone(kept.pid!)).toBe(false);

    // A dead owner's journal naming a live process with another start time: the PID was reused.
    await setOwner(live.path, await deadOwner());
    const file = JSON.parse(await readFile(live.path, 'utf8')) as ProcessJournalFile;
    file.processes[0]!.startTicks = String(BigInt(file.processes[0]!.startTicks) - 1n);
    await writeFile(live.path, JSON.stringify(file));
    const report = await reapLeftovers(dir, { graceMs: 300 });
    expect(report.reaped).toEqual([expect.objectContaining({ pid: kept.pid, how: 'gone' })]);
    expect(gone(kept.pid!)).toBe(false);
    expect(readProcStat(kept.pid!)?.state).not.toBe('T');
  });

  it('reports an unreadable journal without touching anything', async () => {
    await writeFile(join(dir, 'processes-123.json'), '{ not json');
    const report = await reapLeftovers(dir);
    expect(report.problems.join('\n')).toMatch(/processes-123\.json: unreadable/);
    expect(existsSync(join(dir, 'processes-123.json'))).toBe(true);
  });

  it("journalChild records a child in the process's one journal for the folder and forgets it when it exits", async () => {
    expect(ProcessJournal.forDir(dir)).toBe(ProcessJournal.forDir(join(dir, '.')));
    const a = start(['-e', 'setTimeout(() => {}, 30000)']);
    const b = start(['-e', 'setTimeout(() => {}, 30000)']);
    await journalChild(dir, a, 'k6');
    await journalChild(dir, b, 'other');
    const path = ProcessJournal.forDir(dir).path;
    const listed = () => (JSON.parse(readFileSync(path, 'utf8')) as ProcessJournalFile).processes.map((p) => p.role);
    expect(listed()).toEqual(['k6', 'other']);
    a.kill('SIGKILL');
    await waitFor(() => existsSync(path) && listed().join() === 'other', { what: "the journal to list only 'other'" });
    b.kill('SIGKILL');
    await waitFor(() => !existsSync(path), { what: `the journal ${path} removed` });
  });
});

describe('a journal is a file anyone may write: it never gets chaosgate, a thread of it or PID 1 signalled', () => {
  it('lists this process, one of its threads and PID 1 with their real start times: none signalled, each a problem', async () => {
    const tid = readdirSync(`/proc/${process.pid}/task`)
      .map(Number)
      .find((t) => t !== process.pid)!;
    const listed = [process.pid, tid, 1].map((pid) => ({
      pid,
      startTicks: readProcStat(pid === tid ? process.pid : pid, pid === tid ? tid : undefined)!.startTicks,
      role: 'planted',
    }));
    const path = join(dir, 'processes-999999.json');
    await writeFile(path, JSON.stringify({ version: 1, owner: await deadOwner(), processes: listed, files: [] }));
    const report = await reapLeftovers(dir, { graceMs: 100 });
    // Still here to assert: a SIGTERM to this process (or its thread) would have ended the test worker.
    expect(report.reaped).toEqual([]);
    expect(report.problems.join('\n')).toMatch(new RegExp(`pid ${process.pid}, chaosgate itself: not signalled`));
    expect(report.problems.join('\n')).toMatch(new RegExp(`pid ${tid}, thread ${tid} of chaosgate itself: not signalled`));
    expect(report.problems.join('\n')).toMatch(/pid 1, PID 1 \(init\): not signalled/);
  });
});

describe('a journal lists a path chaosgate did not make', () => {
  it('a folder outside, a regular file named k6.fifo and a big .pid file: none removed, each a problem', async () => {
    const outside = await mkdtemp(join(tmpdir(), 'user-data-'));
    await mkdir(join(outside, 'precious'));
    await writeFile(join(outside, 'precious', 'thesis.tex'), 'years of work');
    const notFifo = join(dir, 'k6.fifo');
    await writeFile(notFifo, 'a user file');
    const bigPid = join(dir, 'app.pid');
    await writeFile(bigPid, 'x'.repeat(1000));
    const files = [join(outside, 'precious'), notFifo, bigPid];
    await writeFile(join(dir, 'processes-999998.json'), JSON.stringify({ version: 1, owner: await deadOwner(), processes: [], files }));
    const report = await reapLeftovers(dir, { graceMs: 100 });
    expect(report.removedFiles).toEqual([]);
    for (const f of files) expect(existsSync(f)).toBe(true);
    expect(report.problems).toEqual(files.map((f) => expect.stringContaining(`lists ${f}, which is not a FIFO, PID file or temp folder chaosgate makes: not removed`)));
    await rm(outside, { recursive: true, force: true });
  });
});
