// `npm run setup -- --runtime` (CI's gate job) installs chaosgate's runtime only: k6, none of the
// test suite's Debian packages, no Toxiproxy or actionlint. scripts/setup.sh runs in a copy of its
// folder with a PATH of its own: stand-ins for go (which "builds" stand-in tools), apt-get and sudo
// record what they were asked; no redis-server, nats-server, wrk … on that PATH.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../lib/tools.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const pins = JSON.parse(readFileSync(join(projectRoot, 'lib', 'pins.json'), 'utf8')) as Record<string, string>;

// go: `go build -o OUT PKG` writes a stand-in tool; xk6's stand-in "builds" a k6 that reports the pins.
const goStub = `#!/bin/bash
echo "go $*" >> "$LOG"
if [ "$1" = build ]; then
  out=$3
  cat > "$out" <<'EOS'
#!/bin/bash
echo "$(basename "$0") $*" >> "$LOG"
if [ "$1" = build ]; then
  while [ $# -gt 0 ]; do [ "$1" = --output ] && out=$2; shift; done
  printf '#!/bin/bash\\necho "k6 ${pins.k6} (stand-in)"\\necho "  xk6-redis ${pins.xk6Redis}"\\n' > "$out"
  chmod +x "$out"
fi
EOS
  chmod +x "$out"
fi
`;

function setup(args: string[]): { status: number | null; stderr: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), 'chaosgate-setup-'));
  dirs.push(dir);
  for (const f of ['package.json', 'package-lock.json', 'lib/pins.json', 'scripts/setup.sh']) {
    mkdirSync(join(dir, f, '..'), { recursive: true });
    copyFileSync(join(projectRoot, f), join(dir, f));
  }
  writeFileSync(join(dir, 'scripts', 'build.mjs'), '');
  // node_modules newer than the lock: no `npm ci`.
  mkdirSync(join(dir, 'node_modules'));
  writeFileSync(join(dir, 'node_modules', '.package-lock.json'), '{}');
  utimesSync(join(dir, 'package-lock.json'), new Date(2000, 0, 1), new Date(2000, 0, 1));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const tool of ['bash', 'cat', 'grep', 'mkdir', 'rm', 'head', 'dirname', 'basename', 'id', 'chmod', 'npm']) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found) symlinkSync(found, join(bin, tool));
  }
  symlinkSync(process.execPath, join(bin, 'node'));
  // python3: no test package importable, Locust already at its pin (so only the test packages are pip-installed).
  const python3 = `#!/bin/bash\necho "python3 $*" >> "$LOG"\ncase "$*" in *importlib.metadata*) echo "${pins.locust}" ;; "-c import"*) exit 1 ;; esac\n`;
  for (const [name, text] of Object.entries({
    go: goStub,
    python3,
    'apt-get': '#!/bin/bash\necho "apt-get $*" >> "$LOG"\n',
    sudo: '#!/bin/bash\necho "sudo $1" >> "$LOG"\n"$@"\n',
  })) {
    writeFileSync(join(bin, name), text);
    chmodSync(join(bin, name), 0o755);
  }
  // kubeconform's schemas as generated before (their generation reads the k8s.io/kubernetes module: not here).
  mkdirSync(join(dir, 'tools', 'k8s-schemas'), { recursive: true });
  writeFileSync(join(dir, 'tools', 'k8s-schemas', '.version'), `${pins.kubernetesSchemas}\n`);
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  const res = spawnSync('bash', [join(dir, 'scripts', 'setup.sh'), ...args], { encoding: 'utf8', env: { PATH: bin, HOME: dir, LOG: log }, timeout: 60_000 });
  return { status: res.status, stderr: res.stderr, log: readFileSync(log, 'utf8') + (existsSync(join(dir, 'tools', 'bin', 'k6')) ? 'K6 BUILT\n' : '') };
}

describe('scripts/setup.sh', () => {
  it('--runtime: k6 only; no Debian packages, no Toxiproxy, no actionlint', () => {
    const r = setup(['--runtime']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.log).not.toContain('apt-get');
    expect(r.log).toContain(`go get go.k6.io/xk6@${pins.xk6}`);
    expect(r.log).not.toMatch(/toxiproxy|actionlint|kubeconform|python3/);
    expect(r.log).toContain(`xk6 build ${pins.k6} --with github.com/grafana/xk6-redis@${pins.xk6Redis}`);
    expect(r.log).toContain('K6 BUILT');
    expect(r.stderr).toContain(`setup: ready: k6 ${pins.k6} (stand-in)`);
  });

  it('without it (the test suite): the missing Debian packages, Toxiproxy and actionlint too', () => {
    const r = setup([]);
    expect(r.status, r.stderr).toBe(0);
    // Those found on PATH (none here); nats-server and rabbitmq-server are also looked for at fixed paths.
    expect(r.log).toMatch(/^apt-get install -y -qq --no-install-recommends redis-server .*libxml2-utils chromium wrk/m);
    expect(r.log).toContain(`github.com/Shopify/toxiproxy/v2@${pins.toxiproxy}`);
    expect(r.log).toContain(`github.com/rhysd/actionlint@${pins.actionlint}`);
    expect(r.log).toContain(`github.com/yannh/kubeconform@${pins.kubeconform}`);
    // The probe tests' Python packages; Locust is at its pin already.
    expect(r.log).toMatch(/^python3 -m pip install -q prometheus-client celery redis$/m);
    expect(r.log).not.toContain('locust==');
    expect(r.log).toContain('K6 BUILT');
  });

  it('refuses an unknown option (exit 2, naming it)', () => {
    const r = setup(['--runtme']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('setup: unknown option --runtme (known: --runtime)\n');
    expect(r.log).toBe('');
  });
});
