// kubeconform -strict over what `chaosgate k8s render` writes, in every shape it takes: the TestRun
// against the vendored k6-operator v1.6.0 CRD schema (made strict), ConfigMap, PersistentVolumeClaim
// and Pod against strict schemas generated from Kubernetes' own OpenAPI v3 document (scripts/setup.sh
// builds kubeconform and the schemas into tools/; nothing is downloaded here). Planted mistakes
// show kubeconform refuses what the API server would.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SCRIPT_BYTES, strictSchema, TESTRUN_SCHEMA_FILE } from '../../k8s/render.js';
import { pins, projectRoot, requireTool } from '../../lib/tools.js';
import { bundleCli, runCli, type CliBundle } from '../support/cli-bundle.js';

/** scripts/setup.sh writes the generated schemas here (CHAOSGATE_K8S_SCHEMAS overrides, for a build elsewhere). */
const schemasDir = process.env.CHAOSGATE_K8S_SCHEMAS ?? join(projectRoot, 'tools', 'k8s-schemas');

let bundle: CliBundle;
let dir: string;
let kubeconform: string;
let crdDir: string;
beforeAll(async () => {
  kubeconform = requireTool('kubeconform');
  if (!existsSync(join(schemasDir, 'pod-v1.json'))) throw new Error(`no Kubernetes JSON schemas in ${schemasDir}: run \`npm run setup\` first`);
  expect((await readFile(join(schemasDir, '.version'), 'utf8')).trim()).toBe(pins.kubernetesSchemas);
  bundle = await bundleCli('kubeconform');
  dir = await mkdtemp(join(tmpdir(), 'chaosgate-kubeconform-'));
  // kubeconform's file layout for k6.io/v1alpha1 TestRun: testrun-k6-v1alpha1.json.
  crdDir = join(dir, 'crd');
  await mkdir(crdDir);
  const vendored = JSON.parse(await readFile(join(projectRoot, TESTRUN_SCHEMA_FILE), 'utf8'));
  await writeFile(join(crdDir, 'testrun-k6-v1alpha1.json'), JSON.stringify(strictSchema(vendored)));
}, 120_000);
afterAll(async () => {
  await bundle?.remove();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Result {
  filename: string;
  kind: string;
  name: string;
  status: string;
  msg: string;
}

function runKubeconform(files: string[]): { code: number | null; resources: Result[]; summary: Record<string, number>; stderr: string } {
  const r = spawnSync(
    kubeconform,
    [
      '-strict',
      '-summary',
      '-verbose',
      '-output',
      'json',
      '-schema-location',
      join(schemasDir, '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
      '-schema-location',
      join(crdDir, '{{ .ResourceKind }}{{ .KindSuffix }}.json'),
      ...files,
    ],
    { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  const out = JSON.parse(r.stdout) as { resources: Result[]; summary: Record<string, number> };
  return { code: r.status, resources: out.resources, summary: out.summary, stderr: r.stderr };
}

const variants: Array<{ name: string; script: [string, string]; args: string[]; extra?: Record<string, string> }> = [
  { name: 'p1', script: ['load.js', 'export default function () {}\n'], args: ['--parallelism', '1'] },
  {
    name: 'p4',
    script: ['load.js', "import http from 'k6/http';\nexport default function () { http.get(__ENV.BASE_URL); }\n"],
    args: [
      '--parallelism',
      '4',
      '--namespace',
      'perf',
      '--storage-class',
      'nfs-csi.example.com',
      '--storage',
      '5Gi',
      '--env',
      'BASE_URL=http://shop.perf.svc:8080',
      '--env',
      'TOKEN_HINT=none',
      '--image',
      'registry.example.com/k6:1.8.1',
      '--collector-image',
      'busybox:1.36.1',
      '--',
      '--vus',
      '40',
      '--duration',
      '5m',
      '--tag',
      'team=shop',
    ],
  },
  { name: 'p16', script: ['load.js', 'export default function () {}\n'], args: ['--parallelism', '16', '--namespace', 'load-tests', '--', '--vus', '64', '--iterations', '640'] },
  {
    name: 'ts',
    script: ['load.ts', "interface Hit { path: string }\nconst hit: Hit = { path: '/' };\nexport default function (): void { void hit.path; }\n"],
    args: ['--parallelism', '2'],
  },
  {
    name: 'multi',
    script: ['load.js', "import { x } from './lib/helpers.js';\nconst rows = open('./rows.csv');\nexport default function () { void x; void rows; }\n"],
    extra: { 'lib/helpers.js': 'export const x = 1;\n', 'rows.csv': 'a,b\n1,2\n' },
    args: ['--parallelism', '3', '--namespace', 'perf'],
  },
  {
    // The ConfigMap's payload 64 bytes under the 1 MiB the API server allows.
    name: 'near-limit',
    script: ['big.js', ''],
    args: ['--parallelism', '2'],
  },
];

describe('kubeconform -strict over rendered manifests', () => {
  it('every variant renders and every object validates', async () => {
    const files: string[] = [];
    for (const v of variants) {
      const src = join(dir, `src-${v.name}`);
      await mkdir(join(src, 'lib'), { recursive: true });
      let text = v.script[1];
      if (v.name === 'near-limit') {
        const head = 'export default function () {}\n// ';
        text = head + 'x'.repeat(MAX_SCRIPT_BYTES - 64 - head.length - 1) + '\n';
      }
      await writeFile(join(src, v.script[0]), text);
      for (const [f, t] of Object.entries(v.extra ?? {})) await writeFile(join(src, f), t);
      const out = join(dir, `out-${v.name}`);
      const r = await runCli(bundle.cli, ['k8s', 'render', '--script', join(src, v.script[0]), '--name', `run-${v.name}`, '--out', out, ...v.args], { timeoutMs: 120_000 });
      expect(r.code, `${v.name}: ${r.stderr}`).toBe(0);
      if (v.name === 'multi') expect(r.stdout).toMatch(/a k6 archive load\.tar/);
      if (v.name === 'near-limit') expect(r.stdout).toContain(`${MAX_SCRIPT_BYTES - 64} of at most ${MAX_SCRIPT_BYTES} bytes`);
      files.push(join(out, 'script.yaml'), join(out, 'run.yaml'), join(out, 'collect.yaml'));
    }
    const k = runKubeconform(files);
    const bad = k.resources.filter((r) => r.status !== 'statusValid');
    expect(bad, JSON.stringify(bad, null, 1)).toEqual([]);
    expect(k.code, k.stderr).toBe(0);
    // ConfigMap, PersistentVolumeClaim, TestRun and Pod of each variant: none skipped.
    expect(k.summary).toMatchObject({ valid: 4 * variants.length, invalid: 0, errors: 0, skipped: 0 });
    expect(new Set(k.resources.map((r) => r.kind))).toEqual(new Set(['ConfigMap', 'PersistentVolumeClaim', 'TestRun', 'Pod']));
  }, 300_000);

  it('refuses planted mistakes of each kind', async () => {
    const out = join(dir, 'out-p4');
    const planted: Array<[string, string, (s: string) => string, RegExp]> = [
      [
        'unknown-pod-field.yaml',
        'collect.yaml',
        (s) => s.replace('restartPolicy: Never', 'restartPolicy: Never\n  restartPolicyy: Never'),
        /additional properties 'restartPolicyy'/,
      ],
      ['wrong-type.yaml', 'collect.yaml', (s) => s.replace(/readOnly: true/g, 'readOnly: "yes"'), /readOnly': got string, want boolean/],
      ['storage-array.yaml', 'run.yaml', (s) => s.replace('storage: 5Gi', 'storage: [5Gi]'), /requests\/storage/],
      ['misspelt-kind.yaml', 'script.yaml', (s) => s.replace('kind: ConfigMap', 'kind: ConfigMapp'), /could not find schema for ConfigMapp/],
      ['testrun-typo.yaml', 'run.yaml', (s) => s.replace('  parallelism: 4', '  paralelism: 4'), /additional properties 'paralelism'/],
      ['unknown-cm-field.yaml', 'script.yaml', (s) => s.replace(/^data:/m, 'dataa:'), /additional properties 'dataa'/],
    ];
    for (const [name, from, change, message] of planted) {
      const original = await readFile(join(out, from), 'utf8');
      const changed = change(original);
      expect(changed, name).not.toBe(original);
      const file = join(dir, name);
      await writeFile(file, changed);
      const k = runKubeconform([file]);
      expect(k.code, name).toBe(1);
      const failed = k.resources.filter((r) => r.status !== 'statusValid');
      expect(failed.length, name).toBe(1);
      expect(failed[0]!.msg, name).toMatch(message);
    }
  }, 120_000);
});
