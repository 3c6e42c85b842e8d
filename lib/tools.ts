import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './errors.js';

/**
 * The project root, found from this file whether it runs from source (vitest) or from dist/. A
 * bundle run from elsewhere (the benchmark's temp dir) has none: then this file's folder, and the
 * tools are looked up there (requireTool says so if they are missing).
 */
export const projectRoot: string = (() => {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let dir = here; ; ) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = resolve(dir, '..');
    if (up === dir) return here;
    dir = up;
  }
})();

/** Binaries that scripts/setup.sh builds into the git-ignored tools/ folder. */
export const toolPath = {
  k6: join(projectRoot, 'tools', 'bin', 'k6'),
  toxiproxy: join(projectRoot, 'tools', 'bin', 'toxiproxy-server'),
  actionlint: join(projectRoot, 'tools', 'bin', 'actionlint'),
} as const;

/** The path of a built tool, or a UsageError telling how to build it. */
export function requireTool(name: keyof typeof toolPath): string {
  const p = process.env[`CHAOSGATE_${name.toUpperCase()}_BIN`] ?? toolPath[name];
  if (!existsSync(p)) throw new UsageError(`${name} not found at ${p}: run \`npm run setup\` first`);
  return p;
}

/** k6 is always run without automatic extension resolution: it cannot work offline. */
export function k6Env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, K6_AUTO_EXTENSION_RESOLUTION: 'false', K6_NO_USAGE_REPORT: 'true', ...extra };
}
