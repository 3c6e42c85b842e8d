// The rendered TestRun validates against the vendored TestRun CRD schema of k6-operator v1.6.0
// (made strict as kubectl's field validation is); an unknown field fails it. The runners' arguments
// are those the operator gives.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../lib/tools.js';
import { renderClusterRun, runnerSegmentArgs, strictSchema, TESTRUN_SCHEMA_FILE } from './render.js';

const vendored = JSON.parse(readFileSync(join(projectRoot, TESTRUN_SCHEMA_FILE), 'utf8')) as Record<string, unknown>;
const validate = new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(strictSchema(vendored) as object);

const opts = {
  name: 'checkout-load',
  namespace: 'perf',
  parallelism: 4,
  scriptPath: 'k6/checkout.ts',
  scriptText: 'export default function () {}\n',
  k6Args: ['--vus', '40', '--duration', '5m'],
  env: { BASE_URL: 'http://checkout.perf.svc:8080' },
  storageClassName: 'nfs',
};

function testRunOf(run: ReturnType<typeof renderClusterRun>): Record<string, any> {
  return structuredClone(run.run.find((m) => m.kind === 'TestRun')!) as Record<string, any>;
}

describe('k8s render', () => {
  it('the vendored schema is the v1.6.0 TestRun CRD with its source noted', () => {
    expect(vendored.$comment).toMatch(/grafana\/k6-operator v1\.6\.0.*k6\.io_testruns\.yaml/);
    expect(Object.keys((vendored.properties as any).spec.properties)).toContain('parallelism');
  });

  it('renders a TestRun that validates against the CRD schema, and every manifest the run needs', () => {
    const run = renderClusterRun(opts);
    const tr = testRunOf(run);
    expect(validate(tr), JSON.stringify(validate.errors)).toBe(true);
    expect(tr).toMatchObject({ apiVersion: 'k6.io/v1alpha1', kind: 'TestRun', metadata: { name: 'checkout-load', namespace: 'perf' } });
    expect(tr.spec.parallelism).toBe(4);
    expect(tr.spec.args).toEqual(['--vus', '40', '--duration', '5m']);
    expect(tr.spec.script).toEqual({ configMap: { name: 'checkout-load-script', file: 'checkout.ts' } });
    const env = tr.spec.runner.env as Array<{ name: string; value?: string }>;
    expect(env.map((e) => e.name)).toEqual(['POD_NAME', 'K6_OUT', 'BASE_URL']); // POD_NAME before its use
    expect(env[1]!.value).toBe('json=/results/$(POD_NAME).ndjson.gz');
    expect(tr.spec.runner.volumeMounts).toEqual([{ name: 'results', mountPath: '/results' }]);
    expect(tr.spec.runner.volumes).toEqual([{ name: 'results', persistentVolumeClaim: { claimName: 'checkout-load-results' } }]);
    const [cm, pvc] = run.run as Array<Record<string, any>>;
    expect(cm!.kind).toBe('ConfigMap');
    expect(cm!.data).toEqual({ 'checkout.ts': opts.scriptText });
    expect(pvc!.kind).toBe('PersistentVolumeClaim');
    expect(pvc!.spec).toEqual({ accessModes: ['ReadWriteMany'], storageClassName: 'nfs', resources: { requests: { storage: '1Gi' } } });
    const pod = run.collect[0] as Record<string, any>;
    expect(pod.spec.volumes[0].persistentVolumeClaim).toEqual({ claimName: 'checkout-load-results', readOnly: true });
    expect(pod.spec.containers[0].command).toEqual(['sleep', '3600']);
  });

  it('a field the operator does not know fails the validation, at any depth', () => {
    const tr = testRunOf(renderClusterRun(opts));
    tr.spec.paralelism = tr.spec.parallelism; // a typo: unknown to the CRD
    delete tr.spec.parallelism;
    expect(validate(tr)).toBe(false);
    expect(JSON.stringify(validate.errors)).toMatch(/paralelism|parallelism/);
    const deep = testRunOf(renderClusterRun(opts));
    deep.spec.runner.volumeMounts[0].mountPth = '/x';
    expect(validate(deep)).toBe(false);
    expect(JSON.stringify(validate.errors)).toMatch(/mountPth/);
    const wrongType = testRunOf(renderClusterRun(opts));
    wrongType.spec.parallelism = '4';
    expect(validate(wrongType)).toBe(false);
  });

  it('refuses names and values Kubernetes would refuse, naming the option', () => {
    expect(() => renderClusterRun({ ...opts, name: 'Checkout_Load' })).toThrow(/--name "Checkout_Load"/);
    expect(() => renderClusterRun({ ...opts, parallelism: 0 })).toThrow(/--parallelism 0/);
    expect(() => renderClusterRun({ ...opts, env: { K6_OUT: 'x' } })).toThrow(/--env K6_OUT/);
  });

  it('gives runner i of N the arguments k6-operator gives it', () => {
    expect(runnerSegmentArgs(1, 3)).toEqual(['--execution-segment=0:1/3', '--execution-segment-sequence=0,1/3,2/3,1', '--tag', 'instance_id=1']);
    expect(runnerSegmentArgs(2, 3)).toEqual(['--execution-segment=1/3:2/3', '--execution-segment-sequence=0,1/3,2/3,1', '--tag', 'instance_id=2']);
    expect(runnerSegmentArgs(3, 3)).toEqual(['--execution-segment=2/3:1', '--execution-segment-sequence=0,1/3,2/3,1', '--tag', 'instance_id=3']);
    expect(runnerSegmentArgs(1, 1)).toEqual(['--execution-segment=0:1', '--execution-segment-sequence=0,1', '--tag', 'instance_id=1']);
    expect(() => runnerSegmentArgs(4, 3)).toThrow(/1\.\.3/);
  });
});
