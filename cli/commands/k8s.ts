// `chaosgate k8s render`: the manifests of a sharded k6 run on k6-operator (k8s/render.ts), written
// as YAML; the script ships as itself or as a `k6 archive` with what it imports (k8s/archive.ts).
// docs/scale-out.md has the commands that apply, wait, collect and gate them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { shipScript } from '../../k8s/archive.js';
import { checkClusterRunValues, renderClusterRun, K6_OPERATOR_VERSION, MAX_SCRIPT_BYTES, payloadBytes, type ClusterRunOptions } from '../../k8s/render.js';
import { writeFileAtomic } from '../../lib/atomic-write.js';
import { InputError, UsageError } from '../../lib/errors.js';

interface RenderFlags {
  script: string;
  name: string;
  namespace?: string;
  parallelism: number;
  image?: string;
  collectorImage?: string;
  storage?: string;
  storageClass?: string;
  env: Record<string, string>;
  out: string;
}

function intFlag(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('not a whole number');
  return n;
}

function envFlag(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected NAME=value');
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

/**
 * YAML documents, one per manifest (the `yaml` package is loaded only by this command); the header
 * comment inside the first document, so no tool reads an empty document before it.
 */
async function toYaml(manifests: Array<Record<string, unknown>>, header: string): Promise<string> {
  const { stringify } = await import('yaml');
  return manifests.map((m, i) => `---\n${i === 0 ? `# ${header}\n` : ''}${stringify(m, { lineWidth: 0 })}`).join('');
}

export function register(program: Command): void {
  const k8s = program.command('k8s').description(`manifests for a sharded k6 run on Kubernetes with k6-operator ${K6_OPERATOR_VERSION} (see docs/scale-out.md)`);
  k8s
    .command('render')
    .description(
      'write script.yaml (the script ConfigMap; a k6 archive when the script imports local modules or opens files), run.yaml (results volume claim, TestRun) and collect.yaml (the pod kubectl cp copies the outputs from); apply them with kubectl apply --server-side, script.yaml first; exit 2 on a bad option or a script k6 cannot archive, 3 on an unreadable script',
    )
    .requiredOption('--script <file>', `the k6 script; with the modules and files it reads at most ${MAX_SCRIPT_BYTES} bytes (a ConfigMap)`)
    .requiredOption('--name <name>', 'TestRun name (lower-case, digits, "-")')
    .requiredOption('--parallelism <n>', 'k6 runners (each gets an execution segment)', intFlag)
    .requiredOption('--out <dir>', 'folder to write run.yaml and collect.yaml into')
    .option('--namespace <ns>', 'namespace of every manifest')
    .option('--image <image>', 'runner image (default grafana/k6:1.8.1)')
    .option('--collector-image <image>', 'collector pod image with tar (default busybox:1.36)')
    .option('--storage <size>', 'results volume size (default 1Gi)')
    .option('--storage-class <class>', 'a storage class with ReadWriteMany')
    .option('--env <NAME=value>', 'runner environment variable (repeatable; no secrets)', envFlag, {})
    .argument('[k6Args...]', 'arguments for `k6 run` after --, e.g. -- --vus 50 --duration 5m')
    .exitOverride()
    .action(async (k6Args: string[], flags: RenderFlags) => {
      let scriptText: string;
      try {
        scriptText = await readFile(flags.script, 'utf8');
      } catch (err) {
        throw new InputError(`--script ${flags.script}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      let rendered;
      let opts: ClusterRunOptions;
      try {
        const values: Omit<ClusterRunOptions, 'shipped'> = {
          name: flags.name,
          namespace: flags.namespace,
          parallelism: flags.parallelism,
          scriptPath: flags.script,
          k6Args,
          env: flags.env,
          image: flags.image,
          collectorImage: flags.collectorImage,
          storage: flags.storage,
          storageClassName: flags.storageClass,
        };
        checkClusterRunValues(values);
        opts = { ...values, shipped: shipScript({ scriptPath: flags.script, scriptText, env: flags.env, k6Args }) };
        rendered = renderClusterRun(opts);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      const header = `rendered by chaosgate k8s render for k6-operator ${K6_OPERATOR_VERSION}`;
      const apply = 'kubectl apply --server-side';
      await writeFileAtomic(join(flags.out, 'script.yaml'), await toYaml(rendered.script, `${header}: ${apply} first; apply run.yaml only once it succeeded`));
      await writeFileAtomic(join(flags.out, 'run.yaml'), await toYaml(rendered.run, `${header}: ${apply} after script.yaml, then wait for .status.stage == finished`));
      await writeFileAtomic(
        join(flags.out, 'collect.yaml'),
        await toYaml(rendered.collect, `${header}: apply after the TestRun finished, then kubectl cp ${flags.name}-collect:/results`),
      );
      const shipped = opts.shipped;
      const what =
        shipped.kind === 'script'
          ? `the script as ${shipped.file}`
          : `a k6 archive ${shipped.file} of ${shipped.script} with ${shipped.packed.length} file(s) it reads: ${shipped.packed.join(', ')}`;
      process.stdout.write(
        `wrote script.yaml, run.yaml and collect.yaml in ${flags.out} (${flags.parallelism} runners; ConfigMap: ${what}, ${payloadBytes(shipped)} of at most ${MAX_SCRIPT_BYTES} bytes)\n`,
      );
    });
}
