// Without -c every command reads ./chaosgate.config.json when there is one, as `run` does: the
// same gates for `evaluate` and `merge`, the same journal for `chaos clear` and `chaos status`.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, runCli, type CliBundle } from '../support/cli-bundle.js';

let bundle: CliBundle;
let dir: string;

beforeAll(async () => {
  bundle = await bundleCli('default-config');
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-default-config-'));
});

afterAll(async () => {
  await bundle?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 0, 1, 12);

describe('./chaosgate.config.json without -c', () => {
  it('evaluate, merge, chaos clear and chaos status read it', async () => {
    const journal = join(dir, 'my-journal.json');
    await writeFile(
      join(dir, 'chaosgate.config.json'),
      JSON.stringify({ chaos: { journal }, gates: [{ id: 'from-the-file', metric: 'http_req_duration', expression: 'p(95)<1' }] }),
    );
    const lines = Array.from({ length: 50 }, (_, i) =>
      JSON.stringify({ type: 'Point', metric: 'http_req_duration', data: { time: new Date(T0 + i * 100).toISOString(), value: 20 + i, tags: { name: 'GET /' } } }),
    );
    await writeFile(join(dir, 'k6.ndjson'), `${lines.join('\n')}\n`);
    const evaluated = await runCli(bundle.cli, ['evaluate', 'k6.ndjson', '--state', 'k6.state.json'], { cwd: dir });
    // The file's gate was judged (and breached): not "no gates", not the defaults.
    expect(evaluated.code, evaluated.stderr).toBe(99);
    expect(evaluated.stdout).toMatch(/^FAIL from-the-file: http_req_duration: p\(95\)<1 breached/m);
    const merged = await runCli(bundle.cli, ['merge', 'k6.state.json'], { cwd: dir });
    expect(merged.code, merged.stderr).toBe(99);
    expect(merged.stdout).toMatch(/^FAIL from-the-file: /m);
    const cleared = await runCli(bundle.cli, ['chaos', 'clear'], { cwd: dir });
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toContain(`chaos: nothing applied (${journal})`);
    const status = await runCli(bundle.cli, ['chaos', 'status'], { cwd: dir });
    // The journal named in the file is the one looked at (one file per session beside it).
    expect(status.stdout).toContain(`chaos: nothing applied (no journal beside ${journal})`);
  });
});
