// /proc/PID/stat parsing with a real process whose command name holds spaces and parentheses.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isSameProcess, processStartTicks, readProcStat, selfAndAncestors } from './proc.js';

describe('readProcStat', () => {
  it('reads state, parent and start time past a command name with ") (" in it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chaosgate-proc-'));
    const odd = join(dir, 'a) (b c');
    await symlink('/bin/sleep', odd);
    const child = spawn(odd, ['30'], { stdio: 'ignore' });
    try {
      // `sleep` settles in S; on a loaded machine it may first be seen in R or D (still loading),
      // so wait for S (bounded) rather than accept whatever letter the parser returns.
      for (let i = 0; i < 250 && readProcStat(child.pid!)?.state !== 'S'; i++) await new Promise((r) => setTimeout(r, 20));
      const stat = readProcStat(child.pid!)!;
      expect(stat.ppid).toBe(process.pid);
      expect(stat.state).toBe('S');
      expect(stat.startTicks).toMatch(/^\d+$/);
      expect(stat.nice).toBe(readProcStat(process.pid)!.nice); // inherited from this process
      // Started after this process: a later start time.
      expect(BigInt(stat.startTicks)).toBeGreaterThanOrEqual(BigInt(processStartTicks(process.pid)!));
      expect(isSameProcess(child.pid!, stat.startTicks)).toBe(true);
      expect(isSameProcess(child.pid!, String(BigInt(stat.startTicks) + 1n))).toBe(false);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("reads one thread's stat by its id: the main thread's is the process's", () => {
    const own = readProcStat(process.pid)!;
    const main = readProcStat(process.pid, process.pid)!;
    expect(main).toEqual(own);
    expect(main.nice).toBeGreaterThanOrEqual(-20);
    expect(main.nice).toBeLessThanOrEqual(19);
    expect(readProcStat(process.pid, 2 ** 22 + 7)).toBeUndefined();
    expect(readProcStat(process.pid, 0)).toBeUndefined();
  });

  it('is undefined for a PID that does not exist or is not a PID', () => {
    expect(readProcStat(0)).toBeUndefined();
    expect(readProcStat(-5)).toBeUndefined();
    expect(readProcStat(2 ** 22 + 7)).toBeUndefined();
  });

  it('lists this process, its parent and PID 1 as its own', () => {
    const own = selfAndAncestors();
    expect(own[0]).toBe(process.pid);
    expect(own).toContain(process.ppid);
    expect(own).toContain(1);
  });
});
