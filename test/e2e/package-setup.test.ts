// `chaosgate setup` as a user runs it (the CLI bundled from these sources): idempotent when the
// per-user cache already holds the pinned k6 (checked by `k6 version`, not by the file's presence),
// and a clear exit 2 without Go. The full build (minutes) is measured in docs/install.md, not here.
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, type CliBundle } from '../support/cli-bundle.js';
import { k6CachePath, pins, toolPath } from '../../lib/tools.js';

let bundle: CliBundle;
let dir: string;

beforeAll(async () => {
  bundle = await bundleCli('setup');
  dir = mkdtempSync(join(tmpdir(), 'chaosgate-setup-'));
});
afterAll(async () => {
  await bundle?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** `chaosgate setup` with node but no Go on PATH and its own cache folder. */
function setup(cacheHome: string, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { PATH: `${dirname(process.execPath)}:/usr/bin:/bin`, HOME: join(dir, 'home'), XDG_CACHE_HOME: cacheHome };
  return new Promise((resolve) => {
    execFile(process.execPath, [bundle.cli, 'setup', ...args], { env, timeout: 30_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err ? (err as { code?: unknown }).code : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

describe('chaosgate setup', () => {
  it('without Go: exit 2, says what is needed and the other way out; builds nothing', async () => {
    const cache = join(dir, 'empty');
    const r = await setup(cache);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'chaosgate: Go is needed to build k6 with xk6 (`go version` not found on PATH): install Go 1.22+ (https://go.dev/dl) and run `npx chaosgate setup` again, ' +
        'or set CHAOSGATE_K6_BIN to a k6 v1.x built with xk6-redis\n',
    );
    expect(existsSync(cache)).toBe(false);
  });

  it('the pinned k6 already in the cache: exit 0 at once, its path on stdout, no Go needed', async () => {
    const cache = join(dir, 'ready');
    const target = k6CachePath({ XDG_CACHE_HOME: cache });
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(toolPath.k6, target);
    chmodSync(target, 0o755);
    const r = await setup(cache);
    expect(r).toMatchObject({ code: 0, stdout: `${target}\n` });
    expect(r.stderr).toBe(`chaosgate setup: k6 ${pins.k6} with xk6-redis ${pins.xk6Redis} is already at ${target}\n`);
  });

  it('another k6 in the cache slot is not taken for the pinned one (it rebuilds: here, no Go → exit 2)', async () => {
    const cache = join(dir, 'wrong');
    const target = k6CachePath({ XDG_CACHE_HOME: cache });
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, "#!/bin/sh\necho 'k6 v1.8.1 (go1.26.8, linux/amd64)'\n");
    chmodSync(target, 0o755);
    const r = await setup(cache);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^chaosgate: Go is needed to build k6/);
  });
});
