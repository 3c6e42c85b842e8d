import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './errors.js';
import pinsJson from './pins.json' with { type: 'json' };

/**
 * The project root, found from this file whether it runs from source (vitest) or from dist/. A
 * bundle run from elsewhere (the benchmark's temp dir) has none: then this file's folder, and the
 * tools are looked up there (requireTool says so if they are missing). Installed as a package, it
 * is the package's own folder (node_modules/chaosgate).
 */
export const projectRoot: string = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = resolve(dir, '..');
    if (up === dir) return here;
    dir = up;
  }
})();

/** The tool versions: lib/pins.json is the one place (scripts/setup.sh and `chaosgate setup` read it). */
export const pins: Readonly<{ k6: string; xk6: string; xk6Redis: string; toxiproxy: string; actionlint: string; locust: string; kubeconform: string; kubernetesSchemas: string }> =
  pinsJson;

/** A clone of chaosgate's repository (tools/bin is built there), not an installed package. */
const isRepositoryClone = existsSync(join(projectRoot, 'scripts', 'setup.sh'));

/** Binaries that scripts/setup.sh builds into the git-ignored tools/ folder. */
export const toolPath = {
  k6: join(projectRoot, 'tools', 'bin', 'k6'),
  toxiproxy: join(projectRoot, 'tools', 'bin', 'toxiproxy-server'),
  actionlint: join(projectRoot, 'tools', 'bin', 'actionlint'),
  kubeconform: join(projectRoot, 'tools', 'bin', 'kubeconform'),
} as const;

/**
 * The path of a built tool, or a UsageError telling how to build it. For k6 this is findK6 with
 * the built-in scenarios' needs (k6/x/redis); a user's own script asks findK6 for a plain k6.
 */
export function requireTool(name: keyof typeof toolPath): string {
  if (name === 'k6') return findK6({ redis: true }).path;
  const p = process.env[`CHAOSGATE_${name.toUpperCase()}_BIN`] ?? toolPath[name];
  if (!existsSync(p)) throw new UsageError(`${name} not found at ${p}: run \`npm run setup\` first`);
  return p;
}

/** k6 is always run without automatic extension resolution: it cannot work offline. */
export function k6Env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, K6_AUTO_EXTENSION_RESOLUTION: 'false', K6_NO_USAGE_REPORT: 'true', ...extra };
}

// ---- k6 lookup ---------------------------------------------------------------------------------

/** The k6 module the built-in scenarios import (xk6-redis); a user's script may not need it. */
export const REDIS_MODULE = 'k6/x/redis';
/** The k6 major version chaosgate works with (its scripts, outputs and flags are k6 v1's). */
export const K6_MAJOR = Number(/^v(\d+)\./.exec(pinsJson.k6)![1]);

/** Is `script` one of the built-in scenarios (they import k6/x/redis)? */
export function isBuiltinScript(script: string): boolean {
  const rel = relative(join(projectRoot, 'scenarios'), resolve(script));
  return !rel.startsWith('..') && !isAbsolute(rel);
}

export type K6Source = 'CHAOSGATE_K6_BIN' | 'project tools/bin' | 'chaosgate setup cache' | 'PATH';

export interface K6Binary {
  path: string;
  source: K6Source;
  /** "v1.8.1" */
  version: string;
  /** The JS modules its extensions add, e.g. ["k6/x/redis"]. */
  modules: string[];
}

export interface K6Version {
  version: string;
  major: number;
  modules: string[];
}

/**
 * `k6 version` output → version and extension modules. k6 v1 prints "k6 v1.8.1 (go1.26.8, …)"
 * and, for an xk6 build, "Extensions:" lines like "  github.com/grafana/xk6-redis v0.3.6, k6/x/redis [js]".
 */
export function parseK6Version(output: string): K6Version | null {
  const head = /^k6 (v(\d+)\.\d+\.\d+\S*)/m.exec(output);
  if (!head) return null;
  const modules = [...output.matchAll(/^\s+\S+ \S+, (\S+) \[js\]/gm)].map((m) => m[1]!);
  return { version: head[1]!, major: Number(head[2]), modules };
}

/** Where `chaosgate setup` puts the pinned k6: $XDG_CACHE_HOME/chaosgate/k6-<version>/k6 (default ~/.cache). */
export function k6CachePath(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), '.cache');
  return join(base, 'chaosgate', `k6-${pins.k6}`, 'k6');
}

const SETUP_HINT = 'run `npx chaosgate setup`';

/** What a k6 must offer: k6 v1.x, and for the built-in scenarios the xk6-redis extension. */
export function k6Requirement(redis: boolean): string {
  return `k6 v${K6_MAJOR}.x${redis ? ` with the xk6-redis extension (${REDIS_MODULE})` : ''}`;
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** How a message names a candidate: "on PATH (/usr/bin/k6)". */
function describe(c: { path: string; source: K6Source }): string {
  switch (c.source) {
    case 'CHAOSGATE_K6_BIN':
      return `at CHAOSGATE_K6_BIN=${c.path}`;
    case 'project tools/bin':
      return `in the project's tools/bin (${c.path})`;
    case 'chaosgate setup cache':
      return `in the chaosgate setup cache (${c.path})`;
    case 'PATH':
      return `on PATH (${c.path})`;
  }
}

/** Runs `<path> version` (bounded in time) and checks it against the need; a reason when it does not fit. */
function checkK6(candidate: { path: string; source: K6Source }, redis: boolean): { ok: true; version: K6Version } | { ok: false; reason: string } {
  const { path } = candidate;
  const where = describe(candidate);
  const res = spawnSync(path, ['version'], { encoding: 'utf8', timeout: 15_000, env: k6Env(), stdio: ['ignore', 'pipe', 'pipe'] });
  if (res.error) return { ok: false, reason: `k6 ${where}: \`k6 version\` failed: ${res.error.message}` };
  const parsed = parseK6Version(res.stdout ?? '');
  if (res.status !== 0 || !parsed) {
    const said = `${res.stdout ?? ''}${res.stderr ?? ''}`.trim().split('\n')[0]?.slice(0, 120) ?? '';
    return { ok: false, reason: `k6 ${where}: \`k6 version\` does not say which k6 it is (exit ${res.status}${said ? `: ${said}` : ''})` };
  }
  if (parsed.major < K6_MAJOR) return { ok: false, reason: `k6 ${parsed.version} ${where} is too old` };
  if (parsed.major > K6_MAJOR) return { ok: false, reason: `k6 ${parsed.version} ${where} is newer than chaosgate supports` };
  if (redis && !parsed.modules.includes(REDIS_MODULE)) {
    return { ok: false, reason: `k6 ${parsed.version} ${where} lacks the xk6-redis extension (${REDIS_MODULE}) the built-in scenarios import` };
  }
  return { ok: true, version: parsed };
}

export interface FindK6Options {
  /** The built-in scenarios import k6/x/redis; a user's own script may run on a plain k6 v1. */
  redis: boolean;
  /** CHAOSGATE_K6_BIN, XDG_CACHE_HOME, HOME and PATH come from here (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The repository's tools/bin/k6 (default: this clone's; none in an installed package); null: none. */
  projectK6?: string | null;
}

const found = new Map<string, K6Binary>();

/**
 * The k6 to run, in this order: CHAOSGATE_K6_BIN (taken as given, or an error naming it); the
 * project's tools/bin/k6 (a clone of this repository after `npm run setup`); the per-user cache
 * `chaosgate setup` builds; the first k6 on PATH. Each candidate must report k6 v1.x (and
 * k6/x/redis when `redis`); a missing or unfit k6 is a UsageError (exit 2) that names what it found,
 * what is needed and how to get it.
 */
export function findK6(opts: FindK6Options): K6Binary {
  const env = opts.env ?? process.env;
  const need = k6Requirement(opts.redis);
  // Absolute: k6 is started with its run folder as cwd, where a relative path would not resolve.
  const explicit = env.CHAOSGATE_K6_BIN ? resolve(env.CHAOSGATE_K6_BIN) : undefined;
  const candidates: { path: string; source: K6Source }[] = [];
  if (explicit) {
    if (!isExecutableFile(explicit)) {
      const why = existsSync(explicit) ? 'not an executable file (EACCES): cannot start it' : 'no such file';
      throw new UsageError(`k6 at CHAOSGATE_K6_BIN=${explicit}: ${why} (chaosgate needs ${need})`);
    }
    candidates.push({ path: explicit, source: 'CHAOSGATE_K6_BIN' });
  } else {
    const projectK6 = opts.projectK6 === undefined ? (isRepositoryClone ? toolPath.k6 : null) : opts.projectK6;
    if (projectK6) candidates.push({ path: projectK6, source: 'project tools/bin' });
    candidates.push({ path: k6CachePath(env), source: 'chaosgate setup cache' });
    const onPath = (env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'k6'))
      .find(isExecutableFile);
    if (onPath) candidates.push({ path: onPath, source: 'PATH' });
  }

  const rejected: string[] = [];
  for (const candidate of candidates) {
    if (candidate.source !== 'CHAOSGATE_K6_BIN' && !isExecutableFile(candidate.path)) continue;
    const key = `${candidate.path}\0${opts.redis}`;
    const known = found.get(key);
    if (known) return known;
    const check = checkK6(candidate, opts.redis);
    if (check.ok) {
      const k6: K6Binary = { ...candidate, version: check.version.version, modules: check.version.modules };
      found.set(key, k6);
      return k6;
    }
    if (candidate.source === 'CHAOSGATE_K6_BIN') throw new UsageError(`${check.reason}: chaosgate needs ${need}`);
    rejected.push(check.reason);
  }
  if (rejected.length > 0) throw new UsageError(`${rejected.join('; ')}: chaosgate needs ${need} — ${SETUP_HINT}, or set CHAOSGATE_K6_BIN`);
  throw new UsageError(
    `k6 not found: chaosgate needs ${need}. Looked at CHAOSGATE_K6_BIN (unset), ${candidates.map((c) => c.path).join(', ')}, and PATH. ` +
      `${SETUP_HINT[0]!.toUpperCase()}${SETUP_HINT.slice(1)} (builds k6 ${pins.k6} with xk6-redis ${pins.xk6Redis} into ${k6CachePath(env)}; needs Go), ` +
      `put k6 v${K6_MAJOR}.x on PATH, or set CHAOSGATE_K6_BIN`,
  );
}
