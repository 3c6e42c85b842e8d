// `chaosgate setup`: builds the pinned k6 with xk6 (and the xk6-redis extension the built-in
// scenarios import) into the per-user cache that findK6 looks at. Same pins and Go settings as
// scripts/setup.sh; idempotent: a k6 already there that reports the pins is kept.
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ChaosgateError, UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { k6CachePath, k6Env, parseK6Version, pins, REDIS_MODULE } from './tools.js';

export interface SetupK6Options {
  env?: NodeJS.ProcessEnv;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** The build tools' own output (default: our stderr). */
  toolOutput?: 'inherit' | 'ignore';
}

export interface SetupK6Result {
  path: string;
  /** false: a k6 with the pins was already there. */
  built: boolean;
}

/** Does the k6 at `path` report the pinned k6 with the pinned xk6-redis? */
export function isPinnedK6(path: string): boolean {
  const res = spawnSync(path, ['version'], { encoding: 'utf8', timeout: 15_000, env: k6Env() });
  if (res.error || res.status !== 0) return false;
  const v = parseK6Version(res.stdout);
  return v?.version === pins.k6 && v.modules.includes(REDIS_MODULE) && res.stdout.includes(`xk6-redis ${pins.xk6Redis},`);
}

/** Where `go` is, or a UsageError (exit 2) saying Go is needed and what else would do. */
function requireGo(env: NodeJS.ProcessEnv): void {
  const res = spawnSync('go', ['version'], { encoding: 'utf8', timeout: 30_000, env });
  if (res.error || res.status !== 0) {
    throw new UsageError(
      `Go is needed to build k6 with xk6 (\`go version\` ${res.error ? 'not found on PATH' : `failed: ${res.stderr.trim()}`}): ` +
        'install Go 1.22+ (https://go.dev/dl) and run `npx chaosgate setup` again, or set CHAOSGATE_K6_BIN to a k6 v1.x built with xk6-redis',
    );
  }
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, output: 'inherit' | 'ignore'): Promise<void> {
  return new Promise((resolve, reject) => {
    // Their stdout goes to our stderr: setup's stdout carries only the k6 path.
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', output === 'inherit' ? process.stderr : 'ignore', output === 'inherit' ? process.stderr : 'ignore'] });
    child.once('error', (err) => reject(new ChaosgateError(`chaosgate setup: \`${cmd} ${args.join(' ')}\` could not start: ${err.message}`, ExitCode.internal)));
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new ChaosgateError(`chaosgate setup: \`${cmd} ${args.join(' ')}\` failed (${signal ?? `exit ${code}`}); see its output above`, ExitCode.internal)),
    );
  });
}

export async function setupK6(opts: SetupK6Options = {}): Promise<SetupK6Result> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => process.stderr.write(`chaosgate setup: ${line}\n`));
  const output = opts.toolOutput ?? 'inherit';
  const target = k6CachePath(env);
  if (isPinnedK6(target)) {
    log(`k6 ${pins.k6} with xk6-redis ${pins.xk6Redis} is already at ${target}`);
    return { path: target, built: false };
  }
  // Some modules k6 needs are not in the checksum database everywhere; the proxy still serves them.
  const goEnv: NodeJS.ProcessEnv = { ...env, GOSUMDB: 'off', GOFLAGS: '-mod=mod', K6_AUTO_EXTENSION_RESOLUTION: 'false' };
  requireGo(goEnv);

  await mkdir(dirname(target), { recursive: true });
  // A private work folder beside the target: two setups at once never share one, and the final
  // rename stays on one file system.
  const work = await mkdtemp(join(dirname(target), '.build-'));
  try {
    // xk6 as scripts/setup.sh builds it: inside a throwaway module, because `go install pkg@version`
    // needs the proxy's version list, which some proxies refuse.
    const xk6Src = join(work, 'xk6-src');
    await mkdir(xk6Src);
    log(`building xk6 ${pins.xk6}`);
    await run('go', ['mod', 'init', 'chaosgate.tools/xk6'], xk6Src, goEnv, 'ignore');
    await run('go', ['get', `go.k6.io/xk6@${pins.xk6}`], xk6Src, goEnv, output);
    const xk6 = join(work, 'xk6');
    await run('go', ['build', '-o', xk6, 'go.k6.io/xk6/cmd/xk6'], xk6Src, goEnv, output);

    log(`building k6 ${pins.k6} with xk6-redis ${pins.xk6Redis} (a few minutes)`);
    const built = join(work, 'k6');
    // xk6 treats a Go module in its working directory as an extension under development: build in
    // the work folder, which is not one.
    await run(xk6, ['build', pins.k6, '--with', `github.com/grafana/xk6-redis@${pins.xk6Redis}`, '--output', built], work, goEnv, output);
    await chmod(built, 0o755);
    if (!isPinnedK6(built)) {
      throw new ChaosgateError(`chaosgate setup: the built k6 (${built}) does not report k6 ${pins.k6} with xk6-redis ${pins.xk6Redis}`, ExitCode.internal);
    }
    await rename(built, target);
    log(`k6 ${pins.k6} with xk6-redis ${pins.xk6Redis} is at ${target}`);
    return { path: target, built: true };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
