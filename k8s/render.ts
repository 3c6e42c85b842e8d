// What a cluster run with the real k6-operator needs (issue 12): the script as a ConfigMap, a
// ReadWriteMany volume for the runners' outputs, the TestRun (k6-operator v1.6.0, k6.io/v1alpha1)
// whose runners each write their own gzip NDJSON to it, and a collector pod to copy the outputs to
// the CI runner, where `chaosgate evaluate` (or evaluate --state + merge) gates them as one run.
// The operator gives runner i of N `--execution-segment=(i-1)/N:i/N`, the full sequence and
// `--tag instance_id=i`; it collects nothing itself.
import type { ShippedScript } from './archive.js';
import { isConfigMapKey, isDns1035Label, isDns1123Label, isDns1123Subdomain, isEnvName, isImage, isLabelValue, isPositiveQuantity } from './values.js';

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
  /** The script's path as given (for messages). */
  scriptPath: string;
  /** What goes into the ConfigMap: the script as text, or a `k6 archive` of it (k8s/archive.ts). */
  shipped: ShippedScript;
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
  /** Applied first, alone: the ConfigMap with the script. */
  script: Manifest[];
  /** Applied once the script is in: the PersistentVolumeClaim, then the TestRun (which starts the run). */
  run: Manifest[];
  /** Applied after the TestRun's stage is `finished`: the pod `kubectl cp` copies the outputs from. */
  collect: Manifest[];
}

/**
 * The most the ConfigMap's payload may hold: the API server refuses a ConfigMap whose data and
 * binaryData together exceed 1 MiB (MaxSecretSize, counted in bytes, a tarball before base64).
 */
export const MAX_SCRIPT_BYTES = 1024 * 1024;
/**
 * Longest TestRun name: the operator names a Service `<name>-service-<i>` (a DNS-1035 label, at
 * most 63) and Jobs `<name>-initializer`, `<name>-<i>` (the job-name label, at most 63); 40 leaves
 * room for 1000 runners and a pod name's random suffix.
 */
export const MAX_NAME_LENGTH = 40;
export const MAX_PARALLELISM = 1000;

/** Bytes the ConfigMap's payload holds (what the API server counts against MAX_SCRIPT_BYTES). */
export function payloadBytes(shipped: ShippedScript): number {
  return shipped.kind === 'script' ? Buffer.byteLength(shipped.text) : shipped.bytes.length;
}

/**
 * Throws (a plain Error naming the option) on a value the Kubernetes API server would refuse;
 * the script itself is checked by renderClusterRun (the CLI checks these before archiving it).
 */
export function checkClusterRunValues(opts: Omit<ClusterRunOptions, 'shipped'>): void {
  if (!isDns1035Label(opts.name) || opts.name.length > MAX_NAME_LENGTH)
    throw new Error(
      `--name "${opts.name}": must start with a lower-case letter, then lower-case letters, digits and "-" (not last), at most ${MAX_NAME_LENGTH} characters (the operator's Service, Job and pod names are made from it)`,
    );
  if (opts.namespace !== undefined && !isDns1123Label(opts.namespace))
    throw new Error(`--namespace "${opts.namespace}": not a Kubernetes namespace name (lower-case letters, digits and "-", at most 63)`);
  if (!Number.isInteger(opts.parallelism) || opts.parallelism < 1 || opts.parallelism > MAX_PARALLELISM)
    throw new Error(`--parallelism ${opts.parallelism}: must be a whole number from 1 to ${MAX_PARALLELISM}`);
  if (opts.storage !== undefined && !isPositiveQuantity(opts.storage))
    throw new Error(`--storage "${opts.storage}": not a Kubernetes quantity above zero (e.g. 1Gi, 500Mi, 5G; "GB" is not a unit)`);
  if (opts.storageClassName !== undefined && !isDns1123Subdomain(opts.storageClassName))
    throw new Error(`--storage-class "${opts.storageClassName}": not a storage class name (lower-case letters, digits, "-" and ".", at most 253)`);
  for (const [flag, image] of [
    ['--image', opts.image],
    ['--collector-image', opts.collectorImage],
  ] as const)
    if (image !== undefined && !isImage(image)) throw new Error(`${flag} "${image}": an image reference cannot be empty or hold whitespace`);
  for (const key of Object.keys(opts.env ?? {}))
    if (!isEnvName(key) || key === 'K6_OUT' || key === 'POD_NAME')
      throw new Error(`--env ${key}: not a usable variable name ([A-Za-z_][A-Za-z0-9_]*; K6_OUT and POD_NAME are set by chaosgate)`);
  for (const arg of opts.k6Args ?? [])
    if (arg === '-o' || arg === '--out' || arg.startsWith('--out=') || (arg.startsWith('-o') && !arg.startsWith('--')))
      throw new Error(`k6 argument ${arg}: --out replaces the K6_OUT that writes each runner's output to the volume; the outputs would be lost`);
  if (!isLabelValue(opts.name)) throw new Error(`--name "${opts.name}": not usable as a label value`);
}

function checkShipped(opts: ClusterRunOptions): void {
  if (!isConfigMapKey(opts.shipped.file)) throw new Error(`--script ${opts.scriptPath}: the file name must be usable as a ConfigMap key ([-._a-zA-Z0-9], at most 253)`);
  const bytes = payloadBytes(opts.shipped);
  if (bytes > MAX_SCRIPT_BYTES) {
    const what = opts.shipped.kind === 'script' ? 'the script is' : `its k6 archive (the script and ${opts.shipped.packed.length} files it reads) is`;
    throw new Error(
      `--script ${opts.scriptPath}: ${what} ${bytes} bytes; a ConfigMap holds at most ${MAX_SCRIPT_BYTES} (1 MiB): make it smaller (minify, drop unused modules or data), or ship it on a volume yourself (spec.script.volumeClaim)`,
    );
  }
}

/** The grafana/k6 image's user and group (uid/gid 12345); the starter and collector run as it too. */
const RUN_AS = K6_IMAGE_GID;
/**
 * Pod Security Standards, `restricted` level: non-root with a numeric uid, the runtime's default
 * seccomp profile, no privilege escalation, every capability dropped. The TestRun carries these
 * for the runner, initializer and starter pods (securityContext and containerSecurityContext).
 */
function podSecurityContext(fsGroup: boolean): Record<string, unknown> {
  return { runAsNonRoot: true, runAsUser: RUN_AS, runAsGroup: RUN_AS, ...(fsGroup ? { fsGroup: K6_IMAGE_GID } : {}), seccompProfile: { type: 'RuntimeDefault' } };
}
const containerSecurityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };

export function renderClusterRun(opts: ClusterRunOptions): ClusterRun {
  checkClusterRunValues(opts);
  checkShipped(opts);
  const ns = opts.namespace !== undefined ? { namespace: opts.namespace } : {};
  const labels = { 'app.kubernetes.io/managed-by': 'chaosgate', 'chaosgate/run': opts.name };
  const shipped = opts.shipped;
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${opts.name}-script`, ...ns, labels },
    // A tarball is binary: binaryData (base64); the API server counts its decoded bytes.
    ...(shipped.kind === 'script' ? { data: { [shipped.file]: shipped.text } } : { binaryData: { [shipped.file]: shipped.bytes.toString('base64') } }),
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
  const image = opts.image ?? DEFAULT_K6_IMAGE;
  const userEnv = Object.entries(opts.env ?? {}).map(([name, value]) => ({ name, value }));
  const testRun = {
    apiVersion: TESTRUN_API_VERSION,
    kind: 'TestRun',
    metadata: { name: opts.name, ...ns, labels },
    spec: {
      parallelism: opts.parallelism,
      script: { configMap: { name: `${opts.name}-script`, file: shipped.file } },
      ...(opts.k6Args && opts.k6Args.length > 0 ? { args: opts.k6Args } : {}),
      runner: {
        image,
        metadata: { labels },
        // POD_NAME first: Kubernetes expands $(POD_NAME) only from variables defined before.
        env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'K6_OUT', value: `json=${RESULTS_DIR}/$(POD_NAME).ndjson.gz` }, ...userEnv],
        securityContext: podSecurityContext(true),
        containerSecurityContext,
        volumes: [resultsVolume],
        volumeMounts: [{ name: 'results', mountPath: RESULTS_DIR }],
      },
      // The initializer runs `k6 archive` + `k6 inspect` on the script: the runners' image and
      // environment (the init code may read it), restricted like them.
      initializer: {
        image,
        metadata: { labels },
        ...(userEnv.length > 0 ? { env: userEnv } : {}),
        securityContext: podSecurityContext(false),
        containerSecurityContext,
      },
      // The starter (the operator's own image) only calls the runners' REST API.
      starter: { metadata: { labels }, securityContext: podSecurityContext(false), containerSecurityContext },
    },
  };
  const collector = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${opts.name}-collect`, ...ns, labels },
    spec: {
      restartPolicy: 'Never',
      // The runners' user: it owns the outputs; `kubectl cp` runs tar as it.
      securityContext: podSecurityContext(false),
      containers: [
        {
          name: 'collect',
          image: opts.collectorImage ?? DEFAULT_COLLECTOR_IMAGE,
          // Bounded: the pod ends by itself an hour later if nobody deletes it.
          command: ['sleep', '3600'],
          securityContext: containerSecurityContext,
          volumeMounts: [{ name: 'results', mountPath: RESULTS_DIR, readOnly: true }],
        },
      ],
      volumes: [{ ...resultsVolume, persistentVolumeClaim: { ...resultsVolume.persistentVolumeClaim, readOnly: true } }],
    },
  };
  return { script: [configMap], run: [claim, testRun], collect: [collector] };
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
