// The locustfile check before any load (real Python, real Locust): syntax and import errors named
// file:line, no User class, and a LoadTestShape's planned length from its own ticks; then a run
// shaped by it (no users/runTime in the profile) ends as planned and passes.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../lib/errors.js';
import { initProject } from '../../lib/init-project.js';
import { checkLocustfile } from '../../load/locust-runner.js';
import { reportSchema } from '../../model/report.js';
import { bundleCli, type CliBundle } from '../support/cli-bundle.js';
import { startLoopbackHttp, type LoopbackHttp } from '../support/servers.js';

const SHAPED = `
import os
from locust import HttpUser, LoadTestShape, task, constant_throughput

class Web(HttpUser):
    host = os.environ.get("CHAOSGATE_URL_WEB", "http://127.0.0.1:9")
    wait_time = constant_throughput(4)

    @task
    def page(self):
        self.client.get("/")

class Spike(LoadTestShape):
    stages = [(3, 1, 1), (6, 3, 3), (8, 1, 3)]

    def tick(self):
        t = self.get_run_time()
        for end, users, rate in self.stages:
            if t < end:
                return (users, rate)
        return None
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-locust-check-'));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function check(name: string, text: string, env: Record<string, string> = {}) {
  const file = join(dir, name);
  await writeFile(file, text);
  return checkLocustfile(file, env);
}

async function problem(name: string, text: string): Promise<string> {
  const err = await check(name, text).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  return (err as Error).message;
}

describe('the locustfile check', () => {
  it("finds the User classes and a LoadTestShape's length by its ticks", async () => {
    expect(await check('shaped.py', SHAPED)).toEqual({ users: ['Web'], shape: 'Spike', shapeUsesCommonOptions: false, shapeMs: 8000, shapeNote: null });
    const plain = await check('plain.py', 'from locust import HttpUser, task\nclass A(HttpUser):\n    host = "http://x"\n    @task\n    def t(self): pass\n');
    expect(plain).toMatchObject({ users: ['A'], shape: null, shapeMs: null });
  }, 60_000);

  it('a shape whose tick needs a running test: length unknown, with the reason', async () => {
    const text = [
      'from locust import HttpUser, LoadTestShape, task',
      'class A(HttpUser):',
      '    host = "http://x"',
      '    @task',
      '    def t(self): pass',
      'class Live(LoadTestShape):',
      '    def tick(self):',
      '        return (self.get_current_user_count() + 1, 1)',
      '',
    ].join('\n');
    const info = await check('live.py', text);
    expect(info.shape).toBe('Live');
    expect(info.shapeMs).toBeNull();
    expect(info.shapeNote).toMatch(/raised AttributeError outside a run/);
  }, 60_000);

  it('names file:line of a syntax error, an import that raises, and a locustfile without users', async () => {
    expect(await problem('syntax.py', 'from locust import HttpUser\n\nclass A(HttpUser)\n    pass\n')).toBe(
      `locustfile ${join(dir, 'syntax.py')}:3: SyntaxError: expected ':' (no load was started)`,
    );
    expect(await problem('raises.py', 'import os\nfrom locust import HttpUser\nURL = os.environ["CHAOSGATE_URL_NOPE"]\n')).toBe(
      `locustfile ${join(dir, 'raises.py')}:3: importing the locustfile raised KeyError: 'CHAOSGATE_URL_NOPE' (no load was started)`,
    );
    expect(await problem('empty.py', 'x = 1\n')).toBe(`${join(dir, 'empty.py')}: the locustfile defines no User class (no load was started)`);
  }, 60_000);

  it("`init --driver locust`'s locustfile loads in Locust", async () => {
    const to = join(dir, 'init');
    await initProject({ dir: to, driver: 'locust' });
    expect(await checkLocustfile(join(to, 'locust', 'locustfile.py'), {})).toMatchObject({ users: ['WebUser'], shape: null });
  }, 60_000);

  it('a Python without Locust: exit 2 with how to install it', async () => {
    const file = join(dir, 'plain2.py');
    await writeFile(file, 'x = 1\n');
    const err = await checkLocustfile(file, { CHAOSGATE_PYTHON: '/nonexistent/python3' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/\/nonexistent\/python3 cannot start \(ENOENT\): install it with `pip install locust==\d+\.\d+\.\d+`/);
  });
});

describe('a run shaped by a LoadTestShape', () => {
  let cli: CliBundle;
  let web: LoopbackHttp;
  beforeAll(async () => {
    [cli, web] = await Promise.all([bundleCli('locust-shape'), startLoopbackHttp((_req, res) => res.end('ok\n'))]);
  }, 60_000);
  afterAll(async () => {
    await web?.close();
    await cli?.remove();
  });

  it('takes users and length from the shape: planned 8 s, ends as planned, passes', async () => {
    await writeFile(join(dir, 'shaped.py'), SHAPED);
    const config = {
      services: { web: { url: web.url } },
      chaos: { journal: join(dir, 'journal.json') },
      profiles: { shaped: { locustfile: 'shaped.py', gates: [{ id: 'errors', metric: 'http_req_failed', expression: 'rate<0.01' }] } },
    };
    await writeFile(join(dir, 'chaosgate.config.json'), JSON.stringify(config));
    const out = join(dir, 'run-shaped');
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [cli.cli, 'run', 'shaped', '--out-dir', out], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, stderr });
      });
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('locust: Web shaped by Spike');
    expect(r.stderr).toMatch(/for ~8 s/);
    const report = reportSchema.parse(JSON.parse(await readFile(join(out, 'report.json'), 'utf8')));
    expect(report.partial).toBe(false);
    expect(report.totals.perMetric.http_reqs).toBeGreaterThan(10);
  }, 120_000);
});
