// The rendered TestRun validates against the vendored TestRun CRD schema of k6-operator v1.6.0
// (made strict as kubectl's field validation is); an unknown field fails it. The runners' arguments
// are those the operator gives.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../lib/tools.js';
import { restrictedViolations } from '../test/support/pod-security.js';
import { MAX_SCRIPT_BYTES, renderClusterRun, runnerSegmentArgs, strictSchema, TESTRUN_SCHEMA_FILE, type ClusterRunOptions } from './render.js';

const vendored = JSON.parse(readFileSync(join(projectRoot, TESTRUN_SCHEMA_FILE), 'utf8')) as Record<string, unknown>;
const validate = new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(strictSchema(vendored) as object);

const scriptText = 'export default function () {}\n';
const opts: ClusterRunOptions = {
  name: 'checkout-load',
  namespace: 'perf',
  parallelism: 4,
  scriptPath: 'k6/checkout.ts',
  shipped: { kind: 'script', file: 'checkout.ts', text: scriptText },
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
    const [cm] = run.script as Array<Record<string, any>>;
    const [pvc, last] = run.run as Array<Record<string, any>>;
    expect(last!.kind).toBe('TestRun'); // the TestRun starts the run: applied last
    expect(cm!.kind).toBe('ConfigMap');
    expect(cm!.data).toEqual({ 'checkout.ts': scriptText });
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
    const refused: Array<[Partial<ClusterRunOptions>, RegExp]> = [
      [{ name: 'Checkout_Load' }, /--name "Checkout_Load"/],
      [{ name: '1checkout' }, /--name "1checkout": must start with a lower-case letter/], // the operator's Services are DNS-1035 labels
      [{ name: 'checkout-' }, /--name "checkout-"/],
      [{ name: 'a'.repeat(41) }, /at most 40/],
      [{ namespace: 'Perf' }, /--namespace "Perf"/],
      [{ namespace: 'p'.repeat(64) }, /--namespace/],
      [{ parallelism: 0 }, /--parallelism 0/],
      [{ parallelism: 1001 }, /--parallelism 1001/],
      [{ parallelism: 2.5 }, /--parallelism 2\.5/],
      [{ storage: '5GB' }, /--storage "5GB": not a Kubernetes quantity/],
      [{ storage: '1 Gi' }, /--storage "1 Gi"/],
      [{ storage: '1gi' }, /--storage "1gi"/],
      [{ storage: '0' }, /--storage "0"/],
      [{ storage: '-1Gi' }, /--storage "-1Gi"/],
      [{ storageClassName: 'NFS_fast' }, /--storage-class "NFS_fast"/],
      [{ image: 'grafana/k6 1.8' }, /--image "grafana\/k6 1\.8"/],
      [{ collectorImage: '' }, /--collector-image ""/],
      [{ env: { K6_OUT: 'x' } }, /--env K6_OUT/],
      [{ env: { 'MY-VAR': 'x' } }, /--env MY-VAR/],
      [{ k6Args: ['--out', 'json=x.json'] }, /k6 argument --out/],
      [{ k6Args: ['-o', 'csv=x'] }, /k6 argument -o/],
      [{ shipped: { kind: 'script', file: 'my script.js', text: scriptText } }, /ConfigMap key/],
    ];
    for (const [change, message] of refused) expect(() => renderClusterRun({ ...opts, ...change }), JSON.stringify(change)).toThrow(message);
    for (const storage of ['1Gi', '500Mi', '5G', '1e9', '1.5Gi', '2Ti', '100k'])
      expect(renderClusterRun({ ...opts, storage }).run[0]).toMatchObject({ spec: { resources: { requests: { storage } } } });
    expect(() => renderClusterRun({ ...opts, storageClassName: 'fast.nfs-csi' })).not.toThrow();
  });

  it('the script payload may be 1 MiB exactly (what the API server allows a ConfigMap), not a byte more', () => {
    const at = renderClusterRun({ ...opts, shipped: { kind: 'script', file: 'big.js', text: 'x'.repeat(MAX_SCRIPT_BYTES) } });
    expect(((at.script[0] as any).data['big.js'] as string).length).toBe(1024 * 1024);
    expect(() => renderClusterRun({ ...opts, shipped: { kind: 'script', file: 'big.js', text: 'x'.repeat(MAX_SCRIPT_BYTES + 1) } })).toThrow(
      /--script k6\/checkout\.ts: the script is 1048577 bytes; a ConfigMap holds at most 1048576/,
    );
    // Multi-byte text counts in bytes, as the API server counts it.
    expect(() => renderClusterRun({ ...opts, shipped: { kind: 'script', file: 'big.js', text: 'é'.repeat(MAX_SCRIPT_BYTES / 2 + 1) } })).toThrow(/1048578 bytes/);
    const archive = Buffer.alloc(MAX_SCRIPT_BYTES + 1);
    expect(() => renderClusterRun({ ...opts, shipped: { kind: 'archive', file: 'big.tar', bytes: archive, script: 'big.js', packed: ['lib/a.js'] } })).toThrow(
      /its k6 archive \(the script and 1 files it reads\) is 1048577 bytes/,
    );
  });

  it('a k6 archive ships as binaryData and the TestRun names it as the test file', () => {
    const bytes = Buffer.from([0, 1, 2, 255, 0x75, 0x73]);
    const run = renderClusterRun({ ...opts, shipped: { kind: 'archive', file: 'checkout.tar', bytes, script: 'checkout.ts', packed: ['lib/a.ts'] } });
    const cm = run.script[0] as Record<string, any>;
    expect(cm.data).toBeUndefined();
    expect(Buffer.from(cm.binaryData['checkout.tar'], 'base64')).toEqual(bytes);
    const tr = testRunOf(run);
    expect(tr.spec.script).toEqual({ configMap: { name: 'checkout-load-script', file: 'checkout.tar' } });
    expect(validate(tr), JSON.stringify(validate.errors)).toBe(true);
  });

  it('every pod of the run passes the restricted Pod Security level', () => {
    const run = renderClusterRun(opts);
    const collector = (run.collect[0] as Record<string, any>).spec;
    expect(restrictedViolations(collector)).toEqual([]);
    const tr = testRunOf(run);
    // The pods k6-operator builds from the TestRun: the role's securityContext on the pod, its
    // containerSecurityContext on the k6 container, its volumes plus the script's ConfigMap.
    for (const role of ['runner', 'initializer', 'starter'] as const) {
      const spec = tr.spec[role];
      const pod = {
        securityContext: spec.securityContext,
        containers: [{ name: 'k6', image: spec.image ?? 'operator-default', securityContext: spec.containerSecurityContext }],
        volumes: [...(spec.volumes ?? []), { name: 'k6-test-volume', configMap: { name: 'checkout-load-script' } }],
      };
      expect(restrictedViolations(pod), role).toEqual([]);
    }
    expect(tr.spec.runner.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 12345, runAsGroup: 12345, fsGroup: 12345, seccompProfile: { type: 'RuntimeDefault' } });
    expect(tr.spec.initializer.image).toBe(tr.spec.runner.image);
    // The checker itself: the collector as it was before (busybox as root, no securityContext) fails
    // on every restricted rule the issue named.
    const before = structuredClone(collector);
    delete before.securityContext;
    delete before.containers[0].securityContext;
    expect(restrictedViolations(before)).toEqual([
      'containers[0].securityContext.allowPrivilegeEscalation: must be false',
      "containers[0].securityContext.runAsNonRoot: must be true (here or in the pod's securityContext)",
      "containers[0].securityContext.seccompProfile: RuntimeDefault or Localhost must be set (here or in the pod's securityContext)",
      'containers[0].securityContext.capabilities.drop: must include ALL',
    ]);
    const rooted = structuredClone(collector);
    rooted.securityContext.runAsUser = 0;
    rooted.hostNetwork = true;
    rooted.volumes.push({ name: 'h', hostPath: { path: '/' } });
    rooted.containers[0].securityContext = { ...rooted.containers[0].securityContext, privileged: true, capabilities: { drop: ['ALL'], add: ['SYS_ADMIN'] } };
    expect(restrictedViolations(rooted)).toEqual(
      expect.arrayContaining([
        'securityContext.runAsUser: must not be 0',
        'hostNetwork: must not be true',
        'volumes[h]: hostPath is not allowed',
        'volumes[h]: volume type hostPath is not allowed',
        'containers[0].securityContext.privileged: must not be true',
        'containers[0].securityContext.capabilities.add: SYS_ADMIN is not allowed (baseline)',
      ]),
    );
  });

  it('gives runner i of N the arguments k6-operator gives it', () => {
    expect(runnerSegmentArgs(1, 3)).toEqual(['--execution-segment=0:1/3', '--execution-segment-sequence=0,1/3,2/3,1', '--tag', 'instance_id=1']);
    expect(runnerSegmentArgs(2, 3)).toEqual(['--execution-segment=1/3:2/3', '--execution-segment-sequence=0,1/3,2/3,1', '--tag', 'instance_id=2']);
    expect(runnerSegmentArgs(3, 3)).toEqual(['--execution-segment=2/3:1', '--execution-segment-sequence=0,1/3,2/3,1', '--tag', 'instance_id=3']);
    expect(runnerSegmentArgs(1, 1)).toEqual(['--execution-segment=0:1', '--execution-segment-sequence=0,1', '--tag', 'instance_id=1']);
    expect(() => runnerSegmentArgs(4, 3)).toThrow(/1\.\.3/);
  });
});
