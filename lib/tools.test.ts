// The k6 lookup: its order, the version check against what `k6 version` prints, and the messages.
// Stand-in k6 binaries are shell scripts printing what a real k6 of that version prints (a unit
// test: no k6 needed). The real pinned k6 is accepted by the same check in test/e2e/package*.test.ts.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { findK6, isBuiltinScript, k6CachePath, parseK6Version, pins, projectRoot, toolPath } from './tools.js';

const V049 = 'k6 v0.49.0 (2024-01-29T09:02:55+0000/v0.49.0-0-g2bbbc5d6, go1.21.6, linux/amd64)\n';
const V1_PLAIN = 'k6 v1.2.3 (go1.24.4, linux/amd64)\n';
const V2_PLAIN = 'k6 v2.0.0 (go1.26.0, linux/amd64)\n';
/** What the pinned xk6 build prints (tools/bin/k6 version). */
const PINNED = `k6 ${pins.k6} (go1.26.8, linux/amd64)\nExtensions:\n  github.com/grafana/xk6-redis ${pins.xk6Redis}, k6/x/redis [js]\n`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chaosgate-k6-lookup-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A k6 stand-in in <dir>/<sub>/k6 that prints `text` for `k6 version`. */
function fakeK6(sub: string, text: string, exitCode = 0): string {
  mkdirSync(join(dir, sub), { recursive: true });
  const path = join(dir, sub, 'k6');
  writeFileSync(path, `#!/bin/sh\n[ "$1" = version ] && printf '%s' '${text}' && exit ${exitCode}\nexit 64\n`);
  chmodSync(path, 0o755);
  return path;
}

/** An env with nothing but what the test gives: no k6 from the machine leaks in. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { HOME: join(dir, 'home'), PATH: join(dir, 'empty-path'), ...extra };
}

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('parseK6Version', () => {
  it('reads the version and the extension modules of an xk6 build', () => {
    expect(parseK6Version('k6 v1.8.1 (go1.26.8, linux/amd64)\nExtensions:\n  github.com/grafana/xk6-redis v0.3.6, k6/x/redis [js]\n')).toEqual({
      version: 'v1.8.1',
      major: 1,
      modules: ['k6/x/redis'],
    });
  });
  it('reads an old k6 and a plain k6 v1', () => {
    expect(parseK6Version(V049)).toEqual({ version: 'v0.49.0', major: 0, modules: [] });
    expect(parseK6Version(V1_PLAIN)).toEqual({ version: 'v1.2.3', major: 1, modules: [] });
  });
  it('is null for anything else', () => {
    expect(parseK6Version('command not found')).toBeNull();
    expect(parseK6Version('')).toBeNull();
  });
});

describe('isBuiltinScript', () => {
  it('is true for the scenarios chaosgate ships and false for anything else', () => {
    expect(isBuiltinScript(join(projectRoot, 'scenarios', 'smoke.ts'))).toBe(true);
    expect(isBuiltinScript(join(projectRoot, 'scenarios-x', 'smoke.ts'))).toBe(false);
    expect(isBuiltinScript('/tmp/k6/chaosgate.ts')).toBe(false);
  });
});

describe('findK6', () => {
  it('k6CachePath follows XDG_CACHE_HOME, else ~/.cache, and carries the pinned version', () => {
    expect(k6CachePath({ XDG_CACHE_HOME: '/c', HOME: '/h' })).toBe(`/c/chaosgate/k6-${pins.k6}/k6`);
    expect(k6CachePath({ HOME: '/h' })).toBe(`/h/.cache/chaosgate/k6-${pins.k6}/k6`);
    // A relative XDG_CACHE_HOME is invalid by the XDG spec: ignored.
    expect(k6CachePath({ XDG_CACHE_HOME: 'rel', HOME: '/h' })).toBe(`/h/.cache/chaosgate/k6-${pins.k6}/k6`);
  });

  it('takes CHAOSGATE_K6_BIN first, over the project k6 and PATH', () => {
    const explicit = fakeK6('explicit', V1_PLAIN);
    fakeK6('path', V1_PLAIN);
    const k6 = findK6({ redis: false, env: env({ CHAOSGATE_K6_BIN: explicit, PATH: join(dir, 'path') }), projectK6: toolPath.k6 });
    expect(k6).toMatchObject({ path: explicit, source: 'CHAOSGATE_K6_BIN', version: 'v1.2.3' });
  });

  it('CHAOSGATE_K6_BIN relative to the current folder comes back absolute (k6 starts in the run folder)', () => {
    fakeK6('rel', V1_PLAIN);
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(findK6({ redis: false, env: env({ CHAOSGATE_K6_BIN: 'rel/k6' }), projectK6: null }).path).toBe(join(dir, 'rel', 'k6'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('CHAOSGATE_K6_BIN that is missing or unfit is an error naming it (no fallback)', () => {
    expect(message(() => findK6({ redis: false, env: env({ CHAOSGATE_K6_BIN: join(dir, 'nope') }), projectK6: toolPath.k6 }))).toBe(
      `k6 at CHAOSGATE_K6_BIN=${join(dir, 'nope')}: no such file (chaosgate needs k6 v1.x)`,
    );
    writeFileSync(join(dir, 'plain-file'), '#!/bin/sh\n');
    expect(message(() => findK6({ redis: false, env: env({ CHAOSGATE_K6_BIN: join(dir, 'plain-file') }), projectK6: toolPath.k6 }))).toBe(
      `k6 at CHAOSGATE_K6_BIN=${join(dir, 'plain-file')}: not an executable file (EACCES): cannot start it (chaosgate needs k6 v1.x)`,
    );
    const old = fakeK6('old', V049);
    expect(message(() => findK6({ redis: true, env: env({ CHAOSGATE_K6_BIN: old }), projectK6: toolPath.k6 }))).toBe(
      `k6 v0.49.0 at CHAOSGATE_K6_BIN=${old} is too old: chaosgate needs k6 v1.x with the xk6-redis extension (k6/x/redis)`,
    );
  });

  it('then the project tools/bin k6, then the setup cache, then PATH', () => {
    const cacheHome = join(dir, 'cache');
    const cached = join(cacheHome, 'chaosgate', `k6-${pins.k6}`, 'k6');
    mkdirSync(join(cached, '..'), { recursive: true });
    writeFileSync(cached, `#!/bin/sh\nprintf '%s' '${PINNED}'\n`);
    chmodSync(cached, 0o755);
    const project = fakeK6('project/tools/bin', PINNED);
    fakeK6('path', V1_PLAIN);
    const e = env({ XDG_CACHE_HOME: cacheHome, PATH: join(dir, 'path') });
    expect(findK6({ redis: true, env: e, projectK6: project })).toMatchObject({ path: project, source: 'project tools/bin', version: pins.k6, modules: ['k6/x/redis'] });
    expect(findK6({ redis: true, env: e, projectK6: null })).toMatchObject({ path: cached, source: 'chaosgate setup cache', version: pins.k6 });
    rmSync(cached);
    expect(findK6({ redis: false, env: e, projectK6: null })).toMatchObject({ path: join(dir, 'path', 'k6'), source: 'PATH', version: 'v1.2.3' });
  });

  it('a plain k6 v1 on PATH serves a user script but not the built-in scenarios (k6/x/redis)', () => {
    fakeK6('path', V1_PLAIN);
    const e = env({ PATH: join(dir, 'path') });
    expect(findK6({ redis: false, env: e, projectK6: null }).source).toBe('PATH');
    expect(message(() => findK6({ redis: true, env: e, projectK6: null }))).toBe(
      `k6 v1.2.3 on PATH (${join(dir, 'path', 'k6')}) lacks the xk6-redis extension (k6/x/redis) the built-in scenarios import: ` +
        'chaosgate needs k6 v1.x with the xk6-redis extension (k6/x/redis) — run `npx chaosgate setup`, or set CHAOSGATE_K6_BIN',
    );
  });

  it('names the version found on PATH and the one needed when it is too old or too new', () => {
    fakeK6('path', V049);
    expect(message(() => findK6({ redis: true, env: env({ PATH: join(dir, 'path') }), projectK6: null }))).toBe(
      `k6 v0.49.0 on PATH (${join(dir, 'path', 'k6')}) is too old: chaosgate needs k6 v1.x with the xk6-redis extension (k6/x/redis) — run \`npx chaosgate setup\`, or set CHAOSGATE_K6_BIN`,
    );
    fakeK6('new', V2_PLAIN);
    expect(message(() => findK6({ redis: false, env: env({ PATH: join(dir, 'new') }), projectK6: null }))).toMatch(
      /^k6 v2\.0\.0 on PATH \(.*\) is newer than chaosgate supports: chaosgate needs k6 v1\.x — /,
    );
  });

  it('a k6 that does not say its version is refused with what it printed', () => {
    fakeK6('path', 'Segmentation fault', 139);
    expect(message(() => findK6({ redis: false, env: env({ PATH: join(dir, 'path') }), projectK6: null }))).toMatch(
      /^k6 on PATH \(.*\): `k6 version` does not say which k6 it is \(exit 139: Segmentation fault\)/,
    );
  });

  it('skips PATH entries that are not executable files and skips an unfit project k6 for a fit one later', () => {
    mkdirSync(join(dir, 'dirk6', 'k6'), { recursive: true }); // a folder named k6
    mkdirSync(join(dir, 'noexec'));
    writeFileSync(join(dir, 'noexec', 'k6'), 'not a program');
    const good = fakeK6('good', V1_PLAIN);
    const project = fakeK6('project', V049);
    const k6 = findK6({ redis: false, env: env({ PATH: [join(dir, 'dirk6'), join(dir, 'noexec'), join(dir, 'good')].join(':') }), projectK6: project });
    expect(k6.path).toBe(good);
  });

  it('nothing anywhere: one message with every place looked at and the three ways out', () => {
    const e = env({ XDG_CACHE_HOME: join(dir, 'cache') });
    const msg = message(() => findK6({ redis: true, env: e, projectK6: join(dir, 'tools', 'bin', 'k6') }));
    expect(msg).toBe(
      'k6 not found: chaosgate needs k6 v1.x with the xk6-redis extension (k6/x/redis). ' +
        `Looked at CHAOSGATE_K6_BIN (unset), ${join(dir, 'tools', 'bin', 'k6')}, ${k6CachePath(e)}, and PATH. ` +
        `Run \`npx chaosgate setup\` (builds k6 ${pins.k6} with xk6-redis ${pins.xk6Redis} into ${k6CachePath(e)}; needs Go), ` +
        'put k6 v1.x on PATH, or set CHAOSGATE_K6_BIN',
    );
  });

  it('a symlinked k6 on PATH is followed', () => {
    const real = fakeK6('real', V1_PLAIN);
    mkdirSync(join(dir, 'links'));
    symlinkSync(real, join(dir, 'links', 'k6'));
    expect(findK6({ redis: false, env: env({ PATH: join(dir, 'links') }), projectK6: null }).version).toBe('v1.2.3');
  });
});
