// Finds the process a process driver acts on: a target "cmd:<text>" matches a command line in
// /proc, any other target is a PID file.
import { readdir, readFile } from 'node:fs/promises';

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function pidFromFile(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt((await readFile(path, 'utf8')).trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function pidFromCommand(text: string): Promise<number | undefined> {
  for (const name of await readdir('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const cmdline = await readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.replaceAll('\0', ' ').includes(text)) return pid;
  }
  return undefined;
}

/** The live PID the target names, or undefined. */
export async function findProcess(target: string): Promise<number | undefined> {
  const pid = target.startsWith('cmd:') ? await pidFromCommand(target.slice(4)) : await pidFromFile(target);
  return pid !== undefined && isAlive(pid) ? pid : undefined;
}

export async function requireProcess(target: string): Promise<number> {
  const pid = await findProcess(target);
  if (pid === undefined) throw new Error(`no running process for ${target}`);
  return pid;
}
