// `chaosgate init`'s files: rendered from templates/, loadable by the real config schema, never
// overwriting a file unless forced, and its flags checked with messages naming them.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { UsageError } from './errors.js';
import { ACTION_PLACEHOLDER, INIT_DRIVERS, INIT_FILES, initProject, normalizeServiceUrl } from './init-project.js';
import { pins } from './tools.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'chaosgate-init-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function usageError(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  return (err as Error).message;
}

describe('normalizeServiceUrl', () => {
  it('keeps a path, drops trailing slashes', () => {
    expect(normalizeServiceUrl('http://127.0.0.1:8000')).toBe('http://127.0.0.1:8000');
    expect(normalizeServiceUrl('https://staging.example.org/api/')).toBe('https://staging.example.org/api');
  });
  it('refuses what cannot be a base URL, naming the flag', () => {
    expect(() => normalizeServiceUrl('localhost:8000')).toThrow('--service-url localhost:8000: must be http:// or https://');
    expect(() => normalizeServiceUrl('not a url')).toThrow('--service-url not a url: not a URL');
    expect(() => normalizeServiceUrl('http://u:secret@h')).toThrow('--service-url: carries credentials');
    expect(() => normalizeServiceUrl('http://h/?q=1')).toThrow('without ?query');
  });
});

describe('initProject', () => {
  it('writes the three files with the service URL and action filled in; the config loads', async () => {
    const res = await initProject({ dir, serviceUrl: 'http://127.0.0.1:9123/app/', action: 'acme/chaosgate@v1' });
    expect(res.written).toEqual(INIT_FILES.map((f) => join(dir, f.target)));
    const configText = readFileSync(join(dir, 'chaosgate.config.json'), 'utf8');
    expect(configText).not.toMatch(/\{\{[A-Z_]+\}\}/);
    const config = await loadConfig({ file: join(dir, 'chaosgate.config.json') });
    expect(config.services).toEqual({ web: { url: 'http://127.0.0.1:9123/app' } });
    expect(Object.keys(config.profiles)).toEqual(['smoke', 'chaos', 'soak']);
    for (const p of Object.values(config.profiles)) expect(p.script).toBe('k6/chaosgate.ts');
    // The seeds' gates, on the service.
    expect(config.profiles.chaos!.gates!.map((g) => g.id)).toEqual(['chaos-error-rate', 'chaos-p95', 'abort-meltdown', 'recovery-error-rate', 'recovery-p95']);
    expect(config.profiles.chaos!.plan).toHaveLength(2);
    const script = readFileSync(join(dir, 'k6', 'chaosgate.ts'), 'utf8');
    expect(script).toContain("__ENV.CHAOSGATE_URL_WEB || 'http://127.0.0.1:9123/app'");
    const workflow = readFileSync(join(dir, '.github', 'workflows', 'chaosgate.yml'), 'utf8');
    expect(workflow).toContain('      - uses: acme/chaosgate@v1\n');
    expect(workflow).not.toMatch(/\{\{[A-Z_]+\}\}/);
  });

  it('--driver locust: a locustfile instead of the k6 script, its config loads with Locust profiles, the workflow installs the pinned Locust', async () => {
    const res = await initProject({ dir, serviceUrl: 'http://127.0.0.1:9123', driver: 'locust' });
    expect(res.written).toEqual(INIT_DRIVERS.locust.files.map((f) => join(dir, f.target)));
    expect(existsSync(join(dir, 'k6'))).toBe(false);
    const config = await loadConfig({ file: join(dir, 'chaosgate.config.json') });
    expect(Object.keys(config.profiles)).toEqual(['smoke', 'chaos', 'soak']);
    for (const p of Object.values(config.profiles)) {
      expect(p.locustfile).toBe('locust/locustfile.py');
      expect(p.script).toBeUndefined();
      expect(p.locust).toMatchObject({ users: 10, spawnRate: 10, workers: 0 });
      expect(p.duration).toBeDefined();
    }
    expect(config.profiles.chaos!.plan).toHaveLength(2);
    expect(config.profiles.smoke!.gates!.map((g) => g.metric)).toContain('locust_user_errors');
    const locustfile = readFileSync(join(dir, 'locust', 'locustfile.py'), 'utf8');
    expect(locustfile).toContain('os.environ.get("CHAOSGATE_URL_WEB", "http://127.0.0.1:9123")');
    const workflow = readFileSync(join(dir, '.github', 'workflows', 'chaosgate.yml'), 'utf8');
    expect(workflow).toContain(`      - run: pip install locust==${pins.locust}\n`);
    expect(workflow.indexOf('pip install locust')).toBeLessThan(workflow.indexOf(`uses: ${ACTION_PLACEHOLDER}`));
    await expect(initProject({ dir: join(dir, 'x'), driver: 'gatling' as never })).rejects.toThrow('--driver gatling: one of k6, locust');
  });

  it('--stack django-celery: the Celery probe, drain, the whole worker paused, a workflow that starts Redis, the app and the worker', async () => {
    const res = await initProject({ dir, stack: 'django-celery' });
    expect(res.written).toEqual(['chaosgate.config.json', 'k6/chaosgate.ts', '.github/workflows/chaosgate.yml'].map((f) => join(dir, f)));
    const config = await loadConfig({ file: join(dir, 'chaosgate.config.json') });
    expect(config.services.web).toMatchObject({ url: 'http://127.0.0.1:8000', ready: { timeout: '60s' } });
    expect(config.probes.list).toMatchObject([{ kind: 'celery-redis', id: 'ingestion', queue: 'ingestion' }]);
    expect(Object.values(config.profiles).every((p) => p.drain)).toBe(true);
    expect(config.profiles.chaos!.plan).toMatchObject([{ kind: 'process-pause', target: 'celery-worker.pid', params: { tree: true } }]);
    const workflow = readFileSync(join(dir, '.github', 'workflows', 'chaosgate.yml'), 'utf8');
    expect(workflow).toContain('image: redis:7');
    expect(workflow).toContain('--pidfile celery-worker.pid');
    expect(workflow).toContain('npx chaosgate "${args[@]}"');
    for (const f of ['samples.ndjson', 'chaos-events.jsonl', 'k6.ndjson.gz']) expect(workflow).toContain(`/${f}`);
    expect(workflow).not.toMatch(/\{\{[A-Z_]+\}\}/);
    expect(await usageError(initProject({ dir: join(dir, 'x'), stack: 'rails' }))).toBe('--stack rails: one of generic, django-celery');
  });

  it('defaults: http://127.0.0.1:8000 and the placeholder action', async () => {
    const res = await initProject({ dir });
    expect(res).toMatchObject({ serviceUrl: 'http://127.0.0.1:8000', action: ACTION_PLACEHOLDER });
    expect(readFileSync(join(dir, '.github', 'workflows', 'chaosgate.yml'), 'utf8')).toContain(`uses: ${ACTION_PLACEHOLDER}`);
  });

  it('refuses when any file exists, naming only those, and writes none of the others', async () => {
    mkdirSync(join(dir, 'k6'));
    writeFileSync(join(dir, 'k6', 'chaosgate.ts'), 'mine');
    expect(await usageError(initProject({ dir }))).toBe(`init: refusing to overwrite ${join(dir, 'k6', 'chaosgate.ts')} (move them away, or --force)`);
    expect(readFileSync(join(dir, 'k6', 'chaosgate.ts'), 'utf8')).toBe('mine');
    expect(existsSync(join(dir, 'chaosgate.config.json'))).toBe(false);
    expect(existsSync(join(dir, '.github'))).toBe(false);
  });

  it('--force overwrites', async () => {
    writeFileSync(join(dir, 'chaosgate.config.json'), '{}');
    await initProject({ dir, force: true });
    expect(JSON.parse(readFileSync(join(dir, 'chaosgate.config.json'), 'utf8')).services.web.url).toBe('http://127.0.0.1:8000');
  });

  it('refuses an --action that is not owner/repo@ref or ./path', async () => {
    expect(await usageError(initProject({ dir, action: 'acme/chaosgate' }))).toBe('--action acme/chaosgate: must be owner/repo@ref, owner/repo/path@ref or ./path');
    expect(await usageError(initProject({ dir, action: 'a/b@v1; rm -rf /' }))).toMatch(/^--action /);
    await initProject({ dir, action: './.github/actions/chaosgate' });
  });
});
