// The system a run loads and faults, behind one interface. `reference` starts ours (run/stack.ts:
// redis-server, the target, its worker; a proxy route "stack" in front of the target). `external`
// uses what the config names (load.baseUrl, chaos.proxy.routes, redis.url). The orchestrator asks
// a stack only these questions, so another kind (e.g. the config's `services`) plugs in here.
import { join } from 'node:path';
import type { ChaosSectionInput } from '../chaos/config.js';
import type { ChaosgateConfig } from '../config/index.js';
import { probeConfigSchema, type ProbeConfig } from '../probes/config.js';
import type { Credentials } from '../target/credentials.js';
import { startReferenceStack } from './stack.js';

export type StackKind = 'reference' | 'external';
export type ProxyRouteInput = NonNullable<NonNullable<ChaosSectionInput['proxy']>['routes']>[number];

/** What a stack adds to the chaos section, known before anything starts (for the config check). */
export interface StackShape {
  /** Proxy routes it wants in front of its services (beside chaos.proxy.routes). */
  routes: ProxyRouteInput[];
  /** Placeholders plan entries may use, e.g. {workerPidFile}. */
  planVars: Record<string, string>;
}

export interface RunStack extends StackShape {
  kind: StackKind;
  /** Redis for chaos toggles, probes and the built-in scenarios' queue gauge. */
  redisUrl: string;
  /** Probes the stack brings when the config lists none. */
  defaultProbes: ProbeConfig[];
  /** Where the ingestion drain check asks (the reference target); null: no drain. */
  drainBaseUrl: string | null;
  /**
   * Given the started proxy's route URLs: the base URL the load goes to and the env the script
   * gets (CHAOSGATE_BASE_URL; a services stack adds CHAOSGATE_URL_<NAME>).
   */
  loadTarget(proxyUrls: Record<string, string>): { baseUrl: string; env: Record<string, string> };
  stop(): Promise<void>;
}

export const BASE_URL_ENV = 'CHAOSGATE_BASE_URL';

function referenceShape(outDir: string, targetAddress: string): StackShape {
  return {
    routes: [{ name: 'stack', protocol: 'http', listen: '127.0.0.1:0', upstream: targetAddress }],
    planVars: { workerPidFile: join(outDir, 'worker.pid') },
  };
}

/** The shape a stack of this kind will have, before it starts (the target's address unknown yet). */
export function stackShape(kind: StackKind, outDir: string): StackShape {
  return kind === 'reference' ? referenceShape(outDir, '127.0.0.1:1') : { routes: [], planVars: {} };
}

export async function startStack(kind: StackKind, config: ChaosgateConfig, outDir: string, credentials: Credentials, log: (line: string) => void): Promise<RunStack> {
  if (kind === 'external') {
    return {
      kind,
      ...stackShape(kind, outDir),
      redisUrl: config.redis.url,
      defaultProbes: [],
      drainBaseUrl: null,
      loadTarget: (urls) => {
        const baseUrl = urls.stack ?? config.load.baseUrl;
        return { baseUrl, env: { [BASE_URL_ENV]: baseUrl } };
      },
      stop: async () => {},
    };
  }
  log('starting the reference stack (redis-server, target, ingestion worker)');
  const ref = await startReferenceStack(config, outDir, credentials);
  return {
    kind,
    ...referenceShape(outDir, ref.targetAddress),
    planVars: { workerPidFile: ref.workerPidFile },
    redisUrl: ref.redisUrl,
    // A reference stack with no probes configured still has its ingestion queue probed.
    defaultProbes: [probeConfigSchema.parse({ kind: 'celery-redis', id: 'ingestion', queue: config.target.queue })],
    drainBaseUrl: ref.baseUrl,
    loadTarget: (urls) => {
      const baseUrl = urls.stack ?? ref.baseUrl;
      return { baseUrl, env: { [BASE_URL_ENV]: baseUrl } };
    },
    stop: () => ref.stop(),
  };
}
