// A run on a full disk (issue 19, item 6): `ulimit -f 8` (8 KB per file) makes the sample copy and
// the big reports fail with EFBIG. The run says so plainly (exit 1, no stack trace), writes the
// reports that fit (partial, with the reason), and leaves neither k6.fifo nor processes-<pid>.json.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, type CliBundle } from '../support/cli-bundle.js';
import { startLoopbackHttp, type LoopbackHttp } from '../support/servers.js';

let dir: string;
let bundle: CliBundle;
let server: LoopbackHttp;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-disk-full-'));
  server = await startLoopbackHttp((_req, res) => res.end('ok'));
  bundle = await bundleCli('disk-full');
}, 60_000);

afterAll(async () => {
  await server?.close();
  await bundle?.remove();
  await rm(dir, { recursive: true, force: true });
});

describe('chaosgate run with ulimit -f 8', () => {
  it('exit 1 with a plain message, the reports that fit, nothing left behind', async () => {
    await writeFile(
      join(dir, 't.js'),
      `import http from 'k6/http';
export const options = { scenarios: { main: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '3s', preAllocatedVUs: 2, maxVUs: 10 } } };
export default function () { http.get(__ENV.CHAOSGATE_BASE_URL + '/'); }
`,
    );
    const state = join(dir, 'state');
    await writeFile(
      join(dir, 'cfg.json'),
      JSON.stringify({
        load: { baseUrl: server.url },
        evaluate: { bucketWidth: '1s' },
        chaos: { journal: join(state, 'journal.json') },
        gates: [{ id: 'errors', metric: 'http_req_failed', expression: 'rate<0.05' }],
      }),
    );
    const out = join(dir, 'out');
    const child = spawn('sh', ['-c', `ulimit -f 8; exec '${process.execPath}' '${bundle.cli}' run --script t.js -c cfg.json --out-dir out`], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code, output).toBe(1);
    expect(output).toMatch(/cannot write .*report\.(json|html): the file size limit was reached \(ulimit -f\) \(EFBIG\)/);
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toMatch(/triggerUncaughtException/);
    const summary = await readFile(join(out, 'summary.md'), 'utf8');
    expect(summary).toMatch(/cannot write .*k6\.ndjson\.gz: the file size limit was reached/);
    expect(existsSync(join(out, 'junit.xml'))).toBe(true);
    expect(existsSync(join(out, 'k6.fifo'))).toBe(false);
    expect((await readdir(state).catch(() => [])).filter((n) => n.startsWith('processes-'))).toEqual([]);
    expect((await readdir(out)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, 90_000);
});
