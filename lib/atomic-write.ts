// Writes a file so that readers see either the old or the whole new content, and never replaces
// what is not a regular file: a FIFO or character device the user named (/dev/stdout, a pipe) is
// written through, as asked; a folder, block device or socket is refused (exit 2). A failed write
// (disk full, file size limit) is an error with a plain message, and leaves no temp file behind.
import { lstat, mkdir, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { ChaosgateError, UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';

const WHY: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EFBIG: 'the file size limit was reached (ulimit -f)',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission denied',
  EROFS: 'read-only file system',
};

/** A failed write as a plain error naming the file and the cause (exit 1). */
export function writeError(path: string, err: unknown): ChaosgateError {
  const code = (err as NodeJS.ErrnoException).code;
  if (err instanceof ChaosgateError) return err;
  return new ChaosgateError(`cannot write ${path}: ${code && WHY[code] ? `${WHY[code]} (${code})` : (err as Error).message}`, ExitCode.internal);
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  // A link is followed: the file it names is written (the link stays a link).
  const linked = (await lstat(path).catch(() => undefined))?.isSymbolicLink() ? await realpath(path).catch(() => undefined) : undefined;
  const target = linked ?? path;
  const existing = await stat(target).catch(() => undefined);
  if (existing && !existing.isFile()) {
    if (existing.isFIFO() || existing.isCharacterDevice()) {
      try {
        await writeFile(target, data);
        return;
      } catch (err) {
        throw writeError(path, err);
      }
    }
    const what = existing.isDirectory() ? 'a folder' : existing.isBlockDevice() ? 'a block device' : 'not a regular file';
    throw new UsageError(`cannot write ${path}: it is ${what}; name a file (or a FIFO or /dev/stdout to write through)`);
  }
  const dir = dirname(target);
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${Date.now()}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    await writeFile(tmp, data);
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw writeError(path, err);
  }
}
