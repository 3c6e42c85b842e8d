// `chaosgate k8s render` as a user runs it: YAML files whose TestRun validates against the vendored
// k6-operator v1.6.0 CRD schema; bad options exit 2, an unreadable script exits 3. A script that
// imports local modules ships as a k6 archive, and the operator's initializer step (`k6 archive` of
// the shipped file, then `k6 inspect --execution-requirements`) and a runner's `k6 run` of it work
// with the real k6 from a folder holding nothing but what the ConfigMap holds.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runnerSegmentArgs, strictSchema, TESTRUN_SCHEMA_FILE } from '../../k8s/render.js';
import { loadSectionSchema } from '../../load/config.js';
import { buildScenarioConfig } from '../../load/scenario-config.js';
import { k6Env, projectRoot, toolPath } from '../../lib/tools.js';
import { bundleCli, runCli, type CliBundle } from '../support/cli-bundle.js';

let bundle: CliBundle;
let dir: string;
beforeAll(async () => {
  bundle = await bundleCli('k8s');
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-k8s-'));
});
afterAll(async () => {
  await bundle.remove();
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[], env?: NodeJS.ProcessEnv) => runCli(bundle.cli, args, { env, timeoutMs: 120_000 });

const yamlDocs = async (file: string) =>
  parseAllDocuments(await readFile(file, 'utf8'))
    .map((d) => d.toJS() as Record<string, any>)
    .filter((d) => d !== null);

/**
 * What a pod of the run sees: the ConfigMap's keys as files in one folder (k6-operator mounts it at
 * /test; here a fresh temp folder), decoded as the kubelet decodes binaryData.
 */
async function mountConfigMap(cm: Record<string, any>): Promise<string> {
  const mount = await mkdtemp(join(tmpdir(), 'chaosgate-k8s-mount-'));
  for (const [key, text] of Object.entries((cm.data ?? {}) as Record<string, string>)) await writeFile(join(mount, key), text);
  for (const [key, b64] of Object.entries((cm.binaryData ?? {}) as Record<string, string>)) await writeFile(join(mount, key), Buffer.from(b64, 'base64'));
  return mount;
}

const k6 = (args: string[], env: Record<string, string>, cwd: string) =>
  spawnSync(toolPath.k6, args, { cwd, encoding: 'utf8', timeout: 90_000, env: k6Env(env), stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * k6-operator v1.6.0's initializer (pkg/resources/jobs/initializer.go): `mkdir -p $(dirname A) &&
 * k6 archive <script> -O A <args> && k6 inspect --execution-requirements A`, failed by any
 * `level=error` line; with the runner's environment. A is /tmp/<file>.archived.tar.
 */
function initializer(mount: string, file: string, args: string[], env: Record<string, string>, tmp: string): { ok: boolean; output: string; inspect: string } {
  const archived = join(tmp, `${file}.archived.tar`);
  const a = k6(['archive', join(mount, file), '-O', archived, ...args], env, tmp);
  if (a.status !== 0 || /level=error/.test(a.stderr)) return { ok: false, output: a.stderr + a.stdout, inspect: '' };
  const i = k6(['inspect', '--execution-requirements', archived], env, tmp);
  return { ok: i.status === 0 && !/level=error/.test(i.stderr), output: i.stderr, inspect: i.stdout };
}

describe('chaosgate k8s render', () => {
  it('writes run.yaml and collect.yaml; the TestRun validates against the CRD schema', async () => {
    const script = join(dir, 'load.js');
    await writeFile(script, "import http from 'k6/http';\nexport default function () { http.get(__ENV.BASE_URL); }\n");
    const out = join(dir, 'manifests');
    const r = await cli([
      'k8s',
      'render',
      '--script',
      script,
      '--name',
      'shop',
      '--parallelism',
      '3',
      '--out',
      out,
      '--env',
      'BASE_URL=http://shop:80',
      '--',
      '--vus',
      '30',
      '--duration',
      '2m',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const [cm] = await yamlDocs(join(out, 'script.yaml'));
    const docs = await yamlDocs(join(out, 'run.yaml'));
    expect(cm!.kind).toBe('ConfigMap');
    expect(docs.map((d) => d.kind)).toEqual(['PersistentVolumeClaim', 'TestRun']);
    const schema = strictSchema(JSON.parse(await readFile(join(projectRoot, TESTRUN_SCHEMA_FILE), 'utf8')));
    const validate = new Ajv({ strict: false, validateFormats: false }).compile(schema as object);
    const testRun = docs[1]!;
    expect(validate(testRun), JSON.stringify(validate.errors)).toBe(true);
    expect(testRun.spec.parallelism).toBe(3);
    expect(testRun.spec.args).toEqual(['--vus', '30', '--duration', '2m']);
    // One file, nothing imported: it ships as itself, readable.
    expect(cm!.data).toEqual({ 'load.js': await readFile(script, 'utf8') });
    expect(r.stdout).toMatch(/ConfigMap: the script as load\.js/);
    const collect = parseAllDocuments(await readFile(join(out, 'collect.yaml'), 'utf8'))
      .map((d) => d.toJS() as Record<string, any>)
      .filter((d) => d !== null);
    expect(collect.map((d) => d.kind)).toEqual(['Pod']);
    expect(collect[0]!.metadata.name).toBe('shop-collect');
  });

  it('bad options exit 2 naming the option; a missing script exits 3', async () => {
    const script = join(dir, 'ok.js');
    await writeFile(script, 'export default function () {}\n');
    const badName = await cli(['k8s', 'render', '--script', script, '--name', 'Bad_Name', '--parallelism', '2', '--out', dir]);
    expect(badName.code).toBe(2);
    expect(badName.stderr).toMatch(/--name "Bad_Name"/);
    const badN = await cli(['k8s', 'render', '--script', script, '--name', 'ok', '--parallelism', 'two', '--out', dir]);
    expect(badN.code).toBe(2);
    expect(badN.stderr).toMatch(/parallelism/);
    const missing = await cli(['k8s', 'render', '--script', join(dir, 'nope.js'), '--name', 'ok', '--parallelism', '2', '--out', dir]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/nope\.js: ENOENT/);
    const badStorage = await cli(['k8s', 'render', '--script', script, '--name', 'ok', '--parallelism', '2', '--out', dir, '--storage', '5GB']);
    expect(badStorage.code).toBe(2);
    expect(badStorage.stderr).toMatch(/--storage "5GB": not a Kubernetes quantity/);
  });

  it('a script with local imports ships as a k6 archive; the initializer step and a runner run it from the ConfigMap alone', async () => {
    const src = await mkdtemp(join(tmpdir(), 'chaosgate-k8s-src-'));
    await mkdir(join(src, 'lib'));
    await writeFile(join(src, 'helpers.js'), "import { factor } from './lib/factor.js';\nexport const scaled = (n) => n * factor;\n");
    await writeFile(join(src, 'lib', 'factor.js'), 'export const factor = Number(__ENV.FACTOR);\n');
    await writeFile(join(src, 'users.json'), JSON.stringify([{ name: 'ada' }, { name: 'bob' }]));
    await writeFile(
      join(src, 'load.js'),
      [
        "import { Counter } from 'k6/metrics';",
        "import { scaled } from './helpers.js';",
        "const users = JSON.parse(open('./users.json'));",
        "const marks = new Counter('helper_marks');",
        'export default function () { marks.add(scaled(users.length)); }',
        '',
      ].join('\n'),
    );
    const out = join(dir, 'multi');
    const r = await cli([
      'k8s',
      'render',
      '--script',
      join(src, 'load.js'),
      '--name',
      'multi',
      '--parallelism',
      '2',
      '--out',
      out,
      '--env',
      'FACTOR=7',
      '--',
      '--vus',
      '2',
      '--iterations',
      '4',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/a k6 archive load\.tar of load\.js with 3 file\(s\) it reads: (?=.*helpers\.js)(?=.*lib\/factor\.js)(?=.*users\.json)/);
    const [cm] = await yamlDocs(join(out, 'script.yaml'));
    expect(Object.keys(cm!.binaryData)).toEqual(['load.tar']);
    const [, testRun] = await yamlDocs(join(out, 'run.yaml'));
    expect(testRun!.spec.script.configMap.file).toBe('load.tar');
    // Nothing left but what the ConfigMap holds: the source folder is gone.
    await rm(src, { recursive: true, force: true });
    const mount = await mountConfigMap(cm!);
    const tmp = await mkdtemp(join(tmpdir(), 'chaosgate-k8s-pod-'));
    try {
      const env = Object.fromEntries(
        (testRun!.spec.runner.env as Array<{ name: string; value?: string }>).filter((e) => e.value !== undefined && e.name !== 'K6_OUT').map((e) => [e.name, e.value!]),
      );
      expect(env).toEqual({ FACTOR: '7' });
      const init = initializer(mount, 'load.tar', testRun!.spec.args, env, tmp);
      expect(init.ok, init.output).toBe(true);
      expect(JSON.parse(init.inspect)).toMatchObject({ maxVUs: 2 });
      // Runner 1 of 2 as the operator starts it, writing its gzip NDJSON where K6_OUT says.
      const output = join(tmp, 'results', 'multi-1.ndjson.gz');
      await mkdir(dirname(output), { recursive: true });
      const run = k6(['run', '--quiet', join(mount, 'load.tar'), ...runnerSegmentArgs(1, 2), ...testRun!.spec.args], { ...env, K6_OUT: `json=${output}` }, tmp);
      expect(run.status, run.stderr).toBe(0);
      const marks = gunzipSync(await readFile(output))
        .toString('utf8')
        .split('\n')
        .filter((l) => l.includes('"metric":"helper_marks"') && l.includes('"type":"Point"'))
        .map((l) => JSON.parse(l).data.value as number);
      // Half of the 4 iterations (one of the 2 VUs) on this runner, each adding 2 users × FACTOR 7 through both modules.
      expect(marks).toEqual([14, 14]);
    } finally {
      await rm(mount, { recursive: true, force: true });
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it("our own scenarios/chaos-smoke.ts (imports scenarios/lib/*, opens its config) passes the operator's initializer step", async () => {
    const cfgDir = await mkdtemp(join(tmpdir(), 'chaosgate-k8s-cfg-'));
    const cfg = join(cfgDir, 'scenario.json');
    await writeFile(cfg, JSON.stringify(buildScenarioConfig(loadSectionSchema.parse({ baseUrl: 'http://checkout.perf.svc:8080' }))));
    const out = join(dir, 'smoke');
    const r = await cli([
      'k8s',
      'render',
      '--script',
      join(projectRoot, 'scenarios', 'chaos-smoke.ts'),
      '--name',
      'smoke',
      '--parallelism',
      '4',
      '--out',
      out,
      '--env',
      `CHAOSGATE_SCENARIO_CONFIG=${cfg}`,
      '--env',
      'CHAOSGATE_REDIS_URL=redis://redis.perf.svc:6379',
    ]);
    expect(r.code, r.stderr).toBe(0);
    for (const mod of ['lib/config.ts', 'lib/endpoints.ts', 'lib/executors.ts', 'lib/journey.ts', 'lib/samplers.ts', 'lib/scenario-config.ts']) expect(r.stdout).toContain(mod);
    const [cm] = await yamlDocs(join(out, 'script.yaml'));
    const [, testRun] = await yamlDocs(join(out, 'run.yaml'));
    await rm(cfgDir, { recursive: true, force: true }); // packed: the pods never had it
    const mount = await mountConfigMap(cm!);
    const tmp = await mkdtemp(join(tmpdir(), 'chaosgate-k8s-pod-'));
    try {
      const env = Object.fromEntries((testRun!.spec.initializer.env as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]));
      const init = initializer(mount, testRun!.spec.script.configMap.file, [], env, tmp);
      expect(init.ok, init.output).toBe(true);
      expect(JSON.parse(init.inspect).maxVUs).toBeGreaterThan(1);
    } finally {
      await rm(mount, { recursive: true, force: true });
      await rm(tmp, { recursive: true, force: true });
    }
  });

  it('without a k6 a script with local imports is refused naming them; init code k6 cannot run is refused with what k6 said', async () => {
    const src = await mkdtemp(join(tmpdir(), 'chaosgate-k8s-src-'));
    try {
      await writeFile(join(src, 'helpers.js'), 'export const x = 1;\n');
      await writeFile(join(src, 'load.js'), "import { x } from './helpers.js';\nconst d = open('./data.csv');\nexport default function () {}\n");
      const noK6 = { ...process.env, CHAOSGATE_K6_BIN: join(src, 'no-k6') };
      const refused = await cli(['k8s', 'render', '--script', join(src, 'load.js'), '--name', 'x', '--parallelism', '2', '--out', join(src, 'o')], noK6);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/it reads other files \(\.\/helpers\.js, open\('\.\/data\.csv'\)\)/);
      await writeFile(join(src, 'one.js'), 'export default function () {}\n');
      const single = await cli(['k8s', 'render', '--script', join(src, 'one.js'), '--name', 'x', '--parallelism', '2', '--out', join(src, 'o')], noK6);
      expect(single.code, single.stderr).toBe(0);
      await writeFile(join(src, 'needs-env.js'), "if (!__ENV.TARGET) throw new Error('TARGET is not set');\nexport default function () {}\n");
      const initFails = await cli(['k8s', 'render', '--script', join(src, 'needs-env.js'), '--name', 'x', '--parallelism', '2', '--out', join(src, 'o')]);
      expect(initFails.code).toBe(2);
      expect(initFails.stderr).toMatch(/`k6 archive` \(what k6-operator's initializer runs\) failed: .*TARGET is not set/);
      // k6 inspect (the initializer's second step) refuses --iterations without --vus.
      const noVus = await cli(['k8s', 'render', '--script', join(src, 'one.js'), '--name', 'x', '--parallelism', '2', '--out', join(src, 'o'), '--', '--iterations', '4']);
      expect(noVus.code).toBe(2);
      expect(noVus.stderr).toMatch(/`k6 inspect --execution-requirements` \(what k6-operator's initializer runs\) failed: .*the number of VUs must be more than 0/);
    } finally {
      await rm(src, { recursive: true, force: true });
    }
  });
});
