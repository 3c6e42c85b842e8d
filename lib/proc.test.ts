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
      for (let i = 0; i < 100 && readProcStat(child.pid!) === undefined; i++) await new Promise((r) => setTimeout(r, 20));
      const stat = readProcStat(child.pid!)!;
      expect(stat.ppid).toBe(process.pid);
      expect(stat.state).toMatch(/^[RS]$/);
      expect(stat.startTicks).toMatch(/^\d+$/);
      // Started after this process: a later start time.
      expect(BigInt(stat.startTicks)).toBeGreaterThanOrEqual(BigInt(processStartTicks(process.pid)!));
      expect(isSameProcess(child.pid!, stat.startTicks)).toBe(true);
      expect(isSameProcess(child.pid!, String(BigInt(stat.startTicks) + 1n))).toBe(false);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
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
