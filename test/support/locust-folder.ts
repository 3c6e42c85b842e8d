// The setup the Locust e2e tests share: a temporary folder holding the locustfile, a bundled CLI,
// and a loopback HTTP service that counts what it served (Locust's own count is checked against it).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { bundleCli, type CliBundle } from './cli-bundle.js';
import { startLoopbackHttp, type LoopbackHttp } from './servers.js';

export interface LocustFolder {
  dir: string;
  cli: CliBundle;
  web: LoopbackHttp;
  /** Requests the service answered (a test may reset it). */
  served: number;
}

/** Sets the folder up before the file's tests and removes it after; `status(url)` answers each request. */
export function useLocustFolder(name: string, locustfile: string, status: (url: string) => number): LocustFolder {
  const folder = { served: 0 } as LocustFolder;
  beforeAll(async () => {
    folder.dir = await mkdtemp(join(tmpdir(), `chaosgate-${name}-`));
    [folder.cli, folder.web] = await Promise.all([
      bundleCli(name),
      startLoopbackHttp((req, res) => {
        folder.served++;
        req.resume();
        res.statusCode = status(req.url ?? '/');
        res.end('x\n');
      }),
    ]);
    await writeFile(join(folder.dir, 'locustfile.py'), locustfile);
  }, 60_000);
  afterAll(async () => {
    await folder.web?.close();
    await folder.cli?.remove();
    if (folder.dir) await rm(folder.dir, { recursive: true, force: true });
  });
  return folder;
}
