// What a cluster run with the real k6-operator needs (issue 12): the script as a ConfigMap, a
// ReadWriteMany volume for the runners' outputs, the TestRun (k6-operator v1.6.0, k6.io/v1alpha1)
// whose runners each write their own gzip NDJSON to it, and a collector pod to copy the outputs to
// the CI runner, where `chaosgate evaluate` (or evaluate --state + merge) gates them as one run.
// The operator gives runner i of N `--execution-segment=(i-1)/N:i/N`, the full sequence and
// `--tag instance_id=i`; it collects nothing itself.
import { basename } from 'node:path';

/** The k6-operator release whose TestRun CRD the manifests are written (and tested) against. */
export const K6_OPERATOR_VERSION = 'v1.6.0';
export const TESTRUN_API_VERSION = 'k6.io/v1alpha1';
/** The vendored openAPIV3Schema of that release's TestRun CRD (k8s/). */
export const TESTRUN_SCHEMA_FILE = 'k8s/k6-operator-v1.6.0-testrun.schema.json';
/** The k6 the project is tested with (tools/bin/k6): runners use the same release. */
export const DEFAULT_K6_IMAGE = 'grafana/k6:1.8.1';
export const DEFAULT_COLLECTOR_IMAGE = 'busybox:1.36';
/** The grafana/k6 image runs as uid/gid 12345: the results volume must be writable by that group. */
const K6_IMAGE_GID = 12345;
export const RESULTS_DIR = '/results';

export interface ClusterRunOptions {
  /** TestRun name; the ConfigMap, volume claim and collector are named after it. */
  name: string;
  namespace?: string;
  parallelism: number;
  /** The k6 script's file name and text (goes into the ConfigMap). */
  scriptPath: string;
  scriptText: string;
  /** Extra arguments to `k6 run` (spec.args: no shell, passed as they are). */
  k6Args?: string[];
  /** Extra environment for the runners (no secrets: use runner.envFrom with a Secret yourself). */
  env?: Record<string, string>;
  image?: string;
  collectorImage?: string;
  /** Size of the results volume claim. */
  storage?: string;
  /** A storage class offering ReadWriteMany (runners on several nodes write to it at once). */
  storageClassName?: string;
}

type Manifest = Record<string, unknown>;

export interface ClusterRun {
  /** Applied first: ConfigMap, PersistentVolumeClaim, TestRun. */
  run: Manifest[];
  /** Applied after the TestRun's stage is `finished`: the pod `kubectl cp` copies the outputs from. */
  collect: Manifest[];
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Throws (a plain Error naming the option) on a value Kubernetes would refuse. */
function check(opts: ClusterRunOptions): void {
  if (!NAME.test(opts.name) || opts.name.length > 40)
    throw new Error(`--name "${opts.name}": must be lower-case letters, digits and "-", at most 40 characters (pod names are made from it)`);
  if (opts.namespace !== undefined && !NAME.test(opts.namespace)) throw new Error(`--namespace "${opts.namespace}": not a Kubernetes namespace name`);
  if (!Number.isInteger(opts.parallelism) || opts.parallelism < 1 || opts.parallelism > 1000)
    throw new Error(`--parallelism ${opts.parallelism}: must be a whole number from 1 to 1000`);
  if (!/^[A-Za-z0-9._-]+$/.test(basename(opts.scriptPath))) throw new Error(`--script ${opts.scriptPath}: the file name must be usable as a ConfigMap key ([A-Za-z0-9._-])`);
  if (Buffer.byteLength(opts.scriptText) > 1_000_000)
    throw new Error(`--script ${opts.scriptPath}: larger than a ConfigMap holds (1 MB); bundle it smaller or use a volumeClaim script`);
  for (const key of Object.keys(opts.env ?? {}))
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || key === 'K6_OUT' || key === 'POD_NAME')
      throw new Error(`--env ${key}: not a usable variable name (K6_OUT and POD_NAME are set by chaosgate)`);
}

export function renderClusterRun(opts: ClusterRunOptions): ClusterRun {
  check(opts);
  const ns = opts.namespace !== undefined ? { namespace: opts.namespace } : {};
  const labels = { 'app.kubernetes.io/managed-by': 'chaosgate', 'chaosgate/run': opts.name };
  const scriptFile = basename(opts.scriptPath);
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${opts.name}-script`, ...ns, labels },
    data: { [scriptFile]: opts.scriptText },
  };
  const claim = {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: `${opts.name}-results`, ...ns, labels },
    spec: {
      accessModes: ['ReadWriteMany'],
      ...(opts.storageClassName ? { storageClassName: opts.storageClassName } : {}),
      resources: { requests: { storage: opts.storage ?? '1Gi' } },
    },
  };
  const resultsVolume = { name: 'results', persistentVolumeClaim: { claimName: `${opts.name}-results` } };
  const testRun = {
    apiVersion: TESTRUN_API_VERSION,
    kind: 'TestRun',
    metadata: { name: opts.name, ...ns, labels },
    spec: {
      parallelism: opts.parallelism,
      script: { configMap: { name: `${opts.name}-script`, file: scriptFile } },
      ...(opts.k6Args && opts.k6Args.length > 0 ? { args: opts.k6Args } : {}),
      runner: {
        image: opts.image ?? DEFAULT_K6_IMAGE,
        metadata: { labels },
        // POD_NAME first: Kubernetes expands $(POD_NAME) only from variables defined before.
        env: [
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'K6_OUT', value: `json=${RESULTS_DIR}/$(POD_NAME).ndjson.gz` },
          ...Object.entries(opts.env ?? {}).map(([name, value]) => ({ name, value })),
        ],
        securityContext: { fsGroup: K6_IMAGE_GID },
        volumes: [resultsVolume],
        volumeMounts: [{ name: 'results', mountPath: RESULTS_DIR }],
      },
    },
  };
  const collector = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${opts.name}-collect`, ...ns, labels },
    spec: {
      restartPolicy: 'Never',
      containers: [
        {
          name: 'collect',
          image: opts.collectorImage ?? DEFAULT_COLLECTOR_IMAGE,
          // Bounded: the pod ends by itself an hour later if nobody deletes it.
          command: ['sleep', '3600'],
          volumeMounts: [{ name: 'results', mountPath: RESULTS_DIR, readOnly: true }],
        },
      ],
      volumes: [{ ...resultsVolume, persistentVolumeClaim: { ...resultsVolume.persistentVolumeClaim, readOnly: true } }],
    },
  };
  return { run: [configMap, claim, testRun], collect: [collector] };
}

/**
 * The k6 arguments k6-operator gives runner `index` (1-based) of `total` for sharding: its
 * execution segment, the full segment sequence, and the instance tag (k6-operator v1.6.0,
 * pkg/segmentation and pkg/resources/jobs/runner.go: "0" and "1" at the ends, "i/N" between).
 */
export function runnerSegmentArgs(index: number, total: number): string[] {
  if (!Number.isInteger(total) || total < 1 || !Number.isInteger(index) || index < 1 || index > total) {
    throw new Error(`runner ${index} of ${total}: the index must be 1..${total}`);
  }
  const point = (i: number) => (i === 0 ? '0' : i === total ? '1' : `${i}/${total}`);
  const sequence = Array.from({ length: total + 1 }, (_, i) => point(i)).join(',');
  return [`--execution-segment=${point(index - 1)}:${point(index)}`, `--execution-segment-sequence=${sequence}`, '--tag', `instance_id=${index}`];
}

/**
 * The vendored schema made strict: Kubernetes' strict field validation (kubectl's default since
 * 1.27) refuses fields a CRD does not declare; JSON Schema only does with additionalProperties.
 */
export function strictSchema(schema: unknown): unknown {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (node === null || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, walk(s)])) : walk(v);
    if (out.type === 'object' && out.properties !== undefined && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
      out.additionalProperties = false;
    }
    return out;
  };
  return walk(schema);
}
