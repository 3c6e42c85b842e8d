// `chaosgate init`: the starting files for gating one's own service, from templates/ — a config
// (one service, the seeds' gates), an example k6 script reading CHAOSGATE_URL_WEB, and a GitHub
// workflow using chaosgate's action. Never overwrites a file unless told to.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from './errors.js';
import { pins, projectRoot } from './tools.js';
import { CHAOSGATE_VERSION } from './version.js';

/** Template (under templates/) → where it goes in the user's repository. */
export const INIT_FILES = [
  { template: 'chaosgate.config.json', target: 'chaosgate.config.json' },
  { template: 'k6/chaosgate.ts', target: 'k6/chaosgate.ts' },
  { template: 'workflows/chaosgate.yml', target: '.github/workflows/chaosgate.yml' },
] as const;

/** The files per load driver (`init --driver`): k6's script or a Locust locustfile, with its config. */
export const INIT_DRIVERS = {
  k6: { files: INIT_FILES, load: 'k6/chaosgate.ts' },
  locust: {
    files: [
      { template: 'locust/chaosgate.config.json', target: 'chaosgate.config.json' },
      { template: 'locust/locustfile.py', target: 'locust/locustfile.py' },
      { template: 'workflows/chaosgate.yml', target: '.github/workflows/chaosgate.yml' },
    ],
    load: 'locust/locustfile.py',
  },
} as const;
export type InitDriver = keyof typeof INIT_DRIVERS;

/** The workflow's step that installs the pinned Locust, before chaosgate's action (Locust profiles only). */
const LOCUST_STEPS = `      # Locust for the locustfile (the version chaosgate pins).
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install locust==${pins.locust}

`;

/**
 * `init --stack`: generic (one service, chaosgate's action) or a stack whose config and workflow
 * come from templates/stacks/<stack>/ (the k6 script is shared).
 */
export const INIT_STACKS = {
  generic: INIT_FILES,
  'django-celery': [
    { template: 'stacks/django-celery/chaosgate.config.json', target: 'chaosgate.config.json' },
    { template: 'k6/chaosgate.ts', target: 'k6/chaosgate.ts' },
    { template: 'stacks/django-celery/workflows/chaosgate.yml', target: '.github/workflows/chaosgate.yml' },
  ],
} as const;
export type InitStack = keyof typeof INIT_STACKS;

/** Stands for "the repository where you host chaosgate's action"; init says to replace it. */
export const ACTION_PLACEHOLDER = `YOUR-ORG/chaosgate@v${CHAOSGATE_VERSION}`;
export const DEFAULT_SERVICE_URL = 'http://127.0.0.1:8000';

export interface InitOptions {
  /** The repository to write into. */
  dir: string;
  serviceUrl?: string;
  /** `uses:` of the workflow's chaosgate step: owner/repo@ref (or owner/repo/path@ref, ./path). */
  action?: string;
  force?: boolean;
  /** The load driver the files are for (default k6). */
  driver?: InitDriver;
  /** Which files (default generic). */
  stack?: string;
  /** The templates folder (default: the package's templates/). */
  templates?: string;
}

export interface InitResult {
  /** Absolute paths written, in INIT_FILES order. */
  written: string[];
  serviceUrl: string;
  action: string;
}

/** An http(s) base URL without a trailing slash, or a UsageError naming the flag. */
export function normalizeServiceUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--service-url ${raw}: not a URL (e.g. ${DEFAULT_SERVICE_URL})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--service-url ${raw}: must be http:// or https://`);
  // The config is committed: a password in it would be a leaked secret.
  if (url.username || url.password) throw new UsageError('--service-url: carries credentials; give the URL without them and pass secrets to the script by env');
  if (url.search || url.hash) throw new UsageError(`--service-url ${raw}: a base URL without ?query or #fragment`);
  return url.href.replace(/\/+$/, '');
}

const ACTION_REF = /^(\.\/[\w./-]+|[\w.-]+\/[\w.-]+(\/[\w./-]+)?@[\w./-]+)$/;

export async function initProject(opts: InitOptions): Promise<InitResult> {
  const dir = resolve(opts.dir);
  const serviceUrl = normalizeServiceUrl(opts.serviceUrl ?? DEFAULT_SERVICE_URL);
  const action = opts.action ?? ACTION_PLACEHOLDER;
  if (!ACTION_REF.test(action)) throw new UsageError(`--action ${action}: must be owner/repo@ref, owner/repo/path@ref or ./path`);
  const templates = opts.templates ?? join(projectRoot, 'templates');

  const driver = opts.driver ?? 'k6';
  if (!Object.hasOwn(INIT_DRIVERS, driver)) throw new UsageError(`--driver ${driver}: one of ${Object.keys(INIT_DRIVERS).join(', ')}`);
  const stack = opts.stack ?? 'generic';
  if (!Object.hasOwn(INIT_STACKS, stack)) throw new UsageError(`--stack ${stack}: one of ${Object.keys(INIT_STACKS).join(', ')}`);
  // A stack's templates are written for k6; a Locust project starts from the generic files.
  if (stack !== 'generic' && driver !== 'k6') throw new UsageError(`--stack ${stack} comes with a k6 script: use it without --driver ${driver}`);
  const files = stack === 'generic' ? INIT_DRIVERS[driver].files : INIT_STACKS[stack as InitStack];
  const targets = files.map((f) => ({ ...f, path: join(dir, f.target) }));
  const existing = targets.filter((t) => existsSync(t.path)).map((t) => t.path);
  if (existing.length > 0 && !opts.force) {
    throw new UsageError(`init: refusing to overwrite ${existing.join(', ')} (move them away, or --force)`);
  }

  const rendered = await Promise.all(
    targets.map(async (t) => {
      const text = await readFile(join(templates, t.template), 'utf8');
      const filled = text.replaceAll('{{SERVICE_URL}}', serviceUrl).replaceAll('{{ACTION}}', action);
      const actionStep = "      # Where you host chaosgate's action";
      return driver === 'locust' && t.target.endsWith('.yml') ? filled.replace(actionStep, LOCUST_STEPS + actionStep) : filled;
    }),
  );
  const written: string[] = [];
  for (const [i, t] of targets.entries()) {
    await mkdir(dirname(t.path), { recursive: true });
    // 'wx': a file that appeared since the check above is still not overwritten.
    await writeFile(t.path, rendered[i]!, { flag: opts.force ? 'w' : 'wx' });
    written.push(t.path);
  }
  return { written, serviceUrl, action };
}
