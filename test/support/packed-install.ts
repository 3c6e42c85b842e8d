// chaosgate as a user gets it, for the e2e tests that run the package: `npm pack` of the working
// tree (prepack builds dist/) → `npm install <tarball>` under --engine-strict into a fresh project
// outside this repository, with a user's shell around it (node and npm on PATH, no k6 there, a HOME
// of its own). The tests assert on the pack and install results they get back.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../lib/tools.js';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A command with a bounded run time (SIGKILL past it: code null). */
export function sh(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<Result> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

export class PackedInstall {
  /** The temporary folder: the tarball, `app/` and `home/`. */
  readonly work: string;
  /** The user's project (`my-service`), chaosgate installed in its node_modules. */
  readonly app: string;
  tarball = '';

  /**
   * @param name names the temporary folder
   * @param baseEnv added to every user environment (e.g. CHAOSGATE_K6_BIN)
   */
  constructor(
    readonly name: string,
    private readonly baseEnv: NodeJS.ProcessEnv = {},
  ) {
    this.work = mkdtempSync(join(tmpdir(), `chaosgate-${name}-`));
    this.app = join(this.work, 'app');
    mkdirSync(this.app);
    mkdirSync(join(this.work, 'home'));
  }

  /** A user's shell: node and npm on PATH, no k6 there, a HOME of its own (no k6 cache). */
  env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      PATH: `${join(process.execPath, '..')}:/usr/bin:/bin`,
      HOME: join(this.work, 'home'),
      npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? '/root', '.npm'),
      npm_config_update_notifier: 'false',
      ...this.baseEnv,
      ...extra,
    };
  }

  /** A command in the project, in the user's shell unless `env` is given. */
  sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<Result> {
    return sh(cmd, args, { cwd: opts.cwd ?? this.app, env: opts.env ?? this.env(), timeoutMs: opts.timeoutMs });
  }

  /** The installed bin, run by node without npx's own start-up (seconds on a busy machine). */
  chaosgate(args: string[], env?: NodeJS.ProcessEnv, timeoutMs?: number): Promise<Result> {
    return this.sh(process.execPath, [join(this.app, 'node_modules', '.bin', 'chaosgate'), ...args], { env, timeoutMs });
  }

  /** Packs the working tree as it is. */
  async pack(): Promise<Result> {
    const pack = await this.sh('npm', ['pack', '--pack-destination', this.work, '--loglevel=error'], {
      cwd: projectRoot,
      env: { ...process.env, npm_config_update_notifier: 'false' },
      timeoutMs: 120_000,
    });
    if (pack.code === 0) this.tarball = join(this.work, pack.stdout.trim().split('\n').at(-1)!);
    return pack;
  }

  /** Installs the tarball into the project; --engine-strict: a dependency whose engines exclude this Node fails it. */
  install(): Promise<Result> {
    writeFileSync(join(this.app, 'package.json'), JSON.stringify({ name: 'my-service', version: '1.0.0', private: true }));
    return this.sh('npm', ['install', this.tarball, '--no-audit', '--no-fund', '--prefer-offline', '--engine-strict', '--loglevel=error'], { timeoutMs: 180_000 });
  }

  remove(): void {
    rmSync(this.work, { recursive: true, force: true });
  }
}
