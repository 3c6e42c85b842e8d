// The setup the Locust e2e tests share: a temporary folder holding the locustfile, a bundled CLI,
// and a loopback HTTP service that counts what it served (Locust's own count is checked against it).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleCli, type CliBundle } from './cli-bundle.js';
import { startLoopbackHttp, type LoopbackHttp } from './servers.js';

export interface LocustFolder {
  dir: string;
  cli: CliBundle;
  web: LoopbackHttp;
  close(): Promise<void>;
}

/** `status(url)` answers each request; `onRequest` counts it. */
export async function openLocustFolder(name: string, locustfile: string, status: (url: string) => number, onRequest: () => void): Promise<LocustFolder> {
  const dir = await mkdtemp(join(tmpdir(), `chaosgate-${name}-`));
  const [cli, web] = await Promise.all([
    bundleCli(name),
    startLoopbackHttp((req, res) => {
      onRequest();
      req.resume();
      res.statusCode = status(req.url ?? '/');
      res.end('x\n');
    }),
  ]);
  await writeFile(join(dir, 'locustfile.py'), locustfile);
  return {
    dir,
    cli,
    web,
    close: async () => {
      await web.close();
      await cli.remove();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
