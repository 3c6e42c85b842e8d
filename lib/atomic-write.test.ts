// Reports and journals are written atomically to regular files only: a FIFO or character device is
// written through (never replaced), a folder is refused with exit 2, a write error is an error.
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('replaces a regular file whole, leaving no temp file', async () => {
    const path = join(dir, 'report.json');
    await writeFile(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['report.json']);
  });

  it('writes through a FIFO without replacing it', async () => {
    const fifo = join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo]);
    let got = '';
    reader.stdout.on('data', (d: Buffer) => (got += d.toString()));
    const done = new Promise((r) => reader.once('exit', r));
    await writeFileAtomic(fifo, 'through the pipe');
    await done;
    expect(got).toBe('through the pipe');
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it('writes through /dev/null (a character device) and keeps it a device', async () => {
    await writeFileAtomic('/dev/null', 'nothing');
    expect(lstatSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('a write error on /dev/full is an error naming the cause, the device kept', async () => {
    await expect(writeFileAtomic('/dev/full', 'x')).rejects.toMatchObject({ exitCode: 1, message: 'cannot write /dev/full: no space left on the device (ENOSPC)' });
    expect(lstatSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it('refuses a folder with exit 2', async () => {
    await mkdir(join(dir, 'sub'));
    await expect(writeFileAtomic(join(dir, 'sub'), 'x')).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('it is a folder') });
  });

  it('follows a link to a regular file and keeps the link', async () => {
    const real = join(dir, 'real.json');
    await writeFile(real, 'old');
    await symlink(real, join(dir, 'link.json'));
    await writeFileAtomic(join(dir, 'link.json'), 'new');
    expect(lstatSync(join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe('new');
  });
});
