// `chaosgate k8s render` as a user runs it: YAML files whose TestRun validates against the vendored
// k6-operator v1.6.0 CRD schema; bad options exit 2, an unreadable script exits 3.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { strictSchema, TESTRUN_SCHEMA_FILE } from '../../k8s/render.js';
import { projectRoot } from '../../lib/tools.js';
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

const cli = (args: string[]) => runCli(bundle.cli, args);

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
    const docs = parseAllDocuments(await readFile(join(out, 'run.yaml'), 'utf8'))
      .map((d) => d.toJS() as Record<string, any>)
      .filter((d) => d !== null);
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'PersistentVolumeClaim', 'TestRun']);
    const schema = strictSchema(JSON.parse(await readFile(join(projectRoot, TESTRUN_SCHEMA_FILE), 'utf8')));
    const validate = new Ajv({ strict: false, validateFormats: false }).compile(schema as object);
    const testRun = docs[2]!;
    expect(validate(testRun), JSON.stringify(validate.errors)).toBe(true);
    expect(testRun.spec.parallelism).toBe(3);
    expect(testRun.spec.args).toEqual(['--vus', '30', '--duration', '2m']);
    expect(docs[0]!.data['load.js']).toMatch(/http\.get/);
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
  });
});
