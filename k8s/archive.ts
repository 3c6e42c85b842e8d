// What `k8s render` ships of a script. The ConfigMap's keys are flat and k6-operator mounts it as
// one folder, so a script that imports local modules (or open()s files) cannot be shipped as
// itself: its initializer's `k6 archive` fails with "moduleSpecifier … couldn't be found". k6's own
// answer (k6-operator's documented multi-file layout) is a `k6 archive` tarball as the test file:
// k6 runs archives, and archiving an archive works. So render archives the script with the k6 it
// finds (with the runners' env and k6 arguments, then `k6 inspect --execution-requirements`: the
// initializer's two steps, so what would fail on the cluster fails here) and looks at what k6
// packed: the script alone ships as text, anything more ships as the tarball. Without a k6, a text
// scan refuses a script with local imports, naming them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findK6, k6Env } from '../lib/tools.js';

export type ShippedScript =
  /** The script alone, as text (what k6 packed was the script and nothing else). */
  | { kind: 'script'; file: string; text: string }
  /** A `k6 archive` tarball: the script and every local module and file it reaches. */
  | { kind: 'archive'; file: string; bytes: Buffer; script: string; packed: string[] };

export interface TarEntry {
  name: string;
  /** The ustar type flag: '0' file, '1' hard link, '5' folder, … */
  type: string;
  data: Buffer;
}

/** The entries of an (uncompressed) tar: ustar names with prefix, PAX `path` and GNU long names. */
export function tarEntries(buf: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let longName: string | undefined;
  // Each header is 512 bytes and the data is padded to 512: the offset always grows, so this ends.
  for (let off = 0; off + 512 <= buf.length;) {
    const header = buf.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, len: number) =>
      header
        .subarray(start, start + len)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = parseInt(field(124, 12).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) throw new Error(`tar header at byte ${off}: bad size`);
    const type = field(156, 1) || '0';
    const prefix = header.subarray(257, 263).toString('latin1').startsWith('ustar') ? field(345, 155) : '';
    const data = buf.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      const path = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'));
      if (path) longName = path[1];
      continue;
    }
    if (type === 'L') {
      longName = data.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    if (type === 'g') continue;
    entries.push({ name: longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100)), type, data });
    longName = undefined;
  }
  return entries;
}

/**
 * Local module specifiers and open() calls a text scan finds (used only when no k6 is at hand):
 * `import … from './x'`, `import './x'`, `export … from './x'`, `import('./x')`, `require('./x')`,
 * and every `open(` (k6's open() reads a file the initializer would not have).
 */
export function localReferences(text: string): string[] {
  const found = new Set<string>();
  const spec = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"`])(\.{1,2}\/[^'"`]+|\/[^'"`]+|file:[^'"`]+)\1/g;
  for (const m of text.matchAll(spec)) found.add(m[2]!);
  for (const m of text.matchAll(/\bopen\s*\(\s*([^)]{0,80})/g)) found.add(`open(${m[1]!.trim()})`);
  return [...found];
}

export interface ShipOptions {
  scriptPath: string;
  scriptText: string;
  /** The runners' environment: the script's init code may need it (k6 archive runs it). */
  env: Record<string, string>;
  /** The `k6 run` arguments: the operator's initializer passes them to `k6 archive` too. */
  k6Args: string[];
  /** The k6 to archive with; undefined: findK6 (a plain k6 v1). */
  k6Path?: string;
}

/** A plain Error (the caller makes it a usage error, exit 2) naming the script and what k6 said. */
export function shipScript(opts: ShipOptions): ShippedScript {
  const file = basename(opts.scriptPath);
  let k6: string;
  try {
    k6 = opts.k6Path ?? findK6({ redis: false }).path;
  } catch (err) {
    const refs = localReferences(opts.scriptText);
    if (refs.length > 0) {
      throw new Error(
        `--script ${opts.scriptPath}: it reads other files (${refs.join(', ')}), which k6-operator's initializer would not find; ` +
          `render packs them with \`k6 archive\`, but no k6 is usable here: ${(err as Error).message}`,
      );
    }
    return { kind: 'script', file, text: opts.scriptText };
  }
  const dir = mkdtempSync(join(tmpdir(), 'chaosgate-archive-'));
  try {
    const out = join(dir, 'archive.tar');
    const envArgs = Object.entries(opts.env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const res = spawnSync(k6, ['archive', opts.scriptPath, '-O', out, ...envArgs, ...opts.k6Args], {
      encoding: 'utf8',
      timeout: 120_000,
      env: k6Env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const failed = (step: string, r: typeof res) =>
      new Error(
        `--script ${opts.scriptPath}: \`${step}\` (what k6-operator's initializer runs) failed: ${k6Errors(`${r.stderr ?? ''}\n${r.stdout ?? ''}`) || (r.error?.message ?? `exit ${r.status}`)}. ` +
          `Pass what the script's init code needs with --env; check the arguments after --`,
      );
    if (res.error || res.status !== 0 || /level=error/.test(res.stderr ?? '')) throw failed('k6 archive', res);
    // The initializer's second step: the run's execution plan must be computable (e.g. --iterations
    // without --vus is refused here by k6 even though `k6 run` would default to one VU).
    const inspect = spawnSync(k6, ['inspect', '--execution-requirements', out], { encoding: 'utf8', timeout: 120_000, env: k6Env(), stdio: ['ignore', 'pipe', 'pipe'] });
    if (inspect.error || inspect.status !== 0 || /level=error/.test(inspect.stderr ?? '')) throw failed('k6 inspect --execution-requirements', inspect);
    const bytes = readFileSync(out);
    const entries = tarEntries(bytes);
    const meta = entries.find((e) => e.name === 'metadata.json');
    const metadata = (meta ? JSON.parse(meta.data.toString('utf8')) : {}) as { filename?: string };
    const main = metadata.filename ? tarPathOf(metadata.filename) : undefined;
    const packed = entries
      .filter((e) => (e.type === '0' || e.type === '1' || e.type === '7') && e.name !== 'metadata.json' && e.name !== 'data' && e.name !== main)
      .map((e) => e.name);
    if (packed.length === 0) return { kind: 'script', file, text: opts.scriptText };
    const here = dirname(opts.scriptPath);
    const shown = packed.map((name) => (name.startsWith('file/') ? relative(here, '/' + name.slice('file/'.length)) || name : name));
    return { kind: 'archive', file: `${basename(file, extname(file))}.tar`, bytes, script: file, packed: shown };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The tar path k6 gives a module URL: file:///a/b.js → file/a/b.js, https://h/p → https/h/p. */
function tarPathOf(url: string): string {
  if (url.startsWith('file://')) return 'file' + fileURLToPath(url);
  return url.replace(/^(\w+):\/\//, '$1/');
}

/** k6's `level=error msg="…"` lines, unquoted; else the last non-empty line. */
function k6Errors(output: string): string {
  const msgs = [...output.matchAll(/level=error msg="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\n/g, ' ').replace(/\\t/g, ' ').replace(/\\"/g, '"').trim());
  if (msgs.length > 0) return msgs.join('; ').slice(0, 1000);
  return (
    output
      .trim()
      .split('\n')
      .filter((l) => l.trim())
      .pop()
      ?.slice(0, 500) ?? ''
  );
}
